/**
 * The one way this code base tries something again: DynamoDB's unprocessed batch requests and cancelled
 * transactions, SQS and EventBridge entries refused in a batch, writes that lost a race, and the local
 * runtime's waits for DynamoDB Local. Each caller states how many tries, how long to pause, and which errors
 * are worth another try; the pause follows one formula (backoffDelay).
 *
 * It sits at the top of lib/, next to config.ts, because adapters, use cases and the local runtime all use it:
 * it is not domain code (it sleeps, and lib/domain stays pure) and not a port (nothing differs between
 * environments but the numbers, which each caller passes).
 */
import { setTimeout as sleepFor } from 'node:timers/promises';

export interface RetryPolicy {
  /** Tries in all, the first one included; one is always made. */
  readonly maxAttempts: number;
  /** The longest pause before the first retry; it doubles for each later one. 0 retries at once. */
  readonly baseDelayMs: number;
  /** Where the doubling stops. Equal to baseDelayMs, it makes a steady poll. @default no limit */
  readonly maxDelayMs?: number;
  /** For tests. @default setTimeout of node:timers/promises */
  readonly sleep?: (ms: number) => Promise<unknown>;
  /** A number in [0, 1), for tests. @default Math.random */
  readonly random?: () => number;
}

export interface RetryOptions extends RetryPolicy {
  /** Whether an error is worth another try; any other error is thrown at once. */
  readonly retryable: (error: unknown) => boolean;
  /** What to throw, instead of the last error, when the last try failed with a retryable error. */
  readonly exhausted?: (lastError: unknown) => Error;
}

/**
 * The pause before retry number `retry` (1 for the first), "equal jitter": half of the exponential ceiling
 * for sure, so a throttled call always gives the service some air, and a random share of the other half, so
 * callers that failed together do not come back together. Ceiling = min(maxDelayMs, baseDelayMs * 2^(retry-1));
 * pause in [ceiling / 2, ceiling).
 */
export function backoffDelay(retry: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs ?? Number.POSITIVE_INFINITY, policy.baseDelayMs * 2 ** (retry - 1));
  return ceiling / 2 + (policy.random ?? Math.random)() * (ceiling / 2);
}

/**
 * Runs `attempt` (given its number, from 1) until it returns, pausing by backoffDelay between tries. An
 * error `retryable` refuses is thrown at once; when the tries run out, the last error is thrown, or what
 * `exhausted` makes of it. An attempt that does part of the work (a batch call) keeps what is left in its
 * closure and throws a retryable error of its own naming it: that is also the error when nothing is left to try.
 */
export async function retry<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (!options.retryable(error)) throw error;
      if (attemptNumber >= options.maxAttempts) throw options.exhausted ? options.exhausted(error) : error;
      const pause = backoffDelay(attemptNumber, options);
      if (pause > 0) await (options.sleep ?? sleepFor)(pause);
    }
  }
}
