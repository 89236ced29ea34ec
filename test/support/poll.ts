import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** @default 8000 */
  timeoutMs?: number;
  /** @default 50 */
  intervalMs?: number;
  /** What the condition means, for the failure. */
  what?: string;
}

/** Checks `condition` every `intervalMs` until it holds; fails once `timeoutMs` have passed. */
export async function pollUntil(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 8000, intervalMs = 50, what = 'the condition' }: PollOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
