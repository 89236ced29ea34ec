import { logger } from '../observability/logger.js';
import { paceBroadcast } from './pace-broadcast.js';
import { type PlanStep, planAudiencePage } from './plan-audience.js';

export type SetRunGoingDeps = Parameters<typeof planAudiencePage>[0] & Parameters<typeof paceBroadcast>[0];

/**
 * A run's first steps, taken in the invocation that started it: plan the audience's first chunk and let
 * the pacer's first tick release it, so the first message is one queue hop (the sender's) from execute instead of
 * three. Then every segment's planner is queued, to plan side by side, and the pacer's next ticks go through the
 * queue. Both first steps are the planner's and the pacer's own, safe to repeat, so when one fails here the message
 * that would have started it goes on the queue instead: a start never depends on this invocation finishing them.
 */
export async function setRunGoing(
  deps: SetRunGoingDeps,
  tenantId: string,
  broadcastId: string,
  tick: number,
  segments: number,
): Promise<void> {
  const planAll = () => queuePlanners(deps, tenantId, broadcastId, segments, new Set());
  if (!deps.delivery.firstChunkAtStart) {
    await planAll();
    await deps.queue.sendPipeline({ type: 'pace', tenantId, broadcastId, tick });
    return;
  }
  const finished = await planFirstChunk(deps, tenantId, broadcastId, segments);
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
  // After the first tick: it is what the first message waits for. Were these lost, the pacer's planner watch
  // (PLANNER_STALL_MS) queues them again.
  await queuePlanners(deps, tenantId, broadcastId, segments, finished);
}

/**
 * Plans one chunk's worth of the first segment that has anyone in it (a small audience may leave some segments
 * empty): the segments it went through, which have nothing more to plan.
 */
async function planFirstChunk(
  deps: SetRunGoingDeps,
  tenantId: string,
  broadcastId: string,
  segments: number,
): Promise<Set<number>> {
  const finished = new Set<number>();
  try {
    for (let segment = 0; segment < segments; segment++) {
      const step: PlanStep = await planAudiencePage(deps, tenantId, broadcastId, segment, { oneChunk: true });
      if (step !== 'more') finished.add(segment);
      if (step === 'stopped') break;
      const run = await deps.runs.get(tenantId, broadcastId);
      if (!run || run.plannedChunks > 0) break;
    }
  } catch (error) {
    logger.warn('could not plan the first chunk at start; the planner goes on from the queue', {
      broadcastId,
      error: error as Error,
    });
  }
  return finished;
}

async function queuePlanners(
  deps: SetRunGoingDeps,
  tenantId: string,
  broadcastId: string,
  segments: number,
  finished: ReadonlySet<number>,
): Promise<void> {
  const queued: Promise<void>[] = [];
  for (let segment = 0; segment < segments; segment++) {
    if (!finished.has(segment)) queued.push(deps.queue.sendPipeline({ type: 'plan', tenantId, broadcastId, segment }));
  }
  await Promise.all(queued);
}
