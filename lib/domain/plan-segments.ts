/**
 * A run's audience is planned as independent segments, each by its own planner invocations from its own cursor
 * (lib/use-cases/plan-audience.ts): a contact shard of a dynamic list, a slice of a static list's members. Segment `s`
 * numbers its chunks 0, 1, 2, ... and its k-th chunk is chunk `k * segments + s` of the run: numbers stay unique
 * without the segments ever agreeing on anything, and the pacer releases them round-robin, lowest number first.
 */

/**
 * Segments of a list's audience by default (PLAN_SEGMENTS in lib/config.ts: 1, 2, 4 or 8); at most one per contact
 * shard (lib/adapters/dynamodb/keys.ts spreads contacts over 8).
 */
export const PLAN_SEGMENTS = 8;

/**
 * A segment's planner is presumed dead after this long without committing a page: the pacer then queues it again.
 * Longer than the plan lease (90 s), so the new planner finds the dead one's lease expired.
 */
export const PLANNER_STALL_MS = 120_000;

/** A part of the audience to read: segment `index` of `count`. */
export interface AudienceSegment {
  index: number;
  count: number;
}

/** What the pacer and the listing need to know of the segments, kept on the run item (a few numbers each). */
export interface SegmentProgress {
  /** How many segments the run's audience is planned in (1 for an explicit audience). */
  planSegments: number;
  /** Chunks each segment planned. */
  segmentChunks: number[];
  /** Contacts in each segment's chunks. */
  segmentPending: number[];
  /** Pages of skipped contacts each segment wrote. */
  segmentSkipPages: number[];
  /** Chunks of each segment the pacer released. */
  segmentReleased: number[];
  /** Epoch ms by which each segment's planner must commit its next page (PLANNER_STALL_MS); 0 once it is done. */
  segmentWatch: number[];
}

export function newSegmentProgress(segments: number, nowMs: number): SegmentProgress {
  const zeros = () => Array.from({ length: segments }, () => 0);
  return {
    planSegments: segments,
    segmentChunks: zeros(),
    segmentPending: zeros(),
    segmentSkipPages: zeros(),
    segmentReleased: zeros(),
    segmentWatch: Array.from({ length: segments }, () => nowMs + PLANNER_STALL_MS),
  };
}

/** The run's number of the `local`-th chunk (or skip page) of segment `segment`. */
export function runChunkNumber(segment: number, local: number, segments: number): number {
  return local * segments + segment;
}

/** Every segment has planned its last page. */
export function allSegmentsDone(watch: readonly number[]): boolean {
  return watch.every((deadline) => deadline === 0);
}

/** Segments whose planner missed its deadline (crashed, or its message was lost). */
export function stalledSegments(progress: Pick<SegmentProgress, 'segmentWatch'>, nowMs: number): number[] {
  return progress.segmentWatch.flatMap((deadline, segment) => (deadline !== 0 && deadline < nowMs ? [segment] : []));
}

/**
 * The next `count` chunks to release, lowest run number first (so round-robin across segments that keep pace), and
 * how many of each segment are released after them.
 */
export function takeFreshChunks(progress: SegmentProgress, count: number): { chunks: number[]; released: number[] } {
  const released = [...progress.segmentReleased];
  const chunks: number[] = [];
  const { planSegments: segments } = progress;
  while (chunks.length < count) {
    let best: number | undefined;
    for (let s = 0; s < segments; s++) {
      const local = released[s] ?? 0;
      if (local >= (progress.segmentChunks[s] ?? 0)) continue;
      const number = runChunkNumber(s, local, segments);
      if (best === undefined || number < best) best = number;
    }
    if (best === undefined) break;
    chunks.push(best);
    const segment = best % segments;
    released[segment] = (released[segment] ?? 0) + 1;
  }
  return { chunks, released };
}

/** The run numbers of every chunk released so far, ascending. */
export function releasedChunkNumbers(progress: SegmentProgress): number[] {
  const numbers: number[] = [];
  progress.segmentReleased.forEach((released, segment) => {
    for (let local = 0; local < released; local++) numbers.push(runChunkNumber(segment, local, progress.planSegments));
  });
  return numbers.sort((a, b) => a - b);
}

/**
 * Contacts in released chunks. Exact: within a segment every chunk is full but its last, so a segment's released
 * chunks hold `released * chunkSize` contacts, or all of its contacts once its last is out.
 */
export function releasedContactsOf(progress: SegmentProgress, chunkSize: number): number {
  return progress.segmentReleased.reduce(
    (sum, released, s) => sum + Math.min(released * chunkSize, progress.segmentPending[s] ?? 0),
    0,
  );
}

/**
 * How many chunk partitions and skip partitions to walk to list a run's executions: every number below the highest
 * a segment has used. The count only grows, so a listing's cursor (a partition's position) stays valid while
 * planning goes on; a number a lagging segment has not planned yet is an empty partition, one short query.
 */
export function executionLayoutOf(progress: SegmentProgress): { chunks: number; skipPages: number } {
  const spread = (counts: readonly number[]) => progress.planSegments * Math.max(0, ...counts);
  return { chunks: spread(progress.segmentChunks), skipPages: spread(progress.segmentSkipPages) };
}

/** One segment's planning state, in an item of its own beside the run (its carry would make every run write dearer). */
export interface PlanSegmentState {
  segment: number;
  /** Pages committed: a lease and a commit name the page they are for by this count, which only grows. */
  pages: number;
  chunks: number;
  pending: number;
  skipPages: number;
  /** Where the segment's next page starts; undefined before its first page. */
  cursor?: string;
  /** Contacts to send to that do not fill a chunk yet; they lead the segment's next page's first chunk. */
  carry: string[];
  done: boolean;
  /**
   * The planner working on the next page holds this lease: a duplicate plan message (SQS delivers at least once, the
   * pacer's watchdog re-sends one) cannot write the same page over executions already sent.
   */
  lease?: string;
  /** Epoch ms; longer than the planner's timeout, so a holder can never outlive its lease. */
  leaseUntil?: number;
}

export function newPlanSegmentState(segment: number): PlanSegmentState {
  return { segment, pages: 0, chunks: 0, pending: 0, skipPages: 0, carry: [], done: false };
}
