import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sendChunkMessageSchema } from '../lib/adapters/sqs/message-schemas.js';
import { sqsBatchHandler } from '../lib/adapters/sqs/sqs-batch-handler.js';
import { getRuntime } from '../lib/composition-root.js';
import { type ChunkCounts, publishChunkMetrics } from '../lib/observability/chunk-metrics.js';
import { observedHandler } from '../lib/observability/observed-handler.js';
import { type ChunkResult, sendChunk } from '../lib/use-cases/send-chunk.js';

/**
 * Send queue consumer: one chunk of executions per record (see lib/use-cases/send-chunk.ts). Each chunk handled
 * writes its counts and latency as metrics (lib/observability/chunk-metrics.ts).
 */
export const handler = observedHandler<SQSEvent, SQSBatchResponse>().handler(
  sqsBatchHandler(sendChunkMessageSchema, async (message) => {
    const startedAt = performance.now();
    const report = asChunkReport(await sendChunk(getRuntime().deps, message));
    publishChunkMetrics(report, performance.now() - startedAt, message);
  }),
);

/**
 * Transitional, until sendChunk returns its ChunkReport (`{ result, sent, failed, skipped, retried, throttled }`, the
 * counts recorded by this delivery): a bare result counts nothing. Remove once sendChunk's answer is the report.
 */
function asChunkReport(outcome: ChunkResult | ChunkCounts): ChunkCounts {
  return typeof outcome === 'string' ? { result: outcome, sent: 0, failed: 0, skipped: 0, throttled: 0 } : outcome;
}
