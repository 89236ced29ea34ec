import { z } from 'zod';
import { type ProviderEvent, shortError } from '../../domain/provider-event.js';
import { PROVIDER_TAGS, parseProviderReference } from '../../domain/provider-tags.js';
import type { EventBridgeEnvelope } from './envelope.js';

/** The `detail-type` End User Messaging SMS gives its SMS status events on the default bus (source `aws.sms-voice`). */
export const SMS_DETAIL_TYPE = 'Text Message Delivery Status Updated';

/** The message reached the phone, or the recipient's carrier took it (countries differ in which one they report). */
export const SMS_DELIVERED_EVENTS = ['TEXT_DELIVERED', 'TEXT_SUCCESSFUL'] as const;

/**
 * The message will not arrive: the list, plus the two other final failures the service documents
 * (`TEXT_INVALID_MESSAGE`: the body was refused; `TEXT_PROTECT_BLOCKED`: the account's protect configuration blocked
 * it). `TEXT_UNKNOWN` (no final word from the carrier after 72 hours) is not counted as a failure: it may have arrived.
 */
export const SMS_FAILED_EVENTS = [
  'TEXT_BLOCKED',
  'TEXT_CARRIER_UNREACHABLE',
  'TEXT_INVALID',
  'TEXT_INVALID_MESSAGE',
  'TEXT_SPAM',
  'TEXT_TTL_EXPIRED',
  'TEXT_CARRIER_BLOCKED',
  'TEXT_UNREACHABLE',
  'TEXT_PROTECT_BLOCKED',
] as const;

/** Every event type the stage's SMS rule routes to the events queue. */
export const SMS_APPLIED_EVENTS: readonly string[] = [...SMS_DELIVERED_EVENTS, ...SMS_FAILED_EVENTS];

const smsDetail = z
  .object({
    eventType: z.string().min(1).max(64),
    messageId: z.string().min(1).max(256),
    /** False for an intermediate status; a failure that is not final is not applied. */
    isFinal: z.boolean().optional(),
    /** Unix time in milliseconds. */
    eventTimestamp: z.number().int().nonnegative().optional(),
    messageStatusDescription: z.string().max(1024).optional(),
    /** What the send put in `Context`, echoed. */
    context: z.record(z.string(), z.string()).optional(),
  })
  .loose();

/**
 * Reads one SMS status event (source `aws.sms-voice`, detail-type SMS_DETAIL_TYPE) as the service acts on it:
 * delivered, failed with the event type, or ignored (queued, pending, not final). Without the service's context
 * (not one of its messages, or forged): unknown. Carrier opt-outs are not events: the send itself is refused with
 * `DESTINATION_PHONE_NUMBER_OPTED_OUT`, and the SMS channel suppresses the number there.
 */
export function readSmsEvent(event: EventBridgeEnvelope): ProviderEvent {
  if (event['detail-type'] !== SMS_DETAIL_TYPE) {
    return { outcome: 'ignored', why: `sms-voice ${event['detail-type']} is not applied` };
  }
  const parsed = smsDetail.safeParse(event.detail);
  if (!parsed.success) return { outcome: 'unknown', why: 'sms event without a readable detail' };
  const detail = parsed.data;
  const tenantId = detail.context?.[PROVIDER_TAGS.tenant];
  const reference = parseProviderReference(detail.context?.[PROVIDER_TAGS.reference]);
  if (tenantId === undefined || reference === undefined) {
    return { outcome: 'unknown', why: `sms ${detail.eventType} without the service's context` };
  }
  const at = new Date(detail.eventTimestamp ?? timeOf(event.time)).toISOString();
  const target = { outcome: 'apply' as const, tenantId, reference, messageId: detail.messageId, at };
  if ((SMS_DELIVERED_EVENTS as readonly string[]).includes(detail.eventType)) {
    return { ...target, receipt: { status: 'delivered' } };
  }
  if ((SMS_FAILED_EVENTS as readonly string[]).includes(detail.eventType)) {
    if (detail.isFinal === false) return { outcome: 'ignored', why: `sms ${detail.eventType} is not final` };
    const description = detail.messageStatusDescription ? `: ${detail.messageStatusDescription}` : '';
    return { ...target, receipt: { status: 'failed', error: shortError(`${detail.eventType}${description}`) } };
  }
  return { outcome: 'ignored', why: `sms ${detail.eventType} is not applied` };
}

/** The envelope's time in milliseconds, 0 when it has none (only a hand-made event lacks both times). */
function timeOf(time: string | undefined): number {
  const parsed = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isNaN(parsed) ? 0 : parsed;
}
