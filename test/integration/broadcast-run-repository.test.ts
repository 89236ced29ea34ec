import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbBroadcastRunRepository } from '../../lib/adapters/dynamodb/broadcast-run-repository.js';
import { broadcastKeys, executionKeys, runKeys } from '../../lib/adapters/dynamodb/keys.js';
import { type BroadcastRun, type ChunkTally, newRun } from '../../lib/domain/broadcast-run.js';
import { slotSpacingMs } from '../../lib/domain/pacing.js';
import { newPlanSegmentState, PLANNER_STALL_MS } from '../../lib/domain/plan-segments.js';
import type { PlanPageCommit } from '../../lib/ports/broadcast-run-repository.js';
import { newTenantId, rawPartition, testTableForFile } from '../support/dynamodb.js';
import { gaps, putRun } from '../support/pipeline.js';

const table = testTableForFile();
let repository: DynamoDbBroadcastRunRepository;

beforeAll(async () => {
  repository = new DynamoDbBroadcastRunRepository(table.client, table.tableName);
});

const START = new Date('2025-01-15T12:00:00.000Z');
const LATER = '2025-01-15T12:01:00.000Z';

async function aRun(rateLimit = 600, overrides: Partial<BroadcastRun> = {}, planSegments = 1): Promise<BroadcastRun> {
  const run = {
    ...newRun(newTenantId(), randomUUID(), rateLimit, START, undefined, undefined, planSegments),
    ...overrides,
  };
  await putRun(table, run);
  return run;
}

const LEASE = 'lease-1';
const NOW_MS = Date.parse(LATER);
const WATCH = NOW_MS + PLANNER_STALL_MS;

/** The first page of segment 0: 3 chunks of 30 contacts, one skip page of 5 contacts. */
function aPage(overrides: Partial<PlanPageCommit> = {}): PlanPageCommit {
  return {
    segment: 0,
    expectedPages: 0,
    lease: LEASE,
    nextCursor: 'cursor-1',
    carry: ['c-1', 'c-2'],
    done: false,
    chunks: 3,
    pending: 30,
    skipPages: 1,
    newChunks: 3,
    newPending: 30,
    newContacts: 35,
    newSkipped: 5,
    now: LATER,
    watchUntil: WATCH,
    ...overrides,
  };
}

/** A segment's last page: no cursor, no carry, nothing more to watch. */
function aLastPage(overrides: Partial<PlanPageCommit> = {}): PlanPageCommit {
  return aPage({ done: true, carry: [], nextCursor: undefined, watchUntil: 0, ...overrides });
}

interface LeaseOptions {
  segment?: number;
  /** The segment's page count as the planner read it: the lease is for the page after that many. */
  pages?: number;
  token?: string;
  nowMs?: number;
}

/** Takes the planning lease on a segment's next page, as the planner does before writing. */
function lease(run: BroadcastRun, { segment = 0, pages = 0, token = LEASE, nowMs = NOW_MS }: LeaseOptions = {}) {
  const state = { ...newPlanSegmentState(segment), pages };
  return repository.leasePlanPage(run.tenantId, run.broadcastId, state, token, nowMs, nowMs + 90_000);
}

/** Leases the page the commit is for, then commits it. */
async function leaseAndCommit(run: BroadcastRun, page: PlanPageCommit): Promise<boolean> {
  const taken = await lease(run, { segment: page.segment, pages: page.expectedPages, token: page.lease });
  if (!taken) throw new Error(`segment ${page.segment} page ${page.expectedPages}: no lease`);
  return repository.commitPlanPage(run.tenantId, run.broadcastId, page);
}

function commit(run: BroadcastRun, page: PlanPageCommit): Promise<boolean> {
  return repository.commitPlanPage(run.tenantId, run.broadcastId, page);
}

function segmentOf(run: BroadcastRun, segment = 0) {
  return repository.planSegment(run.tenantId, run.broadcastId, segment);
}

function aTally(chunk: number, overrides: Partial<ChunkTally> = {}): ChunkTally {
  return { chunk, contacts: 10, sent: 7, failed: 2, skipped: 1, ...overrides };
}

async function stored(run: BroadcastRun): Promise<BroadcastRun> {
  const found = await repository.get(run.tenantId, run.broadcastId);
  if (!found) throw new Error('the run is gone');
  return found;
}

describe('DynamoDbBroadcastRunRepository', () => {
  describe('get', () => {
    it('reads a run back exactly as written, and nothing for another tenant', async () => {
      // Prepare
      const run = await aRun();

      // Act
      const found = await repository.get(run.tenantId, run.broadcastId);
      const intruder = await repository.get(newTenantId(), run.broadcastId);

      // Assess
      expect(found).toEqual(run);
      expect(intruder).toBeUndefined();
    });
  });

  describe('parked chunks', () => {
    /** The broadcast item of the run, in `status` (the park is conditional on it). */
    async function withBroadcastIn(run: BroadcastRun, status: string): Promise<void> {
      const item = { ...broadcastKeys.byId(run.tenantId, run.broadcastId), entity: 'broadcast', status };
      await table.client.send(new PutCommand({ TableName: table.tableName, Item: item }));
    }

    it('parks a chunk only while its broadcast is paused, and forgets a park only by its own id', async () => {
      // Prepare
      const run = await aRun();
      const { tenantId, broadcastId } = run;
      await withBroadcastIn(run, 'running');
      const whileRunning = await repository.parkChunk(tenantId, broadcastId, 1, 'park-0');
      await withBroadcastIn(run, 'paused');

      // Act
      const first = await repository.parkChunk(tenantId, broadcastId, 2, 'park-1');
      const second = await repository.parkChunk(tenantId, broadcastId, 3, 'park-2');
      const parked = await repository.parkedChunks(tenantId, broadcastId, [1, 2, 3, 4]);
      // Chunk 2 parked again since it was read (park-3): releasing the read park (park-1) must not forget it.
      await repository.parkChunk(tenantId, broadcastId, 2, 'park-3');
      await repository.unparkChunk(tenantId, broadcastId, 2, 'park-1');
      await repository.unparkChunk(tenantId, broadcastId, 3, 'park-2');
      const afterUnpark = await repository.parkedChunks(tenantId, broadcastId, [1, 2, 3, 4]);

      // Assess
      expect(whileRunning).toBe(false);
      expect([first, second]).toEqual([true, true]);
      expect(parked).toEqual(
        new Map([
          [2, 'park-1'],
          [3, 'park-2'],
        ]),
      );
      expect(afterUnpark).toEqual(new Map([[2, 'park-3']]));
    });
  });

  describe('pacer watchdog', () => {
    it('finds a loop whose tick is overdue, and forgets it once its current tick clears it (a stale tick cannot)', async () => {
      // Prepare
      const run = await aRun();
      await repository.advancePacer(run.tenantId, run.broadcastId, {
        watchDeadline: new Date(NOW_MS + 60_000),
        tick: 0,
        releasedChunks: 0,
        segmentReleased: [0],
        rescanDone: false,
        sweeps: 0,
      });

      // Act
      const before = await repository.findStalledPacers(new Date(NOW_MS + 59_000), 1000);
      const after = await repository.findStalledPacers(new Date(NOW_MS + 61_000), 1000);
      // The loop of tick 0 is gone: only the one of tick 1 may stop the watch.
      await repository.clearPacerWatch(run.tenantId, run.broadcastId, 0);
      const afterStaleClear = await repository.findStalledPacers(new Date(NOW_MS + 61_000), 1000);
      await repository.clearPacerWatch(run.tenantId, run.broadcastId, 1);
      const cleared = await repository.findStalledPacers(new Date(NOW_MS + 61_000), 1000);

      // Assess
      const mine = (found: { broadcastId: string }[]) => found.filter((f) => f.broadcastId === run.broadcastId);
      expect(mine(before)).toEqual([]);
      expect(mine(after)).toEqual([{ tenantId: run.tenantId, broadcastId: run.broadcastId }]);
      expect(mine(afterStaleClear)).toEqual(mine(after));
      expect(mine(cleared)).toEqual([]);
      expect(await stored(run)).not.toHaveProperty('scheduledDuePk');
    });
  });

  describe('planSegment', () => {
    it('reads a fresh state for a segment no planner has started', async () => {
      // Prepare
      const run = await aRun(600, {}, 2);

      // Act
      const state = await segmentOf(run, 1);

      // Assess
      expect(state).toEqual(newPlanSegmentState(1));
    });
  });

  describe('leasePlanPage', () => {
    it("gives a segment's page to one planner at a time, and to another once the lease has run out", async () => {
      // Prepare
      const run = await aRun(600, {}, 2);

      // Act
      const first = await lease(run, { token: 'planner-a' });
      const duplicate = await lease(run, { token: 'planner-b', nowMs: NOW_MS + 89_000 });
      const wrongPage = await lease(run, { pages: 7, token: 'planner-c', nowMs: NOW_MS + 100_000 });
      const otherSegment = await lease(run, { segment: 1, token: 'planner-s1' });
      const afterExpiry = await lease(run, { token: 'planner-d', nowMs: NOW_MS + 100_000 });
      const expiredHolder = await commit(run, aPage({ lease: 'planner-a' }));

      // Assess
      expect([first, duplicate, wrongPage, otherSegment, afterExpiry]).toEqual([
        { retried: false },
        undefined,
        undefined,
        { retried: false },
        { retried: true },
      ]);
      expect(expiredHolder).toBe(false);
      expect(await segmentOf(run)).toMatchObject({ segment: 0, pages: 0, lease: 'planner-d' });
      expect(await segmentOf(run, 1)).toMatchObject({ segment: 1, pages: 0, lease: 'planner-s1' });
      expect(await stored(run)).toMatchObject({ plannedChunks: 0, segmentChunks: [0, 0] });
    });

    it('tells a page tried before (its planner gave up or died) from a fresh one', async () => {
      // Prepare
      const run = await aRun(600, {}, 2);
      const firstTry = await lease(run, { token: 'planner-a' });
      await repository.releasePlanLease(run.tenantId, run.broadcastId, 0, 'planner-a');

      // Act
      const secondTry = await lease(run, { token: 'planner-b' });
      // planner-a no longer holds the lease: its late release must not free planner-b's page.
      await repository.releasePlanLease(run.tenantId, run.broadcastId, 0, 'planner-a');
      const whileHeld = await lease(run, { token: 'planner-x' });
      const committed = await commit(run, aPage({ lease: 'planner-b' }));
      const nextPage = await lease(run, { pages: 1, token: 'planner-c' });
      const otherSegment = await lease(run, { segment: 1, token: 'planner-s1' });

      // Assess
      expect([firstTry, secondTry, whileHeld, committed, nextPage, otherSegment]).toEqual([
        { retried: false },
        { retried: true },
        undefined,
        true,
        { retried: false },
        { retried: false },
      ]);
    });
  });

  describe('commitPlanPage', () => {
    it('applies a page once: a second commit expecting the same page count is refused, under any lease', async () => {
      // Prepare
      const run = await aRun(600, {}, 2);
      await lease(run);

      // Act
      const first = await commit(run, aPage());
      const again = await commit(run, aPage());
      await lease(run, { pages: 1, token: 'planner-b' });
      const staleUnderNewLease = await commit(run, aPage({ lease: 'planner-b' }));

      // Assess
      expect([first, again, staleUnderNewLease]).toEqual([true, false, false]);
      expect(await segmentOf(run)).toEqual({
        segment: 0,
        pages: 1,
        cursor: 'cursor-1',
        carry: ['c-1', 'c-2'],
        chunks: 3,
        pending: 30,
        skipPages: 1,
        done: false,
        lease: 'planner-b',
        leaseUntil: NOW_MS + 90_000,
      });
      expect(await stored(run)).toMatchObject({
        planDone: false,
        plannedChunks: 3,
        plannedPending: 30,
        totalContacts: 35,
        skippedAtPlan: 5,
        planUpdatedAt: LATER,
        segmentChunks: [3, 0],
        segmentPending: [30, 0],
        segmentSkipPages: [1, 0],
        segmentWatch: [WATCH, START.getTime() + PLANNER_STALL_MS],
      });
    });

    it('lets exactly one of two concurrent planners commit the same page', async () => {
      // Prepare
      const run = await aRun(600, {}, 2);
      await lease(run);

      // Act
      const results = await Promise.all([1, 2].map(() => commit(run, aPage())));

      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await stored(run)).toMatchObject({ plannedChunks: 3, totalContacts: 35, segmentChunks: [3, 0] });
      expect(await segmentOf(run)).toMatchObject({ pages: 1 });
    });

    it('adds the next page on top, clears the cursor on the last page, and refuses anything once done', async () => {
      // Prepare
      const run = await aRun(600, {}, 2);
      await leaseAndCommit(run, aPage());
      await lease(run, { pages: 1 });

      // Act
      const last = await commit(
        run,
        aLastPage({
          expectedPages: 1,
          chunks: 4,
          pending: 32,
          newChunks: 1,
          newPending: 2,
          newContacts: 2,
          newSkipped: 0,
        }),
      );
      const leaseAfterDone = await lease(run, { pages: 2, token: 'planner-late', nowMs: NOW_MS + 100_000 });
      const commitAfterDone = await commit(run, aPage({ expectedPages: 2 }));

      // Assess
      expect([last, leaseAfterDone, commitAfterDone]).toEqual([true, undefined, false]);
      const segment = await segmentOf(run);
      expect(segment).toMatchObject({ pages: 2, chunks: 4, pending: 32, skipPages: 1, carry: [], done: true });
      expect(segment).not.toHaveProperty('cursor');
      expect(segment).not.toHaveProperty('lease');
      expect(await stored(run)).toMatchObject({
        plannedChunks: 4,
        plannedPending: 32,
        totalContacts: 37,
        skippedAtPlan: 5,
        segmentChunks: [4, 0],
        segmentWatch: [0, START.getTime() + PLANNER_STALL_MS],
        // Segment 1 has not planned anything yet.
        planDone: false,
      });
    });

    it("commits several segments' pages side by side: the totals add up, each segment keeps its own counts", async () => {
      // Prepare
      const run = await aRun(600, {}, 3);
      const pages = [
        aPage({ segment: 0, lease: 'planner-0' }),
        aPage({
          segment: 1,
          lease: 'planner-1',
          chunks: 2,
          pending: 20,
          skipPages: 0,
          newChunks: 2,
          newPending: 20,
          newContacts: 20,
          newSkipped: 0,
          watchUntil: WATCH + 1,
        }),
        aLastPage({
          segment: 2,
          lease: 'planner-2',
          chunks: 1,
          pending: 4,
          skipPages: 1,
          newChunks: 1,
          newPending: 4,
          newContacts: 6,
          newSkipped: 2,
        }),
      ];

      // Act
      const results = await Promise.all(pages.map((page) => leaseAndCommit(run, page)));

      // Assess
      expect(results).toEqual([true, true, true]);
      expect(await stored(run)).toMatchObject({
        plannedChunks: 6,
        plannedPending: 54,
        totalContacts: 61,
        skippedAtPlan: 7,
        segmentChunks: [3, 2, 1],
        segmentPending: [30, 20, 4],
        segmentSkipPages: [1, 0, 1],
        segmentWatch: [WATCH, WATCH + 1, 0],
        planDone: false,
      });
      const segments = await Promise.all([0, 1, 2].map((segment) => segmentOf(run, segment)));
      expect(segments.map(({ segment, pages: count, chunks, done }) => ({ segment, count, chunks, done }))).toEqual([
        { segment: 0, count: 1, chunks: 3, done: false },
        { segment: 1, count: 1, chunks: 2, done: false },
        { segment: 2, count: 1, chunks: 1, done: true },
      ]);
    });

    it('reads the plan done only once every segment has committed its last page, in any order', async () => {
      // Prepare
      const run = await aRun(600, {}, 3);
      const lastOf = (segment: number) =>
        aLastPage({
          segment,
          lease: `planner-${segment}`,
          chunks: 1,
          pending: 3,
          skipPages: 0,
          newChunks: 1,
          newPending: 3,
          newContacts: 3,
          newSkipped: 0,
        });

      // Act
      const progress: boolean[] = [];
      for (const segment of [2, 0, 1]) {
        await leaseAndCommit(run, lastOf(segment));
        progress.push((await stored(run)).planDone);
      }

      // Assess
      expect(progress).toEqual([false, false, true]);
      expect(await stored(run)).toMatchObject({ segmentWatch: [0, 0, 0], plannedChunks: 3, segmentChunks: [1, 1, 1] });
    });
  });

  describe('advancePacer', () => {
    it('moves the pacer on from the current tick only; a duplicate of that tick is refused', async () => {
      // Prepare
      const run = await aRun(600, { rescanRequested: true }, 2);
      const clock = { anchorMs: START.getTime() + 1000, spacingMs: run.slotSpacingMs as number, nextSlot: 29 };

      // Act
      const first = await repository.advancePacer(run.tenantId, run.broadcastId, {
        watchDeadline: new Date(NOW_MS + 60_000),
        tick: 0,
        releasedChunks: 29,
        segmentReleased: [15, 14],
        clock,
        rescanDone: true,
        sweeps: 0,
      });
      const duplicate = await repository.advancePacer(run.tenantId, run.broadcastId, {
        watchDeadline: new Date(NOW_MS + 60_000),
        tick: 0,
        releasedChunks: 58,
        segmentReleased: [29, 29],
        rescanDone: false,
        sweeps: 1,
      });
      const future = await repository.advancePacer(run.tenantId, run.broadcastId, {
        watchDeadline: new Date(NOW_MS + 60_000),
        tick: 5,
        releasedChunks: 99,
        segmentReleased: [50, 49],
        rescanDone: false,
        sweeps: 1,
      });

      // Assess
      expect([first, duplicate, future]).toEqual([true, false, false]);
      expect(await stored(run)).toMatchObject({
        pacerTick: 1,
        releasedChunks: 29,
        segmentReleased: [15, 14],
        slotAnchorMs: clock.anchorMs,
        nextSlot: 29,
        rescanRequested: false,
        sweeps: 0,
      });
    });

    it('keeps a rescan asked for meanwhile when the tick did not do one', async () => {
      // Prepare
      const run = await aRun(0, { rescanRequested: true });

      // Act
      await repository.advancePacer(run.tenantId, run.broadcastId, {
        watchDeadline: new Date(NOW_MS + 60_000),
        tick: 0,
        releasedChunks: 1,
        segmentReleased: [1],
        rescanDone: false,
        sweeps: 0,
      });

      // Assess
      expect(await stored(run)).toMatchObject({ pacerTick: 1, rescanRequested: true, releasedChunks: 1 });
    });
  });

  describe('allocateSlots', () => {
    it('hands out distinct slots, spaced by the slot spacing, to concurrent callers holding the same stale run', async () => {
      // Prepare
      const run = await aRun(600);
      const spacing = slotSpacingMs(600, run.chunkSize) as number;
      const earliest = START.getTime() + 5000;

      // Act
      const allocations = await Promise.all(
        Array.from({ length: 8 }, () => repository.allocateSlots(run, 3, earliest)),
      );

      // Assess
      const slots = allocations.flat().sort((a, b) => a - b);
      expect(new Set(slots).size).toBe(24);
      expect(slots[0]).toBe(earliest);
      expect(gaps(slots)).toHaveLength(23);
      for (const gap of gaps(slots)) expect(gap).toBeCloseTo(spacing, 3);
      for (const [a, b, c] of allocations as [number, number, number][]) {
        expect(b - a).toBeCloseTo(spacing, 3);
        expect(c - b).toBeCloseTo(spacing, 3);
      }
      expect(await stored(run)).toMatchObject({ nextSlot: 24, slotAnchorMs: earliest });
    });

    it('never moves the slot clock back, and gives nothing for an unlimited rate', async () => {
      // Prepare
      const rated = await aRun(600);
      const unlimited = await aRun(0);
      const spacing = rated.slotSpacingMs as number;
      const [ahead] = await repository.allocateSlots(rated, 1, START.getTime() + 60_000);

      // Act
      const [behind] = await repository.allocateSlots(rated, 1, START.getTime());
      const none = await repository.allocateSlots(unlimited, 2, START.getTime());

      // Assess
      expect(ahead).toBe(START.getTime() + 60_000);
      expect(behind).toBe((ahead as number) + spacing);
      expect(none).toEqual([]);
      expect(await stored(unlimited)).toMatchObject({ nextSlot: 0 });
    });
  });

  describe('commitTally', () => {
    it('counts a chunk exactly once when two senders tally it at the same time', async () => {
      // Prepare
      const run = await aRun();

      // Act
      const results = await Promise.all(
        [1, 2, 3].map(() => repository.commitTally(run.tenantId, run.broadcastId, aTally(4), LATER)),
      );
      const again = await repository.commitTally(run.tenantId, run.broadcastId, aTally(4), LATER);

      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(again).toBe(false);
      expect(await stored(run)).toMatchObject({
        talliedChunks: 1,
        talliedContacts: 10,
        sent: 7,
        failed: 2,
        skippedAtSend: 1,
        lastProgressAt: LATER,
      });
      const marker = await rawPartition(table, executionKeys.chunkPartition(run.tenantId, run.broadcastId, 4));
      expect(marker).toEqual([expect.objectContaining({ sk: executionKeys.tallySortKey, chunk: 4, contacts: 10 })]);
    });

    it('adds up the tallies of different chunks', async () => {
      // Prepare
      const run = await aRun();

      // Act
      await Promise.all([
        repository.commitTally(run.tenantId, run.broadcastId, aTally(0), LATER),
        repository.commitTally(
          run.tenantId,
          run.broadcastId,
          aTally(1, { contacts: 4, sent: 4, failed: 0, skipped: 0 }),
          LATER,
        ),
        repository.commitTally(
          run.tenantId,
          run.broadcastId,
          aTally(2, { contacts: 1, sent: 0, failed: 0, skipped: 1 }),
          LATER,
        ),
      ]);

      // Assess
      expect(await stored(run)).toMatchObject({
        talliedChunks: 3,
        talliedContacts: 15,
        sent: 11,
        failed: 2,
        skippedAtSend: 2,
      });
    });
  });

  describe('timeline', () => {
    it("adds each chunk's counts once to the bucket of the minute it was counted in, oldest bucket first", async () => {
      // Prepare
      const run = await aRun();
      const commit = (chunk: number, at: string, counts: Partial<ChunkTally> = {}) =>
        repository.commitTally(run.tenantId, run.broadcastId, aTally(chunk, counts), at);

      // Act
      await commit(2, '2025-01-15T12:02:10.000Z', { contacts: 4, sent: 1, failed: 2, skipped: 1 });
      await Promise.all([commit(0, '2025-01-15T12:01:00.000Z'), commit(1, '2025-01-15T12:01:59.999Z')]);
      await commit(1, '2025-01-15T12:02:30.000Z');
      const buckets = await repository.timeline(run.tenantId, run.broadcastId);

      // Assess
      expect(buckets).toEqual([
        { start: '2025-01-15T12:01:00.000Z', sent: 14, failed: 4, skipped: 2 },
        { start: '2025-01-15T12:02:00.000Z', sent: 1, failed: 2, skipped: 1 },
      ]);
      const counters = await stored(run);
      const total = (key: 'sent' | 'failed' | 'skipped') => buckets.reduce((sum, b) => sum + b[key], 0);
      expect({ sent: total('sent'), failed: total('failed'), skipped: total('skipped') }).toEqual({
        sent: counters.sent,
        failed: counters.failed,
        skipped: counters.skippedAtSend,
      });
    });

    it('is empty for a run with no chunk counted, and holds nothing of another broadcast', async () => {
      // Prepare
      const counted = await aRun();
      const idle = await aRun(600, { tenantId: counted.tenantId });
      await repository.commitTally(counted.tenantId, counted.broadcastId, aTally(0), LATER);

      // Act
      const buckets = await repository.timeline(idle.tenantId, idle.broadcastId);

      // Assess
      expect(buckets).toEqual([]);
    });

    it('costs one request per chunk, whatever its size: no write per message', async () => {
      // Prepare
      const run = await aRun();
      const requests: string[] = [];
      const meter = table.client.middlewareStack;
      meter.add(
        (next, context) => async (args) => {
          requests.push(String(context.commandName));
          return next(args);
        },
        { step: 'initialize', name: 'count-requests' },
      );

      // Act
      try {
        await repository.commitTally(
          run.tenantId,
          run.broadcastId,
          aTally(0, { contacts: 1, sent: 1, failed: 0, skipped: 0 }),
          LATER,
        );
        const small = requests.splice(0);
        await repository.commitTally(
          run.tenantId,
          run.broadcastId,
          aTally(1, { contacts: 500, sent: 450, failed: 30, skipped: 20 }),
          LATER,
        );
        const large = requests.splice(0);

        // Assess
        expect(small).toEqual(['TransactWriteItemsCommand']);
        expect(large).toEqual(small);
      } finally {
        meter.remove('count-requests');
      }
    });
  });

  describe('talliedChunks', () => {
    it('tells which of the chunks asked about have been counted, over more keys than one batch read takes', async () => {
      // Prepare
      const run = await aRun();
      const counted = [0, 3, 99, 100, 149];
      for (const chunk of counted) await repository.commitTally(run.tenantId, run.broadcastId, aTally(chunk), LATER);
      const other = await aRun();
      await repository.commitTally(other.tenantId, other.broadcastId, aTally(5), LATER);

      // Act
      const tallied = await repository.talliedChunks(
        run.tenantId,
        run.broadcastId,
        Array.from({ length: 150 }, (_, i) => i),
      );
      const some = await repository.talliedChunks(run.tenantId, run.broadcastId, [1, 3, 5]);

      // Assess
      expect([...tallied].sort((a, b) => a - b)).toEqual(counted);
      expect([...some]).toEqual([3]);
    });
  });

  describe('restartPacer', () => {
    it('bumps the tick, asks for a rescan and returns the new tick', async () => {
      // Prepare
      const run = await aRun(600, { pacerTick: 7 });

      // Act
      const tick = await repository.restartPacer(run.tenantId, run.broadcastId, { watchDeadline: new Date(NOW_MS) });

      // Assess
      expect(tick).toBe(8);
      expect(await stored(run)).toMatchObject({ pacerTick: 8, rescanRequested: true });
      const staleLoop = await repository.advancePacer(run.tenantId, run.broadcastId, {
        watchDeadline: new Date(NOW_MS + 60_000),
        tick: 7,
        releasedChunks: 1,
        segmentReleased: [1],
        rescanDone: false,
        sweeps: 0,
      });
      expect(staleLoop).toBe(false);
    });

    it('does not create a run that does not exist', async () => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();

      // Act
      const outcome = await repository.restartPacer(tenantId, broadcastId, { watchDeadline: new Date(NOW_MS) }).then(
        () => 'restarted',
        () => 'refused',
      );

      // Assess
      expect(outcome).toBe('refused');
      expect(await rawPartition(table, runKeys.byBroadcast(tenantId, broadcastId).pk)).toEqual([]);
    });
  });
});
