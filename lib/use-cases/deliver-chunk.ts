import type { Broadcast } from '../domain/broadcast.js';
import { isTerminal } from '../domain/broadcast-execution.js';
import type { ChunkTally } from '../domain/broadcast-run.js';
import type { SendDecision } from '../domain/send-decision.js';
import type { ChunkState } from '../ports/execution-repository.js';
import type { SendChunkMessage } from '../ports/message-queue.js';
import { ChannelHalt } from './channel-halt.js';
import { ChannelTimeline } from './channel-timeline.js';
import { ChunkLeaseHold } from './chunk-lease.js';
import { ChunkLedger, type RecordedCounts } from './chunk-ledger.js';
import { decideSends } from './decide-sends.js';
import type { UseCaseDeps } from './deps.js';
import { type Send, sendGroup } from './send-group.js';
import { unitsOf } from './send-units.js';
import { waitUntil } from './wait-until.js';

/**
 * Where the channel cannot de-duplicate: contacts sent per group, each group named in the chunk's lease before it
 * leaves. A sender that dies mid-send leaves at most this many outcomes unknown (`failed: outcome_unknown`).
 */
export const IN_FLIGHT_GROUP_SIZE = 5;
/**
 * Rounds of one chunk delivery, per group it started with, before what is left is deferred to a fresh slot: a
 * round that sends nothing (every send late, in a stalled process) must not loop for ever.
 */
const MAX_ROUNDS_PER_GROUP = 3;
/**
 * The last look at the broadcast's status is taken this long before the slot, so that its read does not delay the
 * first send (a read takes a few milliseconds in AWS, tens on a loaded DynamoDB Local). A pause in the last 100 ms
 * before the slot is then like one landing mid-send: that chunk goes, the next one is parked.
 */
const STATUS_LOOK_LEAD_MS = 100;

export type DeliverChunkDeps = Pick<
  UseCaseDeps,
  | 'broadcasts'
  // For the pause of a broken channel (ChannelHalt).
  | 'runs'
  | 'queue'
  | 'contactLists'
  | 'executions'
  | 'contacts'
  | 'channels'
  | 'channelCaps'
  | 'defaultChannel'
  | 'senders'
  | 'unsubscribeLinks'
  | 'clock'
  | 'ids'
  | 'delivery'
  | 'channelPace'
>;

export interface ChunkJob {
  broadcast: Broadcast;
  message: SendChunkMessage;
  /** The chunk's executions and lease, read together. */
  state: ChunkState;
  /** The broadcast was cancelled (or failed): close what is open, send nothing. */
  stopped: boolean;
  /**
   * When its run keeps a rate: the chunk's slot (epoch ms). Everything before the first send (reads, rendering, the
   * lease, the closures) is done before it; the first send waits for it.
   */
  sendAt?: number;
  /** The last instant a send may start (epoch ms): the end of the chunk's slot window when its run keeps a rate. */
  sendBy?: number;
}

/** Where a chunk stands after one delivery worked on it. */
export interface ChunkDelivery {
  /**
   * The broadcast was paused or cancelled since the first status check: nothing more was sent (groups sent before
   * are recorded; resume, or the cancel's drain, releases the chunk again and counts it).
   */
  stoppedMeanwhile: boolean;
  /** Another delivery of the chunk holds its lease or wrote an execution first: its view may be newer. */
  busyElsewhere: boolean;
  /**
   * The capped channel's timeline had no room for some sends within the chunk's slot window (or they kept finding
   * themselves late), or a rated chunk's window closed before they could start: they are still open, for a fresh
   * slot.
   */
  deferred: boolean;
  /**
   * The channel is broken (a `halt` verdict): the broadcast was paused with this `status_reason`, the halted
   * contacts left pending with no attempt counted, and no send started after the halt. Resume releases the chunk.
   */
  halted: string | undefined;
  /** Set when an attempt was put back: the longest wait it asked for. */
  retryAfterMs: number | undefined;
  tally: ChunkTally;
  recorded: RecordedCounts;
}

/**
 * The work on one chunk's open executions: decide each one's fate (reads only), take the chunk's lease naming the
 * first group about to be sent (one conditional write), record the closures, look at the broadcast's status once
 * more, then send group by group, recording the outcomes, and give the lease back.
 *
 * Groups: a channel that de-duplicates sends the whole chunk as one group, as before. One that cannot (log,
 * WhatsApp) sends groups of IN_FLIGHT_GROUP_SIZE, naming each group in the lease before it leaves and looking at
 * the broadcast's status again: a death mid-send leaves at most one group's outcomes unknown, and a pause stops the
 * chunk between two groups. On a capped channel every group first reserves its instants on the channel's timeline
 * (channel-timeline.ts); what finds no room within the chunk's slot window is deferred to a fresh slot.
 */
export async function deliverChunk(deps: DeliverChunkDeps, job: ChunkJob): Promise<ChunkDelivery> {
  const ledger = new ChunkLedger(deps, job.state.executions);
  const halt = new ChannelHalt(deps, job.broadcast);
  const progress = await work(deps, job, ledger, halt);
  await halt.settle();
  return {
    stoppedMeanwhile: progress === 'stopped',
    busyElsewhere: progress === 'busy' || ledger.lostARace,
    deferred: progress === 'deferred',
    halted: halt.reason,
    retryAfterMs: ledger.retryAfterMs,
    tally: ledger.tally(job.message.chunk),
    recorded: ledger.counts,
  };
}

type Progress = 'done' | 'busy' | 'stopped' | 'deferred' | 'halted';

async function work(deps: DeliverChunkDeps, job: ChunkJob, ledger: ChunkLedger, halt: ChannelHalt): Promise<Progress> {
  const open = job.state.executions.filter((e) => !isTerminal(e.status));
  if (open.length === 0) return 'done';
  const now = deps.clock.now();
  const lease = new ChunkLeaseHold(deps, job.message, job.state.lease, now.getTime());
  if (lease.heldElsewhere()) return 'busy';
  const { decisions, sender, channel } = await decideSends(deps, job.broadcast, open, {
    stopped: job.stopped,
    finalize: job.message.finalize === true,
    suspects: lease.suspects(job.state.executions),
    now,
  });
  const pending: Send[] = decisions.filter((d) => 'outbound' in d);
  const groupSize = sender?.honoursIdempotencyKey === false ? IN_FLIGHT_GROUP_SIZE : pending.length;
  // Another delivery took the lease since the chunk was read: what was read may be stale.
  if (!(await lease.take(contactsOf(pending.slice(0, groupSize))))) return 'busy';
  let midSend = false;
  try {
    const closing = Promise.all(decisions.map((d) => closeIfDecided(ledger, d)));
    if (pending.length === 0 || !sender || !channel) {
      await closing;
      return 'done';
    }
    // A pause or cancel may have landed since the status was read: look once more, right before sending (a chunk
    // with a slot: just before its slot, once everything else is ready; one without: beside the closures' writes).
    const lookAgain = () => deps.broadcasts.findById(job.broadcast.tenantId, job.broadcast.id);
    const [cap, lookedEarly] = await Promise.all([
      deps.channelCaps.capPerSecond(channel),
      job.sendAt === undefined ? lookAgain() : undefined,
      closing,
    ]);
    if (job.sendAt !== undefined) await waitUntil(deps.clock, job.sendAt - STATUS_LOOK_LEAD_MS);
    const current = lookedEarly ?? (await lookAgain());
    if (current?.status !== 'running') return 'stopped';
    if (job.sendAt !== undefined) await waitUntil(deps.clock, job.sendAt);
    const timeline = cap === undefined ? undefined : new ChannelTimeline(deps, channel, cap, job.sendBy);
    for (let round = 0; pending.length > 0; round++) {
      // Past the slot's window (a stalled process, a slow write, a long group before this one): sending now could
      // bunch these sends with later slots' (pacing.ts). They take a fresh slot. The channel's timeline keeps the
      // same bound for its own reservations.
      if (!timeline && job.sendBy !== undefined && deps.clock.now().getTime() >= job.sendBy) return 'deferred';
      if (round > 0) {
        if (round > MAX_ROUNDS_PER_GROUP * Math.ceil(open.length / groupSize)) return 'deferred';
        const next = await nextGroup(deps, job, lease, sender.honoursIdempotencyKey, pending.slice(0, groupSize));
        if (next !== 'go') return next;
      }
      let group = pending.splice(0, groupSize);
      let instants: number[] | undefined;
      if (timeline) {
        instants = await timeline.reserveWeighted(group.map((send) => unitsOf(sender, send.outbound)));
        // The rest waits for the next reservation (or, when nothing fits, for a fresh slot).
        pending.unshift(...group.slice(instants.length));
        group = group.slice(0, instants.length);
        if (group.length === 0) return 'deferred';
      }
      midSend = true;
      const outcome = await sendGroup(deps, ledger, lease.version, sender, group, { instants, halt });
      midSend = false;
      if (halt.tripped) return 'halted';
      pending.unshift(...outcome.late);
      if (outcome.throttled) await timeline?.recordThrottle();
    }
    return 'done';
  } finally {
    await lease.handBack(ledger.isDone(), midSend);
  }
}

/**
 * Before a group after the first: where the channel cannot de-duplicate, the lease names this group (and is
 * extended); and a pause or cancel since the last look stops the chunk here.
 */
async function nextGroup(
  deps: DeliverChunkDeps,
  job: ChunkJob,
  lease: ChunkLeaseHold,
  deduplicates: boolean,
  group: readonly Send[],
): Promise<'go' | 'busy' | 'stopped'> {
  const nowMs = deps.clock.now().getTime();
  const [named, current] = await Promise.all([
    deduplicates ? true : lease.name(contactsOf(group), nowMs),
    deps.broadcasts.findById(job.broadcast.tenantId, job.broadcast.id),
  ]);
  if (!named) return 'busy';
  return current?.status === 'running' ? 'go' : 'stopped';
}

function contactsOf(sends: readonly Send[]): string[] {
  return sends.map((s) => s.execution.contactId);
}

function closeIfDecided(ledger: ChunkLedger, decision: SendDecision): Promise<void> | undefined {
  return 'close' in decision ? ledger.close(decision.execution, decision.close, decision.fields) : undefined;
}
