import { z } from 'zod';
import type { PipelineMessage, SendChunkMessage } from '../../ports/message-queue.js';

/** The queue messages as they arrive: validated at the edge, like HTTP bodies. */
const ids = { tenantId: z.string().min(1).max(64), broadcastId: z.uuid() };

export const pipelineMessageSchema: z.ZodType<PipelineMessage> = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start'), ...ids, scheduledFor: z.iso.datetime({ offset: true }) }),
  z.strictObject({ type: z.literal('plan'), ...ids }),
  z.strictObject({ type: z.literal('pace'), ...ids, tick: z.int().min(0) }),
]);

export const sendChunkMessageSchema: z.ZodType<SendChunkMessage> = z.strictObject({
  ...ids,
  chunk: z.int().min(0),
  slotAt: z.number().optional(),
  finalize: z.boolean().optional(),
});
