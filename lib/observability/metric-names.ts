/** The dimension, next to Powertools' own `service`, that keeps each tenant stage's metrics apart. */
export const STAGE_DIMENSION = 'stage';

/**
 * The sender's metrics (lib/observability/chunk-metrics.ts), by the names the dashboard and alarms read them with.
 * Counts are per chunk delivery; ChunkLatency is the time one chunk took to handle.
 */
export const SENDER_METRICS = {
  messagesSent: 'MessagesSent',
  messagesFailed: 'MessagesFailed',
  messagesSkipped: 'MessagesSkipped',
  throttles: 'Throttles',
  chunkLatency: 'ChunkLatency',
} as const;

/**
 * The receipts' metrics (lib/observability/receipt-metrics.ts): per batch of queued receipts, and per webhook call
 * refused for its signature. ReceiptsUnknown is worth an alarm when it grows: forged receipts, or a provider account
 * whose webhooks point at the wrong channel.
 */
export const RECEIPT_METRICS = {
  received: 'ReceiptsReceived',
  moved: 'DeliveryStatusChanges',
  unchanged: 'ReceiptsUnchanged',
  unknown: 'ReceiptsUnknown',
  early: 'ReceiptsEarly',
  webhooksRejected: 'ReceiptWebhooksRejected',
} as const;
