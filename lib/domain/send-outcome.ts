import { safeReason } from './safe-text.js';
import type { SuppressionKind } from './suppression.js';

/** What a channel answered for one message. */
export type SendOutcome =
  | { kind: 'accepted'; providerMessageId?: string }
  /**
   * Worth retrying later with the same idempotency key (timeouts, 408, 429, 5xx, connection errors).
   * `throttled`: the channel asked to slow down (HTTP 429), rather than failing for a moment.
   */
  | { kind: 'transient'; reason: string; retryAfterMs?: number; throttled?: true }
  /** Retrying cannot help (other 4xx, invalid recipient): fail this execution only. */
  | { kind: 'permanent'; reason: string }
  /**
   * The request may have reached the provider, and nothing says what became of it: a timeout after the request
   * left, a connection cut before the answer. Only a channel that de-duplicates may make it again (with the same
   * key); for any other, sending again could deliver twice, so the contact fails as `outcome_unknown`. A failure
   * that proves nothing left (the connection was refused, the name did not resolve) is `transient` instead.
   */
  | { kind: 'unknown'; reason: string }
  /**
   * The channel itself is broken, not this contact's message: expired credentials, missing permissions, a locked
   * account, a template every contact would fail on alike. The provider refused the request, so nothing was sent:
   * the contact stays as it was (no attempt counted) and the broadcast pauses until a person fixes the channel.
   */
  | { kind: 'channel'; reason: string }
  /**
   * The provider refused because the recipient opted out with it (an SMS reply STOP, kept on the provider's opt-out
   * list): nothing was sent and nothing will be. The contact is skipped as `opted_out` and that address of theirs
   * (`suppression`: the kind of address the channel sends to) is suppressed for later broadcasts. The contact's own consent flag is
   * left alone: they opted out of this address with the provider, not of every channel.
   */
  | { kind: 'opted_out'; suppression: SuppressionKind; reason: string };

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
  | { next: 'retry'; error: string; retryAfterMs: number; throttled: boolean }
  /** The recipient opted out with the provider: skip the contact as `opted_out` and suppress `suppress` of theirs. */
  | { next: 'skipped'; reason: 'opted_out'; error: string; suppress: SuppressionKind }
  /**
   * The channel is broken (see SendOutcome `channel`): leave the contact as it was, send nothing more, pause the
   * broadcast with `reason` (channelFaultStatusReason).
   */
  | { next: 'halt'; reason: string };

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
  let outcome: SendOutcome =
    'thrown' in result
      ? // A throw says nothing about whether the message left.
        {
          kind: 'unknown',
          reason: safeReason(`channel error: ${(result.thrown as Error)?.message ?? String(result.thrown)}`),
        }
      : result.outcome;
  if (outcome.kind === 'unknown') {
    // Only a channel that de-duplicates may try again: for it, a repeat is harmless.
    if (!mayRepeat) return { next: 'failed', reason: 'outcome_unknown', error: outcome.reason };
    outcome = { kind: 'transient', reason: outcome.reason };
  }
  switch (outcome.kind) {
    case 'accepted':
      return outcome.providerMessageId
        ? { next: 'sent', providerMessageId: outcome.providerMessageId }
        : { next: 'sent' };
    case 'permanent':
      return { next: 'failed', reason: 'rejected', error: outcome.reason };
    case 'channel':
      return { next: 'halt', reason: outcome.reason };
    case 'opted_out':
      return { next: 'skipped', reason: 'opted_out', error: outcome.reason, suppress: outcome.suppression };
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

/** Bounds what a paused broadcast's `status_reason` quotes of the channel's answer. */
const MAX_FAULT_REASON_CHARS = 300;

/**
 * The `status_reason` of a broadcast paused because its channel is broken: `channel_error: <the channel's reason>`
 * (for WhatsApp `channel_error: whatsapp 190: Error validating access token...`), so the operator sees the code.
 */
export function channelFaultStatusReason(reason: string): string {
  const text = `channel_error: ${reason.replace(/[\p{Cc}\s]+/gu, ' ').trim()}`;
  return text.length <= MAX_FAULT_REASON_CHARS ? text : `${text.slice(0, MAX_FAULT_REASON_CHARS - 1)}…`;
}
