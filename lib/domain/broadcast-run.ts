import type { BroadcastCounters } from './broadcast.js';
import { chunkSizeFor, chunkSizeForShare, type SlotClock, shareSlotSpacingMs, slotSpacingMs } from './pacing.js';
import { newSegmentProgress, releasedContactsOf, type SegmentProgress } from './plan-segments.js';

/**
 * The delivery state of one started broadcast, kept apart from the broadcast itself so the pipeline's
 * writes never touch the tenant's broadcast partition. Three writers, each guarding its own attributes:
 * the planners (plan*, and each segment its own slot of the segment* lists), the pacer (pacer*, released*, slot
 * clock) and the senders (tallies, once per chunk).
 */
export interface BroadcastRun extends SegmentProgress {
  tenantId: string;
  broadcastId: string;
  startedAt: string;
  /** The moment a dynamic list's filters are evaluated at ("today" means this day), fixed at start. */
  audienceAsOf: string;
  rateLimit: number;
  /** Contacts per send chunk; every send chunk is full except each segment's last one. */
  chunkSize: number;
  /**
   * The capped channel the run shares (lib/domain/channel-pace.ts), as resolved at start: its pacer claims a fair
   * share of it at every tick and paces its slots at that share. Absent: the channel had no cap at start.
   */
  cappedChannel?: { channelId: string; capPerSecond: number };
  /**
   * An explicit audience (automation `trigger_broadcast` with `contact_ids`, at most 1,000): the planner sends to
   * exactly these contacts, in one page, instead of resolving the broadcast's list.
   */
  audienceContactIds?: string[];

  /**
   * Every segment has planned its last page (derived from segmentWatch when the run is read: no single writer could
   * set it, the segments finish in any order).
   */
  planDone: boolean;
  /** Chunks planned by all segments together. */
  plannedChunks: number;
  /** Contacts in send chunks. */
  plannedPending: number;
  totalContacts: number;
  skippedAtPlan: number;
  planUpdatedAt: string;

  /** Only the pace message carrying this tick may act; it moves the tick on, so duplicate loops die out. */
  pacerTick: number;
  releasedChunks: number;
  slotAnchorMs: number;
  /** Undefined when the rate is unlimited. */
  slotSpacingMs?: number;
  nextSlot: number;
  /**
   * Set by cancel and the watchdog: every released chunk not counted yet must be released again (dropped by the
   * cancel's senders, or lost with a crashed tick).
   */
  rescanRequested: boolean;
  /**
   * Set by resume: the chunks the senders parked while the broadcast was paused must be released again. Only those:
   * a chunk still waiting in the queue for its slot keeps it, so pausing and resuming never pushes the rest later.
   */
  rescanParked?: boolean;
  sweeps: number;
  /** Set when a person resumes the broadcast: auto-pause judged the first sends once, not again. */
  autoPauseOff?: boolean;

  talliedChunks: number;
  talliedContacts: number;
  sent: number;
  failed: number;
  skippedAtSend: number;
  lastProgressAt: string;
}

/** A run on a capped channel: the channel, and the share of it the run starts with (messages per second). */
export interface RunChannelShare {
  channelId: string;
  capPerSecond: number;
  sharePerSecond: number;
  /** What all the broadcasts on the channel share (see channel-shares.ts). */
  capacityPerSecond: number;
}

export function newRun(
  tenantId: string,
  broadcastId: string,
  rateLimit: number,
  now: Date,
  audienceContactIds?: string[],
  channelShare?: RunChannelShare,
  planSegments = 1,
): BroadcastRun {
  // On a capped channel every run gets a slot clock (unlimited ones too), at its share: see pace-broadcast.ts.
  const chunkSize = channelShare
    ? chunkSizeForShare(rateLimit, channelShare.sharePerSecond, channelShare.capacityPerSecond)
    : chunkSizeFor(rateLimit);
  const spacing = channelShare
    ? shareSlotSpacingMs(rateLimit, chunkSize, channelShare.sharePerSecond)
    : slotSpacingMs(rateLimit, chunkSize);
  const iso = now.toISOString();
  return {
    tenantId,
    broadcastId,
    startedAt: iso,
    audienceAsOf: iso,
    rateLimit,
    chunkSize,
    ...(channelShare
      ? { cappedChannel: { channelId: channelShare.channelId, capPerSecond: channelShare.capPerSecond } }
      : {}),
    ...(audienceContactIds === undefined ? {} : { audienceContactIds }),
    ...newSegmentProgress(audienceContactIds === undefined ? planSegments : 1, now.getTime()),
    planDone: false,
    plannedChunks: 0,
    plannedPending: 0,
    totalContacts: 0,
    skippedAtPlan: 0,
    planUpdatedAt: iso,
    pacerTick: 0,
    releasedChunks: 0,
    slotAnchorMs: now.getTime(),
    ...(spacing === undefined ? {} : { slotSpacingMs: spacing }),
    nextSlot: 0,
    rescanRequested: false,
    sweeps: 0,
    talliedChunks: 0,
    talliedContacts: 0,
    sent: 0,
    failed: 0,
    skippedAtSend: 0,
    lastProgressAt: iso,
  };
}

export function slotClockOf(run: BroadcastRun): SlotClock | undefined {
  if (run.slotSpacingMs === undefined) return undefined;
  return { anchorMs: run.slotAnchorMs, spacingMs: run.slotSpacingMs, nextSlot: run.nextSlot };
}

/** Contacts whose chunk went to the send queue. */
export function releasedContacts(run: BroadcastRun): number {
  return releasedContactsOf(run, run.chunkSize);
}

/**
 * The broadcast's counters, derived from the run: terminal counts are committed once per chunk,
 * `sending` is what was released and not yet counted, pending the rest.
 */
export function runCounters(run: BroadcastRun): BroadcastCounters {
  return {
    totalContacts: run.totalContacts,
    sent: run.sent,
    failed: run.failed,
    skipped: run.skippedAtPlan + run.skippedAtSend,
    sending: Math.max(0, releasedContacts(run) - run.talliedContacts),
  };
}

/** Every contact has an execution and every send chunk has been counted. */
export function isRunFinished(run: BroadcastRun): boolean {
  return run.planDone && run.talliedChunks >= run.plannedChunks;
}

/** Outcome counts of one chunk, committed together with the chunk's tally marker. */
export interface ChunkTally {
  chunk: number;
  contacts: number;
  sent: number;
  failed: number;
  skipped: number;
}
