/**
 * The per-broadcast limit on test sends: at most TEST_SENDS_PER_WINDOW in any TEST_SEND_WINDOW_MS, over a sliding
 * window (a fixed "per calendar minute" window would let 20 through in two seconds across a minute's boundary).
 * The state is the times of the last few admitted test sends: a test send is admitted when fewer than the limit
 * fall inside the window ending now.
 */
export const TEST_SENDS_PER_WINDOW = 10;
export const TEST_SEND_WINDOW_MS = 60_000;

export interface TestSendLimit {
  perWindow: number;
  windowMs: number;
}

export const TEST_SEND_LIMIT: TestSendLimit = { perWindow: TEST_SENDS_PER_WINDOW, windowMs: TEST_SEND_WINDOW_MS };

export type WindowDecision =
  /** `times`: what the window holds once this test send is in it (epoch ms, oldest first, at most `perWindow`). */
  | { admitted: true; times: number[] }
  /** `retryAfterMs`: when the oldest test send inside the window leaves it, the earliest a next one is admitted. */
  | { admitted: false; retryAfterMs: number };

/**
 * Whether a test send at `nowMs` fits, given the times (epoch ms, any order) of earlier admitted ones. A time counts
 * while `nowMs - time < windowMs`; one ahead of `nowMs` (another process's clock running ahead) counts as well.
 */
export function decideTestSend(
  times: readonly number[],
  nowMs: number,
  limit: TestSendLimit = TEST_SEND_LIMIT,
): WindowDecision {
  const inWindow = times.filter((time) => time > nowMs - limit.windowMs).sort((a, b) => a - b);
  if (inWindow.length < limit.perWindow) {
    return { admitted: true, times: [...inWindow, nowMs].sort((a, b) => a - b).slice(-limit.perWindow) };
  }
  // The window is full: the next slot opens when the perWindow-th most recent send leaves it.
  const blocking = inWindow[inWindow.length - limit.perWindow] as number;
  return { admitted: false, retryAfterMs: blocking + limit.windowMs - nowMs };
}

/** `Retry-After` in whole seconds: rounded up, so a client that waits that long is admitted; at least 1. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}
