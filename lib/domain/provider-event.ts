import type { ExecutionReference } from './execution-reference.js';
import type { SuppressionKind, SuppressionReason } from './suppression.js';

/**
 * One delivery event of a provider (SES through EventBridge, End User Messaging SMS through EventBridge), as far as
 * the service acts on it: a delivery status for the execution it names, an address to suppress, consent withdrawn.
 * The adapters of lib/adapters/provider-events/ read the providers' JSON into this.
 */
export type ProviderEvent = ApplicableEvent | { outcome: 'ignored'; why: string } | { outcome: 'unknown'; why: string };

export interface ApplicableEvent {
  outcome: 'apply';
  /** From the message's tags (lib/domain/provider-tags.ts); the execution must exist in this tenant. */
  tenantId: string;
  reference: ExecutionReference;
  /** The provider's message id: the execution must hold it, or the event is not about this send. */
  messageId: string;
  /** When it happened, by the provider's clock (ISO 8601). */
  at: string;
  /** The delivery status it moves the execution to (forward only, lib/domain/delivery-status.ts). */
  receipt?: { status: 'delivered' | 'failed'; error?: string };
  /** The address the provider says not to use again (the contact's, when it still has that address). */
  suppress?: { kind: SuppressionKind; reason: SuppressionReason; address?: string };
  /** The person complained: opted out, as the unsubscribe link does it. */
  optOut?: boolean;
}

/** Errors kept with a failed delivery: enough to tell why, short enough for an item and a log line. */
export const MAX_EVENT_ERROR_LENGTH = 256;

export function shortError(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_EVENT_ERROR_LENGTH ? oneLine : `${oneLine.slice(0, MAX_EVENT_ERROR_LENGTH - 1)}…`;
}
