import { randomUUID } from 'node:crypto';
import { type ExecutionReference, formatExecutionReference } from '../../lib/domain/execution-reference.js';
import { tagSafeReference } from '../../lib/domain/provider-tags.js';
import { eventFixture, type ProviderEventFixture } from './lambda-events.js';

/** What a provider event names: the tenant and execution (its tags or context) and the provider's message id. */
export interface EventTarget {
  tenantId: string;
  reference: ExecutionReference;
  messageId: string;
  /** The recipient the provider reports (bounced, complained, destination); the fixture's when absent. */
  address?: string;
}

export type SesEventKind = 'delivery' | 'bounce' | 'complaint';

/**
 * An SES event as the stage's rule delivers it (test/fixtures/events/eventbridge-ses-*.json), about `target`: the
 * message id, the recipient and the service's two tags (the reference in its tag-safe spelling, as SES allows).
 */
export function sesEvent(
  kind: SesEventKind,
  target: EventTarget,
  change: (detail: ProviderEventFixture['detail']) => void = () => undefined,
): ProviderEventFixture {
  const event = eventFixture(`eventbridge-ses-${kind}`);
  event.id = randomUUID();
  const { detail } = event;
  detail.mail.messageId = target.messageId;
  detail.mail.tags.bc_tenant = [target.tenantId];
  detail.mail.tags.bc_ref = [tagSafeReference(target.reference)];
  if (target.address !== undefined) {
    detail.mail.destination = [target.address];
    if (kind === 'bounce') detail.bounce.bouncedRecipients[0].emailAddress = target.address;
    if (kind === 'complaint') detail.complaint.complainedRecipients[0].emailAddress = target.address;
    if (kind === 'delivery') detail.delivery.recipients = [target.address];
  }
  change(detail);
  return event;
}

/** An SMS status event of `eventType` (TEXT_DELIVERED, TEXT_BLOCKED, ...) about `target`, its context as sent. */
export function smsEvent(
  eventType: string,
  target: EventTarget,
  change: (detail: ProviderEventFixture['detail']) => void = () => undefined,
): ProviderEventFixture {
  const event = eventFixture('eventbridge-sms-status');
  event.id = randomUUID();
  const { detail } = event;
  detail.eventType = eventType;
  detail.messageId = target.messageId;
  detail.context = { bc_tenant: target.tenantId, bc_ref: formatExecutionReference(target.reference) };
  if (target.address !== undefined) detail.destinationPhoneNumber = target.address;
  change(detail);
  return event;
}
