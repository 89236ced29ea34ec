import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { pipelineMessageSchema } from '../lib/adapters/sqs/message-schemas.js';
import { sqsBatchHandler } from '../lib/adapters/sqs/sqs-batch-handler.js';
import { getRuntime } from '../lib/composition-root.js';
import { logger } from '../lib/observability/logger.js';
import { observedHandler } from '../lib/observability/observed-handler.js';
import { paceBroadcast } from '../lib/use-cases/pace-broadcast.js';
import { PLAN_INVOCATION_BUDGET_MS, planAudience } from '../lib/use-cases/plan-audience.js';
import { startScheduledBroadcast } from '../lib/use-cases/start-scheduled.js';

/**
 * Pipeline queue consumer: scheduled starts (lib/use-cases/start-scheduled.ts), the planner's and the pacer's
 * steps (lib/use-cases/plan-audience.ts, pace-broadcast.ts).
 */
export const handler = observedHandler<SQSEvent, SQSBatchResponse>().handler(
  sqsBatchHandler(pipelineMessageSchema, async (message, _record, context) => {
    const { deps } = getRuntime();
    if (message.type === 'start') {
      const outcome = await startScheduledBroadcast(deps, message);
      logger.info('scheduled start', { ...message, outcome });
      return;
    }
    if (message.type === 'pace') return paceBroadcast(deps, message.tenantId, message.broadcastId, message.tick);
    // At most a third of the time this invocation has left, so the page that starts last ends well within it.
    const budgetMs = Math.min(PLAN_INVOCATION_BUDGET_MS, context.getRemainingTimeInMillis() / 3);
    const step = await planAudience(deps, message.tenantId, message.broadcastId, message.segment, budgetMs);
    if (step === 'more') await deps.queue.sendPipeline(message);
  }),
);
