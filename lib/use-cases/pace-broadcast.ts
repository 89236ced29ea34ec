import { type BroadcastRun, isRunFinished, slotClockOf } from '../domain/broadcast-run.js';
import {
  allocateSlots,
  queueDelaySecondsForSlot,
  respaceClock,
  type SlotClock,
  shareSlotSpacingMs,
  slotsBefore,
} from '../domain/pacing.js';
import { releasedChunkNumbers, stalledSegments, takeFreshChunks } from '../domain/plan-segments.js';
import type { DelayedMessage, SendChunkMessage } from '../ports/message-queue.js';
import { claimChannelShare, releaseChannelShare } from './channel-shares.js';
import { completeIfFinished } from './complete-run.js';
import type { UseCaseDeps } from './deps.js';

/** How far ahead the pacer releases rated chunks (SQS delays them until their slot). */
export const RELEASE_HORIZON_MS = 30_000;
/**
 * The same on a capped channel: short, because the run's share of the channel changes when others start or end,
 * and what was released already goes at the old share (ticks every CAPPED_RELEASE_HORIZON_MS / 2).
 */
export const CAPPED_RELEASE_HORIZON_MS = 6000;
/** Unlimited rate: chunks released per tick, so one tick stays small and the next follows at once. */
export const MAX_CHUNKS_PER_TICK = 400;
/** A chunk's slot is never closer than this, leaving the message time to travel. */
const SLOT_LEAD_MS = 1000;

type Deps = Pick<
  UseCaseDeps,
  | 'broadcasts'
  | 'runs'
  | 'queue'
  | 'clock'
  | 'delivery'
  | 'channels'
  | 'defaultChannel'
  | 'contactLists'
  | 'channelPace'
>;

type CappedRun = BroadcastRun & { cappedChannel: NonNullable<BroadcastRun['cappedChannel']> };

/**
 * The pacer: one loop per broadcast, one tick at a time. Each tick releases the chunks whose slots fall
 * in the next RELEASE_HORIZON_MS (all remaining, in steps, when the rate is unlimited), re-releases
 * chunks that were dropped (on resume and cancel) or lost (after SWEEP_IDLE with no progress), and
 * schedules the next tick. Only the message carrying the run's current tick acts, and it moves the tick
 * on before releasing anything, so a duplicated message never forks the loop.
 *
 * On a capped channel each tick also claims the run's share of the channel (channel-shares.ts) and spaces its slots
 * at that share (never faster than its rate_limit): the broadcasts on a channel then ask together for what its
 * timeline lets through, and a new one gets its part from its first tick on, instead of queueing behind the others.
 */
export async function paceBroadcast(deps: Deps, tenantId: string, broadcastId: string, tick: number): Promise<void> {
  const [broadcast, run] = await Promise.all([
    deps.broadcasts.findById(tenantId, broadcastId),
    deps.runs.get(tenantId, broadcastId),
  ]);
  if (!broadcast || !run || run.pacerTick !== tick) return;
  const status = broadcast.status;
  const draining = status === 'cancelled' || status === 'failed';
  if (status === 'paused' || status === 'completed' || isRunFinished(run)) {
    // The loop ends here (resume starts a new one): nothing is left for the watchdog to watch.
    await deps.runs.clearPacerWatch(tenantId, broadcastId, tick);
    if (isCapped(run)) await releaseChannelShare(deps, run);
    if (status === 'running') await completeIfFinished(deps, tenantId, broadcastId);
    return;
  }
  const now = deps.clock.now().getTime();
  const idle = now - Date.parse(run.lastProgressAt) > deps.delivery.sweepIdleMs;
  const allReleased = run.planDone && run.releasedChunks >= run.plannedChunks;

  // Chunks to send again: every one not counted after cancel or a watchdog restart (dropped or lost meanwhile) and
  // when nothing moved for a long time; after resume, only those parked while paused (the others are still queued,
  // with their slots: releasing them again would push every later slot back).
  const sweep = run.rescanRequested || (idle && (allReleased || draining));
  const idleSweep = sweep && !run.rescanRequested;
  const parked = !sweep && run.rescanParked ? await parkedUntallied(deps, run) : new Map<number, string>();
  const again = sweep ? await untallied(deps, run) : [...parked.keys()].sort((a, b) => a - b);
  const finalize = idleSweep && run.sweeps >= deps.delivery.maxSweeps;

  // Fresh chunks, as far as the rate (and on a capped channel, the run's share of it) allows.
  let clock = slotClockOf(run);
  const remaining = run.plannedChunks - run.releasedChunks;
  const horizonMs = isCapped(run) ? CAPPED_RELEASE_HORIZON_MS : RELEASE_HORIZON_MS;
  const claiming = isCapped(run) && clock !== undefined && !draining && !finalize && !(run.planDone && remaining === 0);
  if (claiming && isCapped(run) && clock) {
    const share = await claimChannelShare(deps, run, now, horizonMs / 2);
    clock = respaceClock(clock, shareSlotSpacingMs(run.rateLimit, run.chunkSize, share));
  }
  let fresh = 0;
  // Draining sends without slots: the sender only marks what is left as skipped, it sends nothing.
  if (draining || !clock) fresh = Math.min(remaining, MAX_CHUNKS_PER_TICK);
  else fresh = Math.min(remaining, Math.max(0, slotsBefore(clock, now + SLOT_LEAD_MS, now + horizonMs) - again.length));
  const taken = takeFreshChunks(run, fresh);
  const chunks = [...again, ...taken.chunks];

  let slots: number[] = [];
  if (clock && !draining && !finalize) {
    const allocated = allocateSlots(clock, chunks.length, now + SLOT_LEAD_MS);
    clock = allocated.clock;
    slots = allocated.slots;
  }
  const nextDelay = nextTickDelaySeconds(run, clock, fresh, draining, horizonMs, deps);
  const advanced = await deps.runs.advancePacer(tenantId, broadcastId, {
    tick,
    watchDeadline: new Date(now + nextDelay * 1000 + deps.delivery.pacerWatchGraceMs),
    releasedChunks: run.releasedChunks + taken.chunks.length,
    segmentReleased: taken.released,
    ...(clock ? { clock } : {}),
    rescanDone: run.rescanRequested,
    parkedRescanDone: run.rescanParked === true,
    sweeps: run.sweeps + (idleSweep ? 1 : 0),
  });
  if (!advanced) return;
  // Nothing left to release (or draining): the share goes to the others at their next tick.
  if (isCapped(run) && !claiming) await releaseChannelShare(deps, run);

  await deps.queue.sendChunks(
    chunks.map((chunk, i) => chunkMessage(tenantId, broadcastId, chunk, slots[i], now, finalize ? { finalize } : {})),
  );
  // Only once they are queued again: a park forgotten before that could be lost with this invocation.
  await Promise.all([...parked].map(([chunk, parkId]) => deps.runs.unparkChunk(tenantId, broadcastId, chunk, parkId)));
  for (const segment of stalledSegments(run, now)) {
    await deps.queue.sendPipeline({ type: 'plan', tenantId, broadcastId, segment });
  }
  await deps.queue.sendPipeline({ type: 'pace', tenantId, broadcastId, tick: tick + 1 }, nextDelay);
}

function nextTickDelaySeconds(
  run: BroadcastRun,
  clock: SlotClock | undefined,
  fresh: number,
  draining: boolean,
  horizonMs: number,
  deps: Deps,
): number {
  const moreToRelease = run.releasedChunks + fresh < run.plannedChunks;
  // Within what the queue can hold: the watch deadline counts from when the tick will really come.
  const sweepCheck = Math.min(deps.queue.maxDelaySeconds, Math.ceil(deps.delivery.sweepIdleMs / 1000 / 2));
  if (!clock || draining) return moreToRelease ? 0 : run.planDone ? sweepCheck : 1;
  if (moreToRelease) return horizonMs / 2000;
  return run.planDone ? sweepCheck : 2;
}

/** The parked chunks among those released, with their park ids, but those counted since. */
async function parkedUntallied(deps: Deps, run: BroadcastRun): Promise<Map<number, string>> {
  const parked = new Map<number, string>();
  const released = releasedChunkNumbers(run);
  for (let start = 0; start < released.length; start += 1000) {
    const batch = released.slice(start, start + 1000);
    const [found, tallied] = await Promise.all([
      deps.runs.parkedChunks(run.tenantId, run.broadcastId, batch),
      deps.runs.talliedChunks(run.tenantId, run.broadcastId, batch),
    ]);
    for (const [chunk, parkId] of found) if (!tallied.has(chunk)) parked.set(chunk, parkId);
  }
  return parked;
}

/** Released chunks without a tally marker. */
async function untallied(deps: Deps, run: BroadcastRun): Promise<number[]> {
  const missing: number[] = [];
  const released = releasedChunkNumbers(run);
  for (let start = 0; start < released.length; start += 1000) {
    const batch = released.slice(start, start + 1000);
    const tallied = await deps.runs.talliedChunks(run.tenantId, run.broadcastId, batch);
    missing.push(...batch.filter((chunk) => !tallied.has(chunk)));
  }
  return missing;
}

function chunkMessage(
  tenantId: string,
  broadcastId: string,
  chunk: number,
  slotAt: number | undefined,
  now: number,
  extra: { finalize?: boolean },
): DelayedMessage<SendChunkMessage> {
  const body: SendChunkMessage = {
    tenantId,
    broadcastId,
    chunk,
    ...(slotAt === undefined ? {} : { slotAt }),
    ...extra,
  };
  return { body, delaySeconds: slotAt === undefined ? 0 : queueDelaySecondsForSlot(slotAt - now) };
}

function isCapped(run: BroadcastRun): run is CappedRun {
  return run.cappedChannel !== undefined;
}

/**
 * The watchdog, run by the sweeper: a pacer loop whose tick is overdue lost its message (the invocation
 * died between moving the loop on and queueing the next tick). Start a new loop; it first re-releases
 * the chunks that were never counted.
 */
export async function revivePacers(deps: Deps, now: Date, limit = 100): Promise<number> {
  let revived = 0;
  for (const { tenantId, broadcastId } of await deps.runs.findStalledPacers(now, limit)) {
    const tick = await deps.runs.restartPacer(tenantId, broadcastId, {
      watchDeadline: new Date(now.getTime() + deps.delivery.pacerWatchGraceMs),
      rescan: 'all',
    });
    await deps.queue.sendPipeline({ type: 'pace', tenantId, broadcastId, tick });
    revived++;
  }
  return revived;
}
