import { z } from 'zod';
import { type ProviderEvent, shortError } from '../../domain/provider-event.js';
import { PROVIDER_TAGS, parseProviderReference } from '../../domain/provider-tags.js';
import type { EventBridgeEnvelope } from './envelope.js';

/**
 * The SES event types the stage's configuration set publishes to EventBridge (its event destination), with the
 * `detail-type` EventBridge gives each; the rule routes exactly these. Open and Click are not among them: the service
 * does not count opens or clicks (docs/provider-events.md). Send and DeliveryDelay would only cost events.
 */
export const SES_APPLIED_EVENTS = {
  DELIVERY: 'Email Delivered',
  BOUNCE: 'Email Bounced',
  COMPLAINT: 'Email Complaint Received',
  REJECT: 'Email Rejected',
} as const;

const recipient = z.object({ emailAddress: z.string().min(1).max(320) }).loose();
const bouncedRecipient = recipient.extend({
  status: z.string().max(64).optional(),
  diagnosticCode: z.string().max(2048).optional(),
});

/**
 * The event record SES puts in `detail` (the same record it publishes to SNS or Firehose): `eventType`, `mail` with
 * the message id and its tags (each tag's values as an array), and one object named after the event type.
 */
const sesDetail = z
  .object({
    eventType: z.string().min(1).max(64),
    mail: z
      .object({
        messageId: z.string().min(1).max(256),
        timestamp: z.string().optional(),
        destination: z.array(z.string()).max(100).optional(),
        tags: z.record(z.string(), z.array(z.string())).optional(),
      })
      .loose(),
    delivery: z
      .object({ timestamp: z.iso.datetime({ offset: true }).optional() })
      .loose()
      .optional(),
    bounce: z
      .object({
        bounceType: z.string().max(64),
        bounceSubType: z.string().max(64).optional(),
        bouncedRecipients: z.array(bouncedRecipient).max(100).optional(),
        timestamp: z.iso.datetime({ offset: true }).optional(),
      })
      .loose()
      .optional(),
    complaint: z
      .object({
        complainedRecipients: z.array(recipient).max(100).optional(),
        complaintFeedbackType: z.string().max(64).optional(),
        timestamp: z.iso.datetime({ offset: true }).optional(),
      })
      .loose()
      .optional(),
    reject: z
      .object({ reason: z.string().max(512).optional() })
      .loose()
      .optional(),
  })
  .loose();

/**
 * Reads one SES event (source `aws.ses`) as the service acts on it:
 * - `Delivery`: the execution is delivered.
 * - `Bounce` with `bounceType` `Permanent`: delivery failed, and the bounced address suppressed (`bounce`).
 *   `Transient` and `Undetermined` bounces change nothing: the mailbox exists, or nobody knows.
 * - `Complaint`: the contact opted out and the address suppressed (`complaint`); an ARF `not-spam` report is none.
 * - `Reject` (SES found a virus and did not send it): delivery failed.
 * - anything else: ignored. Without the service's tags (not one of its messages, or a forged one): unknown.
 */
export function readSesEvent(event: EventBridgeEnvelope): ProviderEvent {
  const parsed = sesDetail.safeParse(event.detail);
  if (!parsed.success) return { outcome: 'unknown', why: 'ses event without a readable detail' };
  const detail = parsed.data;
  const tag = (name: string) => detail.mail.tags?.[name]?.[0];
  const tenantId = tag(PROVIDER_TAGS.tenant);
  const reference = parseProviderReference(tag(PROVIDER_TAGS.reference));
  if (tenantId === undefined || reference === undefined) {
    return { outcome: 'unknown', why: `ses ${detail.eventType} without the service's tags` };
  }
  const target = { outcome: 'apply' as const, tenantId, reference, messageId: detail.mail.messageId };
  const fallbackTime = event.time ?? detail.mail.timestamp ?? new Date(0).toISOString();
  switch (detail.eventType) {
    case 'Delivery':
      return { ...target, at: isoOf(detail.delivery?.timestamp ?? fallbackTime), receipt: { status: 'delivered' } };
    case 'Bounce': {
      const bounce = detail.bounce;
      if (bounce?.bounceType !== 'Permanent') {
        return { outcome: 'ignored', why: `ses ${bounce?.bounceType ?? 'unknown'} bounce is no suppression` };
      }
      const [first] = bounce.bouncedRecipients ?? [];
      const address = first?.emailAddress ?? detail.mail.destination?.[0];
      const error = [
        'bounce',
        `${bounce.bounceType}/${bounce.bounceSubType ?? 'General'}`,
        first?.status,
        first?.diagnosticCode,
      ]
        .filter((part) => part !== undefined && part !== '')
        .join(' ');
      return {
        ...target,
        at: isoOf(bounce.timestamp ?? fallbackTime),
        receipt: { status: 'failed', error: shortError(error) },
        suppress: { kind: 'email', reason: 'bounce', ...(address === undefined ? {} : { address }) },
      };
    }
    case 'Complaint': {
      const complaint = detail.complaint;
      if (complaint?.complaintFeedbackType === 'not-spam') {
        return { outcome: 'ignored', why: 'ses complaint with feedback type not-spam' };
      }
      const address = complaint?.complainedRecipients?.[0]?.emailAddress ?? detail.mail.destination?.[0];
      return {
        ...target,
        at: isoOf(complaint?.timestamp ?? fallbackTime),
        optOut: true,
        suppress: { kind: 'email', reason: 'complaint', ...(address === undefined ? {} : { address }) },
      };
    }
    case 'Reject':
      return {
        ...target,
        at: isoOf(fallbackTime),
        receipt: { status: 'failed', error: shortError(`reject ${detail.reject?.reason ?? ''}`) },
      };
    default:
      return { outcome: 'ignored', why: `ses ${detail.eventType} is not applied` };
  }
}

/** A provider time as the service stores times: ISO 8601 in UTC. */
function isoOf(time: string): string {
  const parsed = Date.parse(time);
  return Number.isNaN(parsed) ? new Date(0).toISOString() : new Date(parsed).toISOString();
}
