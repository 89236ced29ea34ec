/**
 * A view of `target` whose method `name` holds its first `parties` callers until all of them have their
 * result: concurrent commands are then sure to act on what they all read, a real race every time.
 */
export function readingTogether<T extends object, K extends keyof T>(target: T, name: K, parties: number): T {
  const original = target[name] as (...args: unknown[]) => Promise<unknown>;
  const waiting: (() => void)[] = [];
  let remaining = parties;
  const view: T = Object.create(target);
  view[name] = (async (...args: unknown[]) => {
    const result = await original.apply(target, args);
    if (remaining > 0) {
      remaining--;
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (remaining === 0) for (const release of waiting) release();
      });
    }
    return result;
  }) as T[K];
  return view;
}
