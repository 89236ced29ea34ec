import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';

const scope = new AsyncLocalStorage<LogAttributes>();

/**
 * Runs `work` with `keys` on every log line written while it runs, however deep the call (scopes nest; inner keys
 * win). Not `logger.appendKeys`: that changes the one shared logger, and an SQS batch's records are handled side by
 * side (as are requests in the local runtime), so one record's ids would end up on another's lines.
 */
export function withLogKeys<T>(keys: LogAttributes, work: () => Promise<T>): Promise<T> {
  return scope.run({ ...scope.getStore(), ...keys }, work);
}

/** The keys of the scope the caller runs in; none outside any. */
export function scopedLogKeys(): LogAttributes {
  return scope.getStore() ?? {};
}
