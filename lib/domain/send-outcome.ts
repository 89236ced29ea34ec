import { safeReason } from './safe-text.js';

/** What a channel answered for one message. */
export type SendOutcome =
  | { kind: 'accepted'; providerMessageId?: string }
  /**
   * Worth retrying later with the same idempotency key (timeouts, 408, 429, 5xx, connection errors).
   * `throttled`: the channel asked to slow down (HTTP 429), rather than failing for a moment.
   */
  | { kind: 'transient'; reason: string; retryAfterMs?: number; throttled?: true }
  /** Retrying cannot help (other 4xx, invalid recipient): fail this execution only. */
  | { kind: 'permanent'; reason: string };

/** One send: the channel's answer, or what it threw. */
export type SendResult = { outcome: SendOutcome } | { thrown: unknown };

export interface RetryPolicy {
  /** Attempts per contact, the first one included. */
  maxSendAttempts: number;
  /** The wait before the first retry; doubled for each later one. */
  retryBaseMs: number;
}

/** What one attempt means for its execution: sent, failed for good, or put back for a later attempt. */
export type SendVerdict =
  | { next: 'sent'; providerMessageId?: string }
  | { next: 'failed'; reason: 'rejected' | 'retries_exhausted' | 'outcome_unknown'; error: string }
  | { next: 'retry'; error: string; retryAfterMs: number; throttled: boolean };

/**
 * Classifies attempt number `attempt` (1 for the first) of one contact. `mayRepeat`: the channel de-duplicates
 * by idempotency key, so a send whose fate is unknown may be made again.
 */
export function classifySend(
  result: SendResult,
  attempt: number,
  mayRepeat: boolean,
  policy: RetryPolicy,
): SendVerdict {
  let outcome: SendOutcome;
  if ('thrown' in result) {
    const reason = safeReason(`channel error: ${(result.thrown as Error)?.message ?? String(result.thrown)}`);
    // A throw says nothing about whether the message left: only a channel that de-duplicates may try again.
    if (!mayRepeat) return { next: 'failed', reason: 'outcome_unknown', error: reason };
    outcome = { kind: 'transient', reason };
  } else {
    outcome = result.outcome;
  }
  switch (outcome.kind) {
    case 'accepted':
      return outcome.providerMessageId
        ? { next: 'sent', providerMessageId: outcome.providerMessageId }
        : { next: 'sent' };
    case 'permanent':
      return { next: 'failed', reason: 'rejected', error: outcome.reason };
    case 'transient':
      if (attempt >= policy.maxSendAttempts) {
        return { next: 'failed', reason: 'retries_exhausted', error: outcome.reason };
      }
      return {
        next: 'retry',
        error: outcome.reason,
        retryAfterMs: retryDelayMs(attempt, policy.retryBaseMs, outcome.retryAfterMs),
        throttled: outcome.throttled === true,
      };
  }
}

/**
 * How long to wait after failed attempt number `attempt`: exponential from `retryBaseMs`, or longer when the
 * channel asked for more (Retry-After). No cap here: the queue holds the chunk as long as it can (see MessageQueue)
 * and the contact is tried again when the chunk comes back.
 */
export function retryDelayMs(attempt: number, retryBaseMs: number, retryAfterMs?: number): number {
  return Math.max(retryBaseMs * 2 ** (attempt - 1), retryAfterMs ?? 0);
}
