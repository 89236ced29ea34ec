import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { eventBridgeEnvelope } from '../lib/adapters/provider-events/envelope.js';
import { readProviderEvent } from '../lib/adapters/provider-events/read-provider-event.js';
import { sqsWholeBatchHandler } from '../lib/adapters/sqs/sqs-batch-handler.js';
import { getRuntime } from '../lib/composition-root.js';
import { observedHandler } from '../lib/observability/observed-handler.js';
import { publishProviderEventMetrics } from '../lib/observability/provider-event-metrics.js';
import { applyProviderEvents } from '../lib/use-cases/apply-provider-events.js';

/**
 * Events queue consumer: the SES and SMS delivery events the stage's EventBridge rules route to the queue (each
 * message body is one EventBridge event), applied a whole batch at once (lib/use-cases/apply-provider-events.ts):
 * delivery statuses through the receipts machinery, permanent bounces as suppressions, complaints as opt-outs. Events
 * whose execution is still being sent stay on the queue and come back after its visibility timeout.
 */
export const handler = observedHandler<SQSEvent, SQSBatchResponse>().handler(
  sqsWholeBatchHandler(eventBridgeEnvelope, async (events) => {
    const { deps, config } = getRuntime();
    const { retry, report } = await applyProviderEvents(deps, events.map(readProviderEvent), config.TENANT_ID);
    publishProviderEventMetrics(report);
    return retry;
  }),
);
