import { type Broadcast, type BroadcastChange, type BroadcastStatus, transition } from '../domain/broadcast.js';
import { newRun, runCounters } from '../domain/broadcast-run.js';
import { InvalidTransitionError } from '../domain/errors.js';
import { assertTemplateFitsChannel } from '../domain/message-template.js';
import { assertBroadcastRateWithinCap, pacedRatePerMinute } from '../domain/rate-cap.js';
import { validateMessageTemplate } from '../domain/template-rendering.js';
import type { PacerRestart } from '../ports/broadcast-run-repository.js';
import { getBroadcast } from './broadcast-commands.js';
import { disarmSchedule } from './broadcast-schedules.js';
import { openingShare } from './channel-shares.js';
import { nowIso, type UseCaseDeps } from './deps.js';
import { resolveChannel } from './resolve-channel.js';
import { type SetRunGoingDeps, setRunGoing } from './set-run-going.js';

/** What moving a run from one status to the next takes. */
export type RunLifecycleDeps = Pick<
  UseCaseDeps,
  'broadcasts' | 'runs' | 'channels' | 'defaultChannel' | 'queue' | 'clock' | 'contactLists' | 'delivery'
>;
/** Starting a run also reads its channel's pace when the channel is capped, and takes the run's first steps. */
type StartDeps = RunLifecycleDeps & SetRunGoingDeps & Pick<UseCaseDeps, 'channelCaps'>;
/** Execute and cancel also keep the broadcast's schedule in step. */
type SchedulingDeps = RunLifecycleDeps & Pick<UseCaseDeps, 'scheduler'>;

/**
 * ExecuteBroadcastCommand: draft|scheduled -> running and the run item, in one transaction, so a second
 * start (a double click, the scheduler racing a person) gets 409 and never a second run. Then the planner
 * and the pacer are set going (set-run-going.ts), and a scheduled broadcast's schedule is deleted: it must not fire
 * later.
 */
export async function startBroadcast(
  deps: SchedulingDeps & StartDeps,
  tenantId: string,
  id: string,
): Promise<Broadcast> {
  const broadcast = await getBroadcast(deps, tenantId, id);
  const started = await startAsRead(deps, broadcast);
  if (broadcast.status === 'scheduled') await disarmSchedule(deps, tenantId, id);
  return started;
}

/**
 * Starts the broadcast as it was read. The start is conditional on that status (and, with `scheduledFor`, on
 * still being scheduled for that time): whoever loses a race gets InvalidTransitionError (or ConflictError
 * `broadcast.concurrent_update` when it was scheduled again for another time) and nothing else happens.
 */
export async function startAsRead(
  deps: StartDeps,
  broadcast: Broadcast,
  options: { scheduledFor?: string; audienceContactIds?: string[] } = {},
): Promise<Broadcast> {
  const { tenantId, id } = broadcast;
  if (broadcast.status !== 'draft' && broadcast.status !== 'scheduled') {
    throw new InvalidTransitionError(broadcast.status, 'running');
  }
  // The stage's cap may have been lowered since the broadcast was written.
  assertBroadcastRateWithinCap(broadcast.rateLimit, deps.delivery.maxRatePerMinute);
  const channel = await resolveChannel(deps, tenantId, broadcast);
  validateMessageTemplate(broadcast.messageTemplate);
  assertTemplateFitsChannel(broadcast.messageTemplate, channel);
  const now = deps.clock.now();
  const change = transition(broadcast, 'running', now.toISOString());
  if (options.scheduledFor !== undefined) change.expectedScheduledFor = options.scheduledFor;
  const pacedRate = pacedRatePerMinute(broadcast.rateLimit, deps.delivery.maxRatePerMinute);
  // On a capped channel the run is sized and paced for its share of it (lib/domain/channel-share.ts).
  const cap = await deps.channelCaps.capPerSecond(channel);
  const share =
    cap === undefined ? undefined : await openingShare(deps, channel, cap, { id, rateLimit: pacedRate }, now.getTime());
  const segments = deps.delivery.planSegments ?? 1;
  const run = newRun(tenantId, id, pacedRate, now, options.audienceContactIds, share, segments);
  await deps.broadcasts.start(change, run);
  await setRunGoing(deps, tenantId, id, run.pacerTick, run.planSegments);
  return { ...change.broadcast, ...runCounters(run) };
}

/** running -> paused. Senders check the status before every chunk, so nothing new starts after this returns. */
export function pauseBroadcast(
  deps: RunLifecycleDeps,
  tenantId: string,
  id: string,
  reason?: string,
): Promise<Broadcast> {
  return changeRunStatus(deps, tenantId, id, 'paused', reason);
}

/**
 * paused -> running: a new pacer loop first re-releases the chunks the senders parked while it was paused. The new loop's tick and
 * "auto-pause off" commit with the status change, so a chunk counted meanwhile can neither re-pause the broadcast nor
 * meet the old loop, and a resume that loses a race with another resume or a cancel leaves the run alone: the loop
 * the winner queues is the run's (docs/design.md section 8, invariant 9).
 */
export async function resumeBroadcast(deps: RunLifecycleDeps, tenantId: string, id: string): Promise<Broadcast> {
  const current = await getBroadcast(deps, tenantId, id);
  // Only a paused broadcast has a run to resume: a draft, scheduled or running one is refused (409) as it was read.
  if (current.status !== 'paused') throw new InvalidTransitionError(current.status, 'running');
  const change = transition(current, 'running', nowIso(deps));
  await changeStatusRestartingPacer(deps, change, { rescan: 'parked', autoPauseOff: true });
  return change.broadcast;
}

/**
 * scheduled|running|paused -> cancelled. A scheduled broadcast's schedule is deleted. For a started broadcast
 * the pacer then drains: every contact not sent yet ends `skipped` with reason `cancelled`, so the counters
 * still add up. The draining loop starts with the status change, as on resume.
 */
export async function cancelBroadcast(deps: SchedulingDeps, tenantId: string, id: string): Promise<Broadcast> {
  const broadcast = await getBroadcast(deps, tenantId, id);
  const change = transition(broadcast, 'cancelled', nowIso(deps));
  if (change.expectedStatus === 'scheduled') {
    await deps.broadcasts.applyTransition(change);
    await disarmSchedule(deps, tenantId, id);
  } else {
    await changeStatusRestartingPacer(deps, change, { rescan: 'all' });
  }
  return change.broadcast;
}

async function changeRunStatus(
  deps: RunLifecycleDeps,
  tenantId: string,
  id: string,
  to: BroadcastStatus,
  reason?: string,
): Promise<Broadcast> {
  const broadcast = await getBroadcast(deps, tenantId, id);
  const change = transition(broadcast, to, nowIso(deps), reason ? { reason } : {});
  await deps.broadcasts.applyTransition(change);
  return change.broadcast;
}

/** The status change and a new pacer loop, together; then the loop's first tick goes on the queue. */
async function changeStatusRestartingPacer(
  deps: RunLifecycleDeps,
  change: BroadcastChange,
  options: Omit<PacerRestart, 'watchDeadline'>,
): Promise<void> {
  const { tenantId, id } = change.broadcast;
  const watchDeadline = new Date(deps.clock.now().getTime() + deps.delivery.pacerWatchGraceMs);
  const tick = await deps.broadcasts.changeStatusRestartingPacer(change, { ...options, watchDeadline });
  await deps.queue.sendPipeline({ type: 'pace', tenantId, broadcastId: id, tick });
}
