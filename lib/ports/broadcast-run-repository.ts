import type { BroadcastRun, ChunkTally } from '../domain/broadcast-run.js';
import type { TimelineBucket } from '../domain/broadcast-timeline.js';
import type { SlotClock } from '../domain/pacing.js';
import type { PlanSegmentState } from '../domain/plan-segments.js';

/** A segment's page, planned: its new state, and what it adds to the run's totals. */
export interface PlanPageCommit {
  segment: number;
  /** The segment's page count read before the page was planned: the commit applies only if still true. */
  expectedPages: number;
  /** The lease taken for this page (see leasePlanPage). */
  lease: string;
  nextCursor?: string;
  carry: string[];
  done: boolean;
  /** The segment's chunks, contacts in them and skip pages after this page. */
  chunks: number;
  pending: number;
  skipPages: number;
  newChunks: number;
  newPending: number;
  newContacts: number;
  newSkipped: number;
  now: string;
  /** Epoch ms by which the segment must commit its next page; 0 when this page was its last. */
  watchUntil: number;
}

export interface PacerAdvance {
  tick: number;
  /** By when the next tick must have acted; past it, the sweeper's watchdog restarts the loop. */
  watchDeadline: Date;
  releasedChunks: number;
  /** Chunks released of each segment. */
  segmentReleased: number[];
  clock?: SlotClock;
  rescanDone: boolean;
  /** The parked chunks were released again (or everything not counted was). */
  parkedRescanDone?: boolean;
  sweeps: number;
}

/** A new pacer loop: see BroadcastRunRepository.restartPacer. */
export interface PacerRestart {
  /** By when the new loop's first tick must have acted; past it, the watchdog restarts the loop again. */
  watchDeadline: Date;
  /** A person resumed the broadcast: auto-pause leaves it alone from now on. */
  autoPauseOff?: boolean;
  /**
   * What the new loop releases again first: `parked`, the chunks dropped while paused (resume); `all`, every released
   * chunk not counted yet (cancel, the watchdog; the default).
   */
  rescan?: 'parked' | 'all';
}

/** A page lease taken. */
export interface PlanPageLease {
  /**
   * Whether a planner leased this page before (it died, or gave up on an error): it may have written executions that
   * the page as read now does not plan, so they must be cleared. False on a page nobody tried: nothing to clear.
   */
  retried: boolean;
}

export interface BroadcastRunRepository {
  get(tenantId: string, broadcastId: string): Promise<BroadcastRun | undefined>;
  /** A planning segment's state; a fresh one when its planner has not started yet. */
  planSegment(tenantId: string, broadcastId: string, segment: number): Promise<PlanSegmentState>;
  /**
   * Takes the lease on the segment's next page (the one after `state.pages` pages) until `untilMs`. Undefined when
   * another planner holds an unexpired lease, the page was committed meanwhile, or the segment is done.
   */
  leasePlanPage(
    tenantId: string,
    broadcastId: string,
    state: PlanSegmentState,
    lease: string,
    nowMs: number,
    untilMs: number,
  ): Promise<PlanPageLease | undefined>;
  /** Gives back a page lease its planner could not finish (an error, not a crash), if it still holds it. */
  releasePlanLease(tenantId: string, broadcastId: string, segment: number, lease: string): Promise<void>;
  /**
   * The segment's new state and the run's totals, together. Returns false when another planner already committed
   * this page.
   */
  commitPlanPage(tenantId: string, broadcastId: string, commit: PlanPageCommit): Promise<boolean>;
  /** Moves the pacer from `tick` to `tick + 1`; false when that tick was already taken (a duplicate loop). */
  advancePacer(tenantId: string, broadcastId: string, advance: PacerAdvance): Promise<boolean>;
  /** Hands out slots for chunks re-sent outside the pacer (late or retried chunks). */
  allocateSlots(run: BroadcastRun, count: number, earliestMs: number): Promise<number[]>;
  /**
   * Counts a chunk exactly once: the chunk's marker, the counter increments and the chunk's counts in the bucket of
   * the minute `now` falls in commit together. Returns false when the chunk had already been counted.
   */
  commitTally(tenantId: string, broadcastId: string, tally: ChunkTally, now: string): Promise<boolean>;
  /** The broadcast's per-minute outcome buckets, oldest first. */
  timeline(tenantId: string, broadcastId: string): Promise<TimelineBucket[]>;
  /**
   * A sender met the chunk while its broadcast was paused and dropped it: park it (`parkId` names this park), so
   * that resume releases it again. Conditional on the broadcast still being paused, in one transaction: false when it
   * is not (resumed, or cancelled, meanwhile), and the chunk must go back to the queue instead.
   */
  parkChunk(tenantId: string, broadcastId: string, chunk: number, parkId: string): Promise<boolean>;
  /** Of these chunks, the parked ones, each with the id of its park. */
  parkedChunks(tenantId: string, broadcastId: string, chunks: readonly number[]): Promise<Map<number, string>>;
  /** The chunk was released again: forget its park, unless a sender parked it again since (another park id). */
  unparkChunk(tenantId: string, broadcastId: string, chunk: number, parkId: string): Promise<void>;
  /** Which of these chunks have been counted. */
  talliedChunks(tenantId: string, broadcastId: string, chunks: readonly number[]): Promise<Set<number>>;
  /**
   * The watchdog: a new pacer loop (tick + 1) that first re-releases dropped chunks. Returns the new tick. Resume and
   * cancel start theirs with their status change instead (BroadcastRepository.changeStatusRestartingPacer).
   */
  restartPacer(tenantId: string, broadcastId: string, restart: PacerRestart): Promise<number>;
  /** Pacer loops whose watch deadline has passed (a crashed tick), oldest first, across tenants. */
  findStalledPacers(now: Date, limit: number): Promise<{ tenantId: string; broadcastId: string }[]>;
  /**
   * The loop of `tick` ended for good (finished, or paused until a resume restarts it): stop watching it, unless a
   * new loop has started since.
   */
  clearPacerWatch(tenantId: string, broadcastId: string, tick: number): Promise<void>;
}
