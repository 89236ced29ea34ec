import { isChunkFinished, tallyOf } from '../domain/chunk-tally.js';
import { sendTiming, sendWindowEnd } from '../domain/pacing.js';
import type { SendChunkMessage } from '../ports/message-queue.js';
import { autoPauseIfFailing } from './auto-pause-if-failing.js';
import type { RecordedCounts } from './chunk-ledger.js';
import { completeIfFinished } from './complete-run.js';
import { type DeliverChunkDeps, deliverChunk } from './deliver-chunk.js';
import { requeueAfter, requeueInFreshSlot, requeueUntilSlot } from './requeue-chunk.js';
import type { RunLifecycleDeps } from './run-lifecycle.js';

/** A chunk this early is held in the invocation; earlier than that, it goes back to the queue. */
const MAX_HOLD_MS = 1500;
/** When another delivery of the chunk is mid-send, check back this much later. */
const BUSY_RECHECK_MS = 5000;
/** A chunk without a slot that its capped channel had no room for looks again this much later. */
const DEFERRED_RECHECK_MS = 1000;

/** `counted`: every execution is terminal and the chunk is counted; `retry_later`: it is back on the queue. */
export type ChunkResult = 'counted' | 'retry_later' | 'dropped';

/** What one delivery of a chunk came to, and what it wrote to the chunk's executions (for metrics). */
export interface ChunkReport extends RecordedCounts {
  result: ChunkResult;
}

/** Delivering the chunk, then counting it into the run, which may pause or complete it. */
type Deps = DeliverChunkDeps & RunLifecycleDeps;

/**
 * The sender, for one chunk. Per execution: skip it if the broadcast was cancelled or the contact opted
 * out meanwhile; render; then take the chunk's lease naming the contacts about to be sent (one conditional
 * write for the chunk, so two deliveries never send it at once; one per small group where the channel cannot
 * de-duplicate); on a capped channel, reserve the sends on the channel's timeline; send with an idempotency key;
 * record the outcome, conditionally on the status read. A lease left behind by a sender that died mid-send means the
 * outcome of its in-flight contacts is unknown: re-sent with the same key where the channel de-duplicates,
 * failed as `outcome_unknown` where it cannot. When every execution of the chunk is terminal, the chunk is
 * counted, exactly once.
 */
export async function sendChunk(deps: Deps, message: SendChunkMessage): Promise<ChunkReport> {
  const { tenantId, broadcastId, chunk } = message;
  const timing = sendTiming(message.slotAt, deps.clock.now().getTime());
  if (timing.action === 'wait' && timing.ms > MAX_HOLD_MS) {
    await requeueUntilSlot(deps, message, timing.ms);
    return nothingRecorded('retry_later');
  }
  const [broadcast, run] = await Promise.all([
    deps.broadcasts.findById(tenantId, broadcastId),
    deps.runs.get(tenantId, broadcastId),
  ]);
  if (!broadcast || !run || broadcast.status === 'completed') return nothingRecorded('dropped');
  // Paused: send nothing; the chunk is parked, and resume releases it again.
  if (broadcast.status === 'paused' && !message.finalize) {
    await park(deps, message);
    return nothingRecorded('dropped');
  }
  const stopped = broadcast.status === 'cancelled' || broadcast.status === 'failed';
  // A slot keeps a broadcast's rate_limit only if its sends start within the slot's window (pacing.ts). An
  // unlimited run's slots (on a capped channel) only share the channel out: a late chunk of it may still go.
  // The same for an early one: it goes now, and its channel's timeline spaces its sends.
  const keepsRate = run.rateLimit > 0;
  if (timing.action === 'late' && keepsRate && !stopped && !message.finalize) {
    // Sending now would bunch it with later slots: take a fresh slot instead.
    await requeueInFreshSlot(deps, run, message);
    return nothingRecorded('retry_later');
  }

  const state = await deps.executions.readChunk(tenantId, broadcastId, chunk);
  // An early chunk is prepared now and its first send waits for the slot (deliverChunk), so that it leaves within
  // milliseconds of it: the window (pacing.ts, SEND_WINDOW_MS) is short, and the work takes longer than that.
  const slot = keepsRate ? message.slotAt : undefined;
  const sendBy = sendWindowEnd(slot);
  const delivery = await deliverChunk(deps, {
    broadcast,
    message,
    state,
    stopped,
    ...(slot === undefined ? {} : { sendAt: slot }),
    ...(sendBy === undefined ? {} : { sendBy }),
  });
  const report = (result: ChunkResult): ChunkReport => ({ result, ...delivery.recorded });
  // Paused meanwhile (by a person, or by this delivery when the channel broke): parked, resume releases the chunk
  // again and sends to whoever is still pending. Cancelled: the drain does.
  if (delivery.stoppedMeanwhile || delivery.halted !== undefined) {
    await park(deps, message);
    return report('dropped');
  }
  let retryAfterMs = delivery.retryAfterMs;
  let tally = delivery.tally;
  if (delivery.deferred && retryAfterMs === undefined) {
    // The channel's cap left no room for the rest within this slot, or the slot's window closed before they could
    // start: what is left takes a fresh slot, as a late chunk does (a retry's backoff, when there is one, brings it back late anyway).
    // A run without a slot clock (started before its channel had a cap) looks again a little later.
    if (run.slotSpacingMs === undefined) await requeueAfter(deps, message, DEFERRED_RECHECK_MS);
    else await requeueInFreshSlot(deps, run, message);
    return report('retry_later');
  }
  if (retryAfterMs === undefined && (delivery.busyElsewhere || !isChunkFinished(tally))) {
    // Another delivery of this chunk (SQS delivers at least once) holds its lease. Whoever finishes last
    // counts the chunk: look again, and come back later if it is still busy.
    tally = tallyOf(chunk, await deps.executions.listChunk(tenantId, broadcastId, chunk));
    if (!isChunkFinished(tally)) retryAfterMs = BUSY_RECHECK_MS;
  }
  if (retryAfterMs !== undefined) {
    await requeueAfter(deps, message, retryAfterMs);
    return report('retry_later');
  }
  const counted = await deps.runs.commitTally(tenantId, broadcastId, tally, deps.clock.now().toISOString());
  if (counted && tally.failed > 0) await autoPauseIfFailing(deps, broadcast);
  // Also when an earlier delivery counted the chunk and died before this step.
  await completeIfFinished(deps, tenantId, broadcastId);
  return report('counted');
}

/**
 * Parks the chunk for resume to release again. Conditional on the broadcast still being paused: when it is not any
 * more (resumed, or cancelled, since it was read), the chunk goes straight back to the queue instead, because the
 * resume's rescan may have looked for parked chunks already.
 */
async function park(deps: Deps, message: SendChunkMessage): Promise<void> {
  const { tenantId, broadcastId, chunk } = message;
  if (!(await deps.runs.parkChunk(tenantId, broadcastId, chunk, deps.ids.newId()))) {
    await requeueAfter(deps, message, 0);
  }
}

function nothingRecorded(result: ChunkResult): ChunkReport {
  return { result, sent: 0, failed: 0, skipped: 0, retried: 0, throttled: 0 };
}
