import { createHash } from 'node:crypto';
import type { Broadcast } from './broadcast.js';
import type { Contact } from './contact.js';
import { composeOutboundMessage, type OutboundMessage } from './outbound-message.js';
import type { SendResult } from './send-outcome.js';
import type { RenderedMessage } from './template-rendering.js';

/**
 * One real message sent to one contact to try a broadcast out (POST /broadcasts/{id}/test-send). It is no
 * execution: it is kept apart from the broadcast's executions and counters, in the broadcast's test-send history.
 */
export interface TestSend {
  id: string;
  tenantId: string;
  broadcastId: string;
  contactId: string;
  channelId: string;
  /** `sending` from its admission until the channel's answer is recorded (see settledView for one never recorded). */
  status: TestSendStatus;
  /** What was sent, as rendered for the contact (long texts cut, see recordedMessage). */
  message: RecordedMessage;
  /** The provider's id for the accepted message. */
  messageId?: string;
  /** Why it failed: the channel's answer. */
  error?: string;
  /** How it failed: the channel's kind of failure (`transient`, `permanent`, `opted_out`...), or `outcome_unknown`. */
  failure?: string;
  /** On an sms channel: the message parts the text took (what AWS charges and the channel's cap counts). */
  smsParts?: number;
  createdAt: string;
  updatedAt: string;
}

export const TEST_SEND_STATUSES = ['sending', 'sent', 'failed'] as const;
export type TestSendStatus = (typeof TEST_SEND_STATUSES)[number];

export type RecordedMessage = OutboundMessage['message'] & { truncated?: true };

/** How long the history keeps a test send (the table's TTL deletes it afterwards). */
export const TEST_SEND_RETENTION_DAYS = 30;

/**
 * A test send still `sending` this long after its admission was never recorded: its process died between sending
 * and recording (well past the API function's timeout). Shown as failed, `outcome_unknown`, as an execution would be.
 */
export const TEST_SEND_STALE_MS = 120_000;

/**
 * Per test send, never per (broadcast, contact) as a broadcast's own key is: a receiver that de-duplicates by key
 * would otherwise take the broadcast's real message to that contact for a repeat of the test and drop it.
 */
export function testSendIdempotencyKey(tenantId: string, broadcastId: string, testSendId: string): string {
  return `ts_${createHash('sha256').update(`test-send|${tenantId}|${broadcastId}|${testSendId}`).digest('hex').slice(0, 40)}`;
}

/**
 * The reference a provider echoes back with the test message's receipts (WhatsApp's biz_opaque_callback_data). It
 * is deliberately not an execution reference (`x1.`, see execution-reference.ts): receipts for a test message must
 * never move an execution or the broadcast's counters, so the receipts consumer reads it as unknown and drops it.
 */
export function testSendReference(testSendId: string, broadcastId: string): string {
  return `t1.${testSendId}.${broadcastId}`;
}

/**
 * The message a test send delivers: exactly what the broadcast would send the contact (the same composition, the
 * same rendering), under the test send's own idempotency key and reference; `executionId` names the test send.
 */
export function composeTestMessage(
  broadcast: Pick<Broadcast, 'tenantId' | 'id' | 'messageTemplate'>,
  testSendId: string,
  contact: Pick<Contact, 'id' | 'name' | 'email' | 'phone'>,
  rendered: RenderedMessage,
  unsubscribeLink?: string,
): OutboundMessage {
  return {
    ...composeOutboundMessage(broadcast, { id: testSendId }, contact, rendered, unsubscribeLink),
    idempotencyKey: testSendIdempotencyKey(broadcast.tenantId, broadcast.id, testSendId),
    executionReference: testSendReference(testSendId, broadcast.id),
  };
}

/** Longest content and variable value kept in the history: a rendered loop must not outgrow a table item (400 KB). */
export const MAX_RECORDED_CONTENT = 8_000;
export const MAX_RECORDED_VARIABLE = 500;
/** A rendered subject is at most 900 characters (template-rendering.ts); kept whole. */
export const MAX_RECORDED_SUBJECT = 1_000;

/** The message as the history keeps it: every text within its bound, `truncated` when one was cut. */
export function recordedMessage(message: OutboundMessage['message']): RecordedMessage {
  let truncated = false;
  const cut = (text: string, max: number) => {
    if (text.length <= max) return text;
    truncated = true;
    // Never end on half a surrogate pair.
    const kept = text.slice(0, max);
    return /[\uD800-\uDBFF]$/.test(kept) ? kept.slice(0, -1) : kept;
  };
  const recorded: RecordedMessage = {
    ...message,
    ...(message.content !== undefined ? { content: cut(message.content, MAX_RECORDED_CONTENT) } : {}),
    ...(message.subject !== undefined ? { subject: cut(message.subject, MAX_RECORDED_SUBJECT) } : {}),
    ...(message.html !== undefined ? { html: cut(message.html, MAX_RECORDED_CONTENT) } : {}),
    ...(message.variables
      ? {
          variables: Object.fromEntries(
            Object.entries(message.variables).map(([name, value]) => [name, cut(value, MAX_RECORDED_VARIABLE)]),
          ),
        }
      : {}),
  };
  return truncated ? { ...recorded, truncated: true } : recorded;
}

export type TestSendOutcome = Pick<TestSend, 'status' | 'messageId' | 'error' | 'failure'>;

/**
 * What the channel's answer means for a test send. No retry: a test send is one attempt, and its failure is shown
 * to the person trying (who may try again, within the limit). A throw says nothing of whether the message left.
 */
export function testSendOutcomeOf(result: SendResult): TestSendOutcome {
  if ('thrown' in result) {
    const message = result.thrown instanceof Error ? result.thrown.message : String(result.thrown);
    return { status: 'failed', failure: 'outcome_unknown', error: `channel error: ${message}`.slice(0, 300) };
  }
  const outcome = result.outcome;
  if (outcome.kind === 'accepted') {
    return outcome.providerMessageId ? { status: 'sent', messageId: outcome.providerMessageId } : { status: 'sent' };
  }
  // Any failure kind a channel answers (transient, permanent, or one added later) is shown as it came.
  const reason = (outcome as { reason?: unknown }).reason;
  const error = typeof reason === 'string' ? reason : outcome.kind;
  return { status: 'failed', failure: outcome.kind, error: error.slice(0, 1000) };
}

/** The test send as it is shown at `nowMs`: one `sending` long past any answer is failed as `outcome_unknown`. */
export function settledView(testSend: TestSend, nowMs: number): TestSend {
  if (testSend.status !== 'sending' || nowMs - Date.parse(testSend.createdAt) < TEST_SEND_STALE_MS) return testSend;
  return {
    ...testSend,
    status: 'failed',
    failure: 'outcome_unknown',
    error: 'the channel was called but its answer was never recorded: the message may or may not have been sent',
  };
}
