import { logger } from '../observability/logger.js';
import { paceBroadcast } from './pace-broadcast.js';
import { type PlanStep, planAudiencePage } from './plan-audience.js';

export type SetRunGoingDeps = Parameters<typeof planAudiencePage>[0] & Parameters<typeof paceBroadcast>[0];

/**
 * A run's first steps, taken in the invocation that started it: plan the audience's first chunk and let the pacer's
 * first tick release it, so the first message is one queue hop (the sender's) from execute instead of three. The rest
 * of the planning and the pacer's next ticks go through the queue. Both steps are the planner's and the pacer's own,
 * safe to repeat, so when one fails here the message that would have started it goes on the queue instead: a start
 * never depends on this invocation finishing them.
 */
export async function setRunGoing(
  deps: SetRunGoingDeps,
  tenantId: string,
  broadcastId: string,
  tick: number,
): Promise<void> {
  if (!deps.delivery.firstChunkAtStart) {
    await deps.queue.sendPipeline({ type: 'plan', tenantId, broadcastId });
    await deps.queue.sendPipeline({ type: 'pace', tenantId, broadcastId, tick });
    return;
  }
  let step: PlanStep = 'more';
  try {
    step = await planAudiencePage(deps, tenantId, broadcastId, { oneChunk: true });
  } catch (error) {
    logger.warn('could not plan the first chunk at start; the planner goes on from the queue', {
      broadcastId,
      error: error as Error,
    });
  }
  if (step === 'more') await deps.queue.sendPipeline({ type: 'plan', tenantId, broadcastId });
  try {
    await paceBroadcast(deps, tenantId, broadcastId, tick);
  } catch (error) {
    // Had the tick moved on before the failure, this message is ignored and the watchdog restarts the loop.
    logger.warn('could not take the first pacer tick at start; the pacer goes on from the queue', {
      broadcastId,
      error: error as Error,
    });
    await deps.queue.sendPipeline({ type: 'pace', tenantId, broadcastId, tick });
  }
}
