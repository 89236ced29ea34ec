import { z } from 'zod';

/**
 * An EventBridge event as a rule's SQS target delivers it (the queue message body is the event itself), or as
 * `POST /local/events` takes it. Only what routing needs is checked here; each source's `detail` is read by its own
 * parser, which drops what it cannot read as unknown instead of failing the batch.
 */
export const eventBridgeEnvelope = z.object({
  id: z.string().min(1).max(200).optional(),
  source: z.string().min(1).max(256),
  'detail-type': z.string().min(1).max(128),
  time: z.iso.datetime({ offset: true }).optional(),
  detail: z.record(z.string(), z.unknown()),
});

export type EventBridgeEnvelope = z.infer<typeof eventBridgeEnvelope>;

/** The sources whose events the provider-events rules route to the events queue. */
export const SES_SOURCE = 'aws.ses';
export const SMS_SOURCE = 'aws.sms-voice';
