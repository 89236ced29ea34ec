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

/**
 * The provider events' metrics (lib/observability/provider-event-metrics.ts): per batch of the events queue (SES and
 * SMS events routed by the stage's rules). Their delivery statuses also count in RECEIPT_METRICS. ProviderEventsUnknown
 * growing means events without the service's tags reach the rules (another sender in the account, a forged tag).
 */
export const PROVIDER_EVENT_METRICS = {
  received: 'ProviderEventsReceived',
  ignored: 'ProviderEventsIgnored',
  unknown: 'ProviderEventsUnknown',
  suppressed: 'AddressesSuppressed',
  optedOut: 'ComplaintOptOuts',
} as const;
