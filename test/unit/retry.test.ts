import fc from 'fast-check';
import { backoffDelay, type RetryPolicy, retry } from '../../lib/retry.js';

class Transient extends Error {}
class Permanent extends Error {}

/** A sleep that records the pauses asked for and returns at once. */
function recordingSleep() {
  const pauses: number[] = [];
  return { pauses, sleep: async (ms: number) => void pauses.push(ms) };
}

/** An attempt that fails with `errors` in turn, then returns 'done'; counts its calls. */
function failingWith(...errors: Error[]) {
  const calls: number[] = [];
  const attempt = async (attemptNumber: number) => {
    calls.push(attemptNumber);
    const error = errors[calls.length - 1];
    if (error) throw error;
    return 'done';
  };
  return { calls, attempt };
}

const isTransient = (error: unknown) => error instanceof Transient;

describe('retry', () => {
  it('returns the first success, numbering the attempts from 1 and pausing before each retry only', async () => {
    // Prepare
    const { pauses, sleep } = recordingSleep();
    const { calls, attempt } = failingWith(new Transient(), new Transient());

    // Act
    const result = await retry(attempt, { maxAttempts: 5, baseDelayMs: 100, sleep, retryable: isTransient });

    // Assess
    expect(result).toBe('done');
    expect(calls).toEqual([1, 2, 3]);
    expect(pauses).toHaveLength(2);
  });

  it('makes no retry and no pause when the first attempt succeeds', async () => {
    // Prepare
    const { pauses, sleep } = recordingSleep();
    const { calls, attempt } = failingWith();

    // Act
    await retry(attempt, { maxAttempts: 5, baseDelayMs: 100, sleep, retryable: isTransient });

    // Assess
    expect(calls).toEqual([1]);
    expect(pauses).toEqual([]);
  });

  it('throws an error the predicate refuses at once, with no further attempt', async () => {
    // Prepare
    const { pauses, sleep } = recordingSleep();
    const permanent = new Permanent('bad request');
    const { calls, attempt } = failingWith(new Transient(), permanent, new Transient());

    // Act
    const outcome = retry(attempt, { maxAttempts: 5, baseDelayMs: 100, sleep, retryable: isTransient });

    // Assess
    await expect(outcome).rejects.toBe(permanent);
    expect(calls).toEqual([1, 2]);
    expect(pauses).toHaveLength(1);
  });

  it('throws the last retryable error after maxAttempts attempts', async () => {
    // Prepare
    const { pauses, sleep } = recordingSleep();
    const errors = [new Transient('1'), new Transient('2'), new Transient('3'), new Transient('4')];
    const { calls, attempt } = failingWith(...errors);

    // Act
    const outcome = retry(attempt, { maxAttempts: 3, baseDelayMs: 100, sleep, retryable: isTransient });

    // Assess
    await expect(outcome).rejects.toBe(errors[2]);
    expect(calls).toEqual([1, 2, 3]);
    expect(pauses).toHaveLength(2);
  });

  it('throws what `exhausted` makes of the last error when the attempts run out, and only then', async () => {
    // Prepare
    const { sleep } = recordingSleep();
    const last = new Transient('last');
    const exhausted = (error: unknown) => new Error('gave up', { cause: error });
    const options = { maxAttempts: 2, baseDelayMs: 10, sleep, retryable: isTransient, exhausted };

    // Act
    const gaveUp = retry(failingWith(new Transient(), last).attempt, options);
    const refused = retry(failingWith(new Permanent('no')).attempt, options);

    // Assess
    await expect(gaveUp).rejects.toThrow('gave up');
    await expect(gaveUp).rejects.toHaveProperty('cause', last);
    await expect(refused).rejects.toBeInstanceOf(Permanent);
  });

  it('makes one attempt when maxAttempts is 1', async () => {
    // Prepare
    const { calls, attempt } = failingWith(new Transient(), new Transient());

    // Act
    const outcome = retry(attempt, { maxAttempts: 1, baseDelayMs: 100, retryable: isTransient });

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(Transient);
    expect(calls).toEqual([1]);
  });

  it('sleeps with node:timers/promises when no sleep is injected', async () => {
    // Prepare
    const { calls, attempt } = failingWith(new Transient());

    // Act
    const result = await retry(attempt, { maxAttempts: 2, baseDelayMs: 2, retryable: isTransient });

    // Assess
    expect(result).toBe('done');
    expect(calls).toEqual([1, 2]);
  });

  it('retries at once, never calling sleep, when baseDelayMs is 0', async () => {
    // Prepare
    const { pauses, sleep } = recordingSleep();
    const { calls, attempt } = failingWith(new Transient(), new Transient());

    // Act
    await retry(attempt, { maxAttempts: 3, baseDelayMs: 0, sleep, retryable: isTransient });

    // Assess
    expect(calls).toEqual([1, 2, 3]);
    expect(pauses).toEqual([]);
  });

  it('pauses by backoffDelay with the injected random: the exponential ceiling, capped, halved at least', async () => {
    // Prepare
    const { pauses, sleep } = recordingSleep();
    const { attempt } = failingWith(...Array.from({ length: 6 }, () => new Transient()));
    const draws = [0, 0.5, 0.75, 0, 0.5, 0.75];
    const random = () => draws.shift() ?? 0;

    // Act
    await retry(attempt, { maxAttempts: 7, baseDelayMs: 100, maxDelayMs: 1000, sleep, random, retryable: isTransient });

    // Assess: ceilings 100, 200, 400, 800, 1000, 1000
    expect(pauses).toEqual([50, 150, 350, 400, 750, 875]);
  });
});

describe('backoffDelay', () => {
  it('stays within [ceiling / 2, ceiling], ceiling = min(maxDelayMs, baseDelayMs * 2^(retry - 1))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retryNumber, baseDelayMs, maxDelayMs, draw) => {
          const policy: RetryPolicy = { maxAttempts: 50, baseDelayMs, maxDelayMs, random: () => draw };
          const ceiling = Math.min(maxDelayMs ?? Number.POSITIVE_INFINITY, baseDelayMs * 2 ** (retryNumber - 1));

          const pause = backoffDelay(retryNumber, policy);

          expect(pause).toBeGreaterThanOrEqual(ceiling / 2);
          expect(pause).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
  });

  it('doubles the ceiling per retry until maxDelayMs', () => {
    // Prepare
    const policy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 1000, random: () => 0 };

    // Act
    const floors = [1, 2, 3, 4, 5, 6, 7].map((retryNumber) => backoffDelay(retryNumber, policy));

    // Assess: the floor is half the ceiling
    expect(floors).toEqual([25, 50, 100, 200, 400, 500, 500]);
  });
});
