import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sendChunkMessageSchema } from '../lib/adapters/sqs/message-schemas.js';
import { sqsBatchHandler } from '../lib/adapters/sqs/sqs-batch-handler.js';
import { getRuntime } from '../lib/composition-root.js';
import { publishChunkMetrics } from '../lib/observability/chunk-metrics.js';
import { observedHandler } from '../lib/observability/observed-handler.js';
import { sendChunk } from '../lib/use-cases/send-chunk.js';

/**
 * Send queue consumer: one chunk of executions per record (see lib/use-cases/send-chunk.ts). Each chunk handled
 * writes its counts and latency as metrics (lib/observability/chunk-metrics.ts).
 */
export const handler = observedHandler<SQSEvent, SQSBatchResponse>().handler(
  sqsBatchHandler(sendChunkMessageSchema, async (message) => {
    const startedAt = performance.now();
    const report = await sendChunk(getRuntime().deps, message);
    publishChunkMetrics(report, performance.now() - startedAt, message);
  }),
);
