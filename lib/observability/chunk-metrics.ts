import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SENDER_METRICS } from './metric-names.js';
import { metricsDocument } from './metrics.js';

/** What one delivery of a chunk did, as the sender reports it. */
export interface ChunkCounts {
  result: string;
  sent: number;
  failed: number;
  skipped: number;
  throttled: number;
}

export interface ChunkIds {
  tenantId: string;
  broadcastId: string;
  chunk: number;
}

/**
 * One EMF document per chunk handled: its counts and how long it took, with whose chunk it was as properties, not
 * dimensions (a dimension per broadcast would make metrics nobody can alarm on, each one billed). Its own document,
 * because the records of a batch are handled side by side and each carries its own ids.
 */
export function publishChunkMetrics(counts: ChunkCounts, latencyMs: number, ids: ChunkIds): void {
  const document = metricsDocument();
  document.addMetadata('tenantId', ids.tenantId);
  document.addMetadata('broadcastId', ids.broadcastId);
  document.addMetadata('chunk', String(ids.chunk));
  document.addMetadata('result', counts.result);
  document.addMetric(SENDER_METRICS.messagesSent, MetricUnit.Count, counts.sent);
  document.addMetric(SENDER_METRICS.messagesFailed, MetricUnit.Count, counts.failed);
  document.addMetric(SENDER_METRICS.messagesSkipped, MetricUnit.Count, counts.skipped);
  document.addMetric(SENDER_METRICS.throttles, MetricUnit.Count, counts.throttled);
  document.addMetric(SENDER_METRICS.chunkLatency, MetricUnit.Milliseconds, latencyMs);
  document.publishStoredMetrics();
}
