import { z } from 'zod';
import { describeWhatsAppError } from './graph-error.js';

/**
 * Delivery receipts from the WhatsApp `messages` webhook (developers.facebook.com/documentation/
 * business-messaging/whatsapp/webhooks/reference/messages/status):
 *
 *   { object: "whatsapp_business_account", entry: [{ id: WABA_ID, changes: [{ field: "messages", value: {
 *     messaging_product: "whatsapp", metadata: { display_phone_number, phone_number_id },
 *     statuses: [{ id: wamid, status, timestamp, recipient_id, biz_opaque_callback_data?, conversation?,
 *                  pricing?, errors?: [{ code, title, message, error_data: { details } }] }] } }] }] }
 *
 * The same webhook carries inbound messages, other fields and other statuses; those are ignored. What is
 * kept is checked strictly, one status at a time, so a malformed status never hides its valid neighbours.
 * Receipts arrive duplicated and out of order, and `read` may come without `delivered` (Meta skips it when
 * a message is delivered and read at once): merging them monotonically is the consumer's job.
 */

export type ReceiptStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface StatusReceipt {
  /** The `wamid.` id the send answered with: the execution's `message_id`. */
  messageId: string;
  status: ReceiptStatus;
  /** When the status happened, ISO 8601 (Meta sends Unix seconds). */
  timestamp: string;
  recipientId: string;
  /** The business number the message was sent from. */
  phoneNumberId: string;
  /** `biz_opaque_callback_data` as the send set it. */
  reference?: string;
  /** Failed receipts: `whatsapp <code>: <title> (<details>)`, at most 200 characters. */
  error?: string;
}

export interface StatusWebhookReading {
  receipts: StatusReceipt[];
  /** Statuses this service does not track (e.g. `deleted`, `played`): well-formed, left aside. */
  ignored: number;
  /** Statuses that did not match the documented shape: dropped. */
  rejected: number;
}

/** The envelope: a WhatsApp Business Account notification with its changes, whatever their field. */
export const statusWebhookSchema = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.object({
      id: z.string(),
      changes: z.array(z.object({ field: z.string(), value: z.unknown() })),
    }),
  ),
});

/** The value of a `messages` change, as far as statuses are concerned. */
export const messagesChangeSchema = z.object({
  messaging_product: z.literal('whatsapp'),
  metadata: z.object({ phone_number_id: z.string().min(1).max(64) }),
  statuses: z.array(z.unknown()).optional(),
});

export const statusErrorSchema = z.object({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.object({ details: z.string().optional() }).optional(),
});

/** One status of one message; `status` is any string here, the receipt keeps the four it tracks. */
export const messageStatusSchema = z.object({
  id: z.string().min(1).max(256),
  status: z.string().min(1).max(64),
  // Unix seconds as a string; at most 12 digits keeps the date representable.
  timestamp: z.string().regex(/^\d{1,12}$/),
  recipient_id: z.string().min(1).max(64),
  biz_opaque_callback_data: z.string().max(512).optional(),
  errors: z.array(statusErrorSchema).optional(),
});

const TRACKED: ReadonlySet<string> = new Set<ReceiptStatus>(['sent', 'delivered', 'read', 'failed']);

/** The receipts of a (signature-verified, parsed) webhook payload; anything else in it is ignored. */
export function receiptsOf(payload: unknown): StatusReceipt[] {
  return readStatusWebhook(payload).receipts;
}

/** The receipts, with counts of what was left aside, for logging. */
export function readStatusWebhook(payload: unknown): StatusWebhookReading {
  const reading: StatusWebhookReading = { receipts: [], ignored: 0, rejected: 0 };
  const envelope = statusWebhookSchema.safeParse(payload);
  if (!envelope.success) return reading;
  for (const entry of envelope.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') continue;
      const value = messagesChangeSchema.safeParse(change.value);
      if (!value.success) continue;
      const phoneNumberId = value.data.metadata.phone_number_id;
      for (const candidate of value.data.statuses ?? []) {
        const parsed = messageStatusSchema.safeParse(candidate);
        if (!parsed.success) reading.rejected += 1;
        else if (!TRACKED.has(parsed.data.status)) reading.ignored += 1;
        else reading.receipts.push(receiptOf(parsed.data, phoneNumberId));
      }
    }
  }
  return reading;
}

function receiptOf(status: z.infer<typeof messageStatusSchema>, phoneNumberId: string): StatusReceipt {
  const receipt: StatusReceipt = {
    messageId: status.id,
    status: status.status as ReceiptStatus,
    timestamp: new Date(Number(status.timestamp) * 1000).toISOString(),
    recipientId: status.recipient_id,
    phoneNumberId,
  };
  if (status.biz_opaque_callback_data !== undefined) receipt.reference = status.biz_opaque_callback_data;
  if (status.status === 'failed') receipt.error = failureOf(status.errors);
  return receipt;
}

function failureOf(errors: z.infer<typeof statusErrorSchema>[] | undefined): string {
  const first = errors?.[0];
  if (!first) return 'whatsapp: failed without an error';
  return describeWhatsAppError(first.code, first.title ?? first.message ?? '', first.error_data?.details);
}
