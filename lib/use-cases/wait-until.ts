import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../ports/runtime.js';

/**
 * Returns at `atMs` by the clock or later, never earlier: a timer may fire a millisecond early, so it looks again.
 * A clock that can wait by itself (a test's) is asked to.
 */
export async function waitUntil(clock: Clock, atMs: number): Promise<void> {
  // Whole milliseconds, as clocks tell the time: a slot a fraction past a millisecond is reached at the next one.
  for (let ms = Math.ceil(atMs - clock.now().getTime()); ms > 0; ms = Math.ceil(atMs - clock.now().getTime())) {
    await (clock.sleep ? clock.sleep(ms) : sleep(ms));
  }
}
