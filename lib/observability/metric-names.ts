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
