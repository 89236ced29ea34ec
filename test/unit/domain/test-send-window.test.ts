import fc from 'fast-check';
import {
  decideTestSend,
  retryAfterSeconds,
  TEST_SEND_LIMIT,
  TEST_SEND_WINDOW_MS,
  TEST_SENDS_PER_WINDOW,
} from '../../../lib/domain/test-send-window.js';

const T0 = Date.parse('2025-01-15T12:00:00.000Z');
const SECOND = 1000;

/** Runs requests at `times` through the window, keeping its state as the repository would; the admitted times. */
function admittedOf(times: readonly number[], limit = TEST_SEND_LIMIT): number[] {
  let state: number[] = [];
  const admitted: number[] = [];
  for (const now of times) {
    const decision = decideTestSend(state, now, limit);
    if (decision.admitted) {
      state = decision.times;
      admitted.push(now);
    }
  }
  return admitted;
}

describe('decideTestSend', () => {
  it('admits ten test sends within a minute and refuses the eleventh until the first leaves the window', () => {
    // Prepare: ten sends, one every 5 s from T0.
    const times = Array.from({ length: 10 }, (_, i) => T0 + i * 5 * SECOND);
    const state = admittedOf(times);
    const now = T0 + 50 * SECOND;

    // Act
    const eleventh = decideTestSend(state, now);
    const justBefore = decideTestSend(state, T0 + TEST_SEND_WINDOW_MS - 1);
    const whenTheFirstLeaves = decideTestSend(state, T0 + TEST_SEND_WINDOW_MS);

    // Assess
    expect(state).toHaveLength(10);
    expect(eleventh).toEqual({ admitted: false, retryAfterMs: T0 + TEST_SEND_WINDOW_MS - now });
    expect(justBefore).toEqual({ admitted: false, retryAfterMs: 1 });
    expect(whenTheFirstLeaves).toEqual({
      admitted: true,
      times: [...times.slice(1), T0 + TEST_SEND_WINDOW_MS],
    });
  });

  it('slides: ten sends late in one clock minute leave no room early in the next one', () => {
    // Prepare: ten sends at 12:00:55 .. 12:00:59.5, where a fixed per-minute window would reset at 12:01:00.
    const times = Array.from({ length: 10 }, (_, i) => T0 + 55 * SECOND + i * 500);
    const state = admittedOf(times);

    // Act
    const nextMinute = decideTestSend(state, T0 + 61 * SECOND);

    // Assess
    expect(nextMinute).toEqual({ admitted: false, retryAfterMs: 54 * SECOND });
  });

  it('forgets times older than the window and keeps at most the limit, oldest first', () => {
    // Prepare
    const stale = [T0 - 120 * SECOND, T0 - 61 * SECOND, T0 - TEST_SEND_WINDOW_MS];
    const recent = [T0 - 30 * SECOND, T0 - 10 * SECOND];

    // Act
    const decision = decideTestSend([...recent, ...stale].reverse(), T0);

    // Assess
    expect(decision).toEqual({ admitted: true, times: [...recent, T0] });
  });

  it("counts a time ahead of now (another process's clock) as inside the window", () => {
    // Prepare
    const ahead = Array.from({ length: 10 }, () => T0 + 2 * SECOND);

    // Act
    const decision = decideTestSend(ahead, T0);

    // Assess
    expect(decision).toEqual({ admitted: false, retryAfterMs: TEST_SEND_WINDOW_MS + 2 * SECOND });
  });

  it('never lets more than the limit into any window, and refuses only when the limit is reached (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 * SECOND }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 12 }),
        (gaps, perWindow) => {
          // Prepare: requests at increasing times, some bursts, some pauses.
          const limit = { perWindow, windowMs: TEST_SEND_WINDOW_MS };
          let at = T0;
          const times = gaps.map((gap) => {
            at += gap;
            return at;
          });

          // Act
          const admitted = admittedOf(times, limit);

          // Assess: every window of windowMs holds at most perWindow admitted times...
          for (const start of admitted) {
            const inside = admitted.filter((t) => t >= start && t < start + limit.windowMs);
            expect(inside.length).toBeLessThanOrEqual(perWindow);
          }
          // ...and a refused request had perWindow admitted ones in the window ending at it.
          for (const now of times.filter((t) => !admitted.includes(t))) {
            const inside = admitted.filter((t) => t > now - limit.windowMs && t <= now);
            expect(inside.length).toBe(perWindow);
          }
        },
      ),
    );
  });
});

describe('retryAfterSeconds', () => {
  it.each([
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [TEST_SEND_WINDOW_MS, 60],
    [0, 1],
  ])('%i ms → %i s', (ms, seconds) => {
    expect(retryAfterSeconds(ms)).toBe(seconds);
  });
});

it('is ten a minute', () => {
  expect({ perWindow: TEST_SENDS_PER_WINDOW, windowMs: TEST_SEND_WINDOW_MS }).toEqual({
    perWindow: 10,
    windowMs: 60_000,
  });
});
