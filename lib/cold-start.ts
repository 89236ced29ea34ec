/**
 * Work a function must finish before its first invocation does anything: reading what it may not keep in its
 * environment (the unsubscribe signing key, from Secrets Manager). The composition root registers it when a handler
 * imports it, and the handler stack (observedHandler) awaits it first in every invocation; once done it costs nothing.
 * A function that never imports the composition root (health) has nothing to wait for. A task that fails fails the
 * invocation, and the next invocation tries again.
 */
const tasks: (() => Promise<unknown>)[] = [];

export function beforeFirstInvocation(task: () => Promise<unknown>): void {
  tasks.push(task);
}

export async function coldStartDone(): Promise<void> {
  for (const task of tasks) await task();
}
