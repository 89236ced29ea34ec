import { type Broadcast, transition } from '../domain/broadcast.js';
import { ConflictError, InvalidTransitionError, UnprocessableError } from '../domain/errors.js';
import { SCHEDULE_EXPIRED, START_FAILED, scheduledStartDecision } from '../domain/scheduling.js';
import type { StartMessage } from '../ports/message-queue.js';
import { nowIso, type UseCaseDeps } from './deps.js';
import { startAsRead } from './run-lifecycle.js';

export type StartScheduledDeps = Pick<
  UseCaseDeps,
  | 'broadcasts'
  | 'runs'
  | 'channels'
  | 'defaultChannel'
  | 'queue'
  | 'clock'
  | 'contactLists'
  | 'delivery'
  | 'channelPace'
  | 'channelCaps'
  | 'contacts'
  | 'executions'
  | 'ids'
>;

/**
 * What became of a scheduled start:
 * - `started`: this call started it;
 * - `expired`: it was more than the allowed lateness late and is now `failed` (`schedule_expired`);
 * - `failed`: it could not start (no channel, ...) and is now `failed` (`start_failed: <code>`);
 * - `postponed`: the start came early and was put back on the queue for the right time;
 * - `not_scheduled`: someone else got there first (started, cancelled, unscheduled, deleted): nothing to do;
 * - `stale`: the broadcast is scheduled for another time now (unscheduled and scheduled again): nothing to do,
 *   its current schedule starts it.
 */
export type ScheduledStartOutcome = 'started' | 'expired' | 'failed' | 'postponed' | 'not_scheduled' | 'stale';

/**
 * The start message of a broadcast's schedule (and the sweeper, for overdue ones): starts the broadcast only if
 * it is still scheduled for `message.scheduledFor`. Idempotent with execute and with itself: the start is a
 * conditional write, so the schedule firing, the sweeper and a person racing each other give one run, and
 * every loser ends here as `not_scheduled`, never as an error to retry.
 */
export async function startScheduledBroadcast(
  deps: StartScheduledDeps,
  message: Pick<StartMessage, 'tenantId' | 'broadcastId' | 'scheduledFor'>,
): Promise<ScheduledStartOutcome> {
  const broadcast = await deps.broadcasts.findById(message.tenantId, message.broadcastId);
  if (broadcast?.status !== 'scheduled' || broadcast.scheduledFor === undefined) return 'not_scheduled';
  const scheduledFor = new Date(message.scheduledFor).toISOString();
  if (broadcast.scheduledFor !== scheduledFor) return 'stale';
  const now = deps.clock.now();
  switch (scheduledStartDecision(scheduledFor, now, deps.delivery.maxLatenessMs)) {
    case 'early':
      await postpone(deps, broadcast, now);
      return 'postponed';
    case 'expire':
      return failScheduled(deps, broadcast, SCHEDULE_EXPIRED, 'expired');
    case 'start':
      break;
  }
  try {
    await startAsRead(deps, broadcast, { scheduledFor });
    return 'started';
  } catch (error) {
    if (error instanceof InvalidTransitionError) return 'not_scheduled';
    if (error instanceof ConflictError && error.code === 'broadcast.concurrent_update') return 'stale';
    // Nothing a retry could fix (its channel is gone, ...): say so on the broadcast instead of retrying all day.
    if (error instanceof UnprocessableError) return failScheduled(deps, broadcast, `${START_FAILED}: ${error.code}`);
    throw error;
  }
}

/** scheduled -> failed, still conditional on the time it was read with. */
async function failScheduled(
  deps: StartScheduledDeps,
  broadcast: Broadcast,
  reason: string,
  outcome: 'expired' | 'failed' = 'failed',
): Promise<ScheduledStartOutcome> {
  const change = transition(broadcast, 'failed', nowIso(deps), { reason });
  if (broadcast.scheduledFor !== undefined) change.expectedScheduledFor = broadcast.scheduledFor;
  try {
    await deps.broadcasts.applyTransition(change);
  } catch (error) {
    if (error instanceof InvalidTransitionError) return 'not_scheduled';
    if (error instanceof ConflictError && error.code === 'broadcast.concurrent_update') return 'stale';
    throw error;
  }
  return outcome;
}

/**
 * A start that arrives early waits on the queue rather than start early; a wait longer than the queue can hold
 * brings it back early again, and it waits again.
 */
async function postpone(deps: StartScheduledDeps, broadcast: Broadcast, now: Date): Promise<void> {
  const waitSeconds = (Date.parse(broadcast.scheduledFor as string) - now.getTime()) / 1000;
  await deps.queue.sendPipeline(
    {
      type: 'start',
      tenantId: broadcast.tenantId,
      broadcastId: broadcast.id,
      scheduledFor: broadcast.scheduledFor as string,
    },
    Math.max(1, waitSeconds),
  );
}
