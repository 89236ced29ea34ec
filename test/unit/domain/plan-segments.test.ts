import {
  allSegmentsDone,
  executionLayoutOf,
  newSegmentProgress,
  PLANNER_STALL_MS,
  releasedChunkNumbers,
  releasedContactsOf,
  runChunkNumber,
  type SegmentProgress,
  stalledSegments,
  takeFreshChunks,
} from '../../../lib/domain/plan-segments.js';

/** Segment progress with `chunks` planned per segment and `released` of them out (none by default). */
function progress(chunks: number[], released: number[] = chunks.map(() => 0)): SegmentProgress {
  return {
    ...newSegmentProgress(chunks.length, 0),
    segmentChunks: chunks,
    segmentReleased: released,
  };
}

describe('runChunkNumber', () => {
  it("numbers segment s's k-th chunk k * segments + s: unique across the segments, without gaps when they keep pace", () => {
    // Prepare
    const segments = 4;

    // Act
    const numbers = [0, 1, 2].flatMap((local) =>
      [0, 1, 2, 3].map((segment) => runChunkNumber(segment, local, segments)),
    );

    // Assess
    expect(runChunkNumber(3, 2, 8)).toBe(19);
    expect(numbers).toEqual(Array.from({ length: 12 }, (_, n) => n));
  });

  it('is the local number itself with one segment', () => {
    expect([0, 1, 7].map((local) => runChunkNumber(0, local, 1))).toEqual([0, 1, 7]);
  });
});

describe('takeFreshChunks', () => {
  it('takes the lowest numbers first, round-robin across segments that keep pace', () => {
    // Prepare
    const run = progress([2, 2, 2]);

    // Act
    const taken = takeFreshChunks(run, 4);

    // Assess
    expect(taken.chunks).toEqual([0, 1, 2, 3]);
    expect(taken.released).toEqual([2, 1, 1]);
  });

  it('goes on from what each segment released before, and leaves the progress it was given as it was', () => {
    // Prepare
    const run = progress([3, 3], [1, 0]);

    // Act
    const taken = takeFreshChunks(run, 3);

    // Assess
    // Segment 0's chunks are 0, 2, 4; segment 1's are 1, 3, 5; chunk 0 is out already.
    expect(taken.chunks).toEqual([1, 2, 3]);
    expect(taken.released).toEqual([2, 2]);
    expect(run.segmentReleased).toEqual([1, 0]);
  });

  it('skips a segment that has released all it planned, and lets the others go on', () => {
    // Prepare: segment 1 planned one chunk (number 1), segment 2 none yet.
    const run = progress([4, 1, 0, 2]);

    // Act
    const taken = takeFreshChunks(run, 10);

    // Assess
    expect(taken.chunks).toEqual([0, 1, 3, 4, 7, 8, 12]);
    expect(taken.released).toEqual([4, 1, 0, 2]);
  });

  it('never takes more than was planned, however many are asked for', () => {
    // Prepare
    const run = progress([2, 1], [1, 1]);

    // Act
    const taken = takeFreshChunks(run, 5);
    const nothingLeft = takeFreshChunks({ ...run, segmentReleased: taken.released }, 5);
    const none = takeFreshChunks(progress([3, 3]), 0);

    // Assess
    expect(taken.chunks).toEqual([2]);
    expect(nothingLeft).toEqual({ chunks: [], released: [2, 1] });
    expect(none).toEqual({ chunks: [], released: [0, 0] });
  });

  it('releases every planned chunk exactly once over successive ticks of any size', () => {
    // Prepare
    const planned = [5, 3, 0, 4, 1, 5, 2, 5];
    let run = progress(planned);
    const released: number[] = [];

    // Act
    for (const count of [1, 3, 2, 7, 1, 100, 4]) {
      const taken = takeFreshChunks(run, count);
      released.push(...taken.chunks);
      run = { ...run, segmentReleased: taken.released };
    }

    // Assess
    const expected = planned.flatMap((chunks, segment) =>
      Array.from({ length: chunks }, (_, local) => runChunkNumber(segment, local, planned.length)),
    );
    expect(released).toHaveLength(expected.length);
    expect([...released].sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    expect(run.segmentReleased).toEqual(planned);
  });
});

describe('releasedChunkNumbers', () => {
  it("lists every segment's released chunks by their run numbers, ascending", () => {
    // Prepare
    const run = progress([3, 2, 1, 0], [3, 1, 0, 0]);

    // Act
    const numbers = releasedChunkNumbers(run);

    // Assess
    expect(numbers).toEqual([0, 1, 4, 8]);
  });

  it('is empty before the first release', () => {
    expect(releasedChunkNumbers(progress([2, 2]))).toEqual([]);
  });
});

describe('releasedContactsOf', () => {
  // Chunks of 10. Segment 0: 25 contacts (10, 10, 5); segment 1: 10 (one full chunk); segment 2: none; segment 3: 7.
  const planned = {
    ...progress([3, 1, 0, 1]),
    segmentPending: [25, 10, 0, 7],
  };

  it('counts full chunks while a segment has not released its last one', () => {
    expect(releasedContactsOf({ ...planned, segmentReleased: [2, 0, 0, 0] }, 10)).toBe(20);
  });

  it("counts a segment's partial last chunk exactly once it is released", () => {
    // Prepare
    const partly = { ...planned, segmentReleased: [3, 1, 0, 0] };
    const all = { ...planned, segmentReleased: [3, 1, 0, 1] };

    // Act
    const counts = [partly, all].map((run) => releasedContactsOf(run, 10));

    // Assess
    expect(counts).toEqual([35, 42]);
  });

  it('is zero before the first release', () => {
    expect(releasedContactsOf(planned, 10)).toBe(0);
  });
});

describe('executionLayoutOf', () => {
  it('walks every number below the highest any segment has used, for chunks and skip pages alike', () => {
    // Prepare: segment 0 used chunks 0, 4, 8; segment 1 skip pages 1, 5.
    const run = { ...progress([3, 1, 0, 1]), segmentSkipPages: [0, 2, 0, 0] };

    // Act
    const layout = executionLayoutOf(run);

    // Assess
    expect(layout).toEqual({ chunks: 12, skipPages: 8 });
  });

  it('is empty for a run nothing was planned in yet', () => {
    expect(executionLayoutOf(newSegmentProgress(8, 0))).toEqual({ chunks: 0, skipPages: 0 });
  });
});

describe('stalledSegments', () => {
  it('names the segments past their deadline, never one that is done', () => {
    // Prepare
    const watch = { segmentWatch: [0, 1000, 2000, 1500, 0] };

    // Act
    const stalled = stalledSegments(watch, 1500);

    // Assess: segment 3 is at its deadline, not past it.
    expect(stalled).toEqual([1]);
    expect(stalledSegments(watch, 2001)).toEqual([1, 2, 3]);
  });

  it('names none of a new run until PLANNER_STALL_MS has passed', () => {
    // Prepare
    const run = newSegmentProgress(4, 10_000);

    // Act
    const early = stalledSegments(run, 10_000 + PLANNER_STALL_MS);
    const late = stalledSegments(run, 10_000 + PLANNER_STALL_MS + 1);

    // Assess
    expect(early).toEqual([]);
    expect(late).toEqual([0, 1, 2, 3]);
  });
});

describe('allSegmentsDone', () => {
  it('holds once every segment has planned its last page', () => {
    expect(allSegmentsDone([0, 0, 0])).toBe(true);
    expect(allSegmentsDone([0, 5000, 0])).toBe(false);
    expect(allSegmentsDone(newSegmentProgress(2, 0).segmentWatch)).toBe(false);
  });
});
