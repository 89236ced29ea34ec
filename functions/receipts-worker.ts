import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { receiptsMessageSchema } from '../lib/adapters/sqs/message-schemas.js';
import { sqsWholeBatchHandler } from '../lib/adapters/sqs/sqs-batch-handler.js';
import { getRuntime } from '../lib/composition-root.js';
import { observedHandler } from '../lib/observability/observed-handler.js';
import { publishReceiptMetrics } from '../lib/observability/receipt-metrics.js';
import { applyReceipts } from '../lib/use-cases/apply-receipts.js';

/**
 * Receipts queue consumer: applies the delivery receipts the providers' webhooks queued, a whole batch at once (one
 * counter update per broadcast per batch; see lib/use-cases/apply-receipts.ts). Messages whose execution is still
 * being sent stay on the queue and come back after its visibility timeout.
 */
export const handler = observedHandler<SQSEvent, SQSBatchResponse>().handler(
  sqsWholeBatchHandler(receiptsMessageSchema, async (messages) => {
    const { retry, report } = await applyReceipts(getRuntime().deps, messages);
    publishReceiptMetrics(report);
    return retry;
  }),
);
