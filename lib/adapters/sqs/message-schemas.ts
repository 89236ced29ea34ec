import { z } from 'zod';
import { DELIVERY_STATUSES } from '../../domain/delivery-status.js';
import type { PipelineMessage, SendChunkMessage } from '../../ports/message-queue.js';
import { MAX_RECEIPTS_PER_MESSAGE, type ReceiptsMessage } from '../../ports/receipts.js';

/** The queue messages as they arrive: validated at the edge, like HTTP bodies. */
const ids = { tenantId: z.string().min(1).max(64), broadcastId: z.uuid() };

export const pipelineMessageSchema: z.ZodType<PipelineMessage> = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start'), ...ids, scheduledFor: z.iso.datetime({ offset: true }) }),
  z.strictObject({ type: z.literal('plan'), ...ids, segment: z.int().min(0).max(255) }),
  z.strictObject({ type: z.literal('pace'), ...ids, tick: z.int().min(0) }),
]);

export const sendChunkMessageSchema: z.ZodType<SendChunkMessage> = z.strictObject({
  ...ids,
  chunk: z.int().min(0),
  slotAt: z.number().optional(),
  finalize: z.boolean().optional(),
});

/** What the webhook queued; bounds as the provider's schema had them (lib/adapters/channels/whatsapp/status-webhook.ts). */
export const receiptsMessageSchema: z.ZodType<ReceiptsMessage> = z.strictObject({
  tenantId: ids.tenantId,
  channelId: z.uuid(),
  receipts: z
    .array(
      z.strictObject({
        messageId: z.string().min(1).max(256),
        status: z.enum(DELIVERY_STATUSES),
        timestamp: z.iso.datetime(),
        reference: z.string().max(512).optional(),
        error: z.string().max(512).optional(),
      }),
    )
    .max(MAX_RECEIPTS_PER_MESSAGE),
});
