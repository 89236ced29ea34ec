import { ConflictError } from '../domain/errors.js';
import { type RetryPolicy, retry } from '../retry.js';

/** No pause: the write that won has committed, so reading again at once sees it. */
const LOST_RACE_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 0 };

/**
 * Runs a read-modify-write again when the write lost a race (ConflictError with one of `codes`): the
 * second attempt reads the winner's result and applies its change on top, so neither write is lost.
 */
export function retryOnConflict<T>(codes: readonly string[], attempt: () => Promise<T>): Promise<T> {
  return retry(attempt, {
    ...LOST_RACE_RETRY,
    retryable: (error) => error instanceof ConflictError && codes.includes(error.code),
  });
}
