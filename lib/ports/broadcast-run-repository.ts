import type { BroadcastRun, ChunkTally } from '../domain/broadcast-run.js';
import type { TimelineBucket } from '../domain/broadcast-timeline.js';
import type { SlotClock } from '../domain/pacing.js';

export interface PlanPageCommit {
  /** The plannedChunks value read before the page was planned: the commit applies only if still true. */
  expectedPlannedChunks: number;
  /** The lease taken for this page (see leasePlanPage). */
  lease: string;
  nextCursor?: string;
  carry: string[];
  done: boolean;
  newChunks: number;
  newPending: number;
  newSkipPage: boolean;
  newContacts: number;
  newSkipped: number;
  now: string;
}

export interface PacerAdvance {
  tick: number;
  /** By when the next tick must have acted; past it, the sweeper's watchdog restarts the loop. */
  watchDeadline: Date;
  releasedChunks: number;
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
  /**
   * Takes the lease on the next page (the one after `expectedPlannedChunks` chunks) until `untilMs`.
   * Undefined when another planner holds an unexpired lease, or the page was committed meanwhile.
   */
  leasePlanPage(
    tenantId: string,
    broadcastId: string,
    expectedPlannedChunks: number,
    lease: string,
    nowMs: number,
    untilMs: number,
  ): Promise<PlanPageLease | undefined>;
  /** Gives back a page lease its planner could not finish (an error, not a crash), if it still holds it. */
  releasePlanLease(tenantId: string, broadcastId: string, lease: string): Promise<void>;
  /** Returns false when another planner already committed this page. */
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
