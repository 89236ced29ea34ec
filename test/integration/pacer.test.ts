import type { BroadcastRun } from '../../lib/domain/broadcast-run.js';
import { SEND_WINDOW_MS, slotSpacingMs } from '../../lib/domain/pacing.js';
import type { SendChunkMessage } from '../../lib/ports/message-queue.js';
import { MAX_CHUNKS_PER_TICK, paceBroadcast, RELEASE_HORIZON_MS } from '../../lib/use-cases/pace-broadcast.js';
import { cancelBroadcast, pauseBroadcast, resumeBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import { newTenantId, TestClock, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import {
  allExecutions,
  aPlannedBroadcast,
  aRunState,
  gaps,
  pipelineDeps,
  ScriptedChannel,
  takeChunks,
  takePipeline,
} from '../support/pipeline.js';

const table = testTableForFile();
let clock: TestClock;
let deps: TestDeps;

const SWEEP_IDLE_MS = 60_000;
const MAX_SWEEPS = 2;

beforeEach(() => {
  clock = new TestClock('2025-01-15T12:00:00.000Z');
  deps = pipelineDeps(table, clock, new ScriptedChannel(clock), { sweepIdleMs: SWEEP_IDLE_MS, maxSweeps: MAX_SWEEPS });
});

async function runOf(tenantId: string, broadcastId: string): Promise<BroadcastRun> {
  const run = await deps.runs.get(tenantId, broadcastId);
  if (!run) throw new Error('no run');
  return run;
}

/** The pace messages put on the pipeline queue since the last take. */
function paceMessages() {
  return takePipeline(deps).filter((m) => m.message.type === 'pace');
}

const chunkNumbers = (messages: readonly { body: SendChunkMessage }[]) => messages.map((m) => m.body.chunk);
const range = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);

describe('paceBroadcast (the pacer) on DynamoDB', () => {
  describe('unlimited rate', () => {
    it('releases every planned chunk, at most MAX_CHUNKS_PER_TICK per tick, without delay', async () => {
      // Prepare
      const tenantId = newTenantId();
      const { broadcast } = await aRunState(deps, table, tenantId, 0, {
        planDone: true,
        plannedChunks: 900,
        plannedPending: 900 * 25,
      });
      const released: { body: SendChunkMessage; delaySeconds?: number }[] = [];
      const delays: number[] = [];

      // Act
      for (let tick = 0; tick < 3; tick++) {
        await paceBroadcast(deps, tenantId, broadcast.id, tick);
        const batch = takeChunks(deps);
        expect(batch.length).toBeLessThanOrEqual(MAX_CHUNKS_PER_TICK);
        released.push(...batch);
        const [next] = paceMessages();
        delays.push(next?.delaySeconds as number);
        expect(next?.message).toEqual({ type: 'pace', tenantId, broadcastId: broadcast.id, tick: tick + 1 });
      }

      // Assess
      expect(MAX_CHUNKS_PER_TICK).toBe(400);
      expect(chunkNumbers(released)).toEqual(range(0, 900));
      expect(released.every((m) => m.delaySeconds === 0 && m.body.slotAt === undefined)).toBe(true);
      expect(delays.slice(0, 2)).toEqual([0, 0]);
      expect(delays[2]).toBe(SWEEP_IDLE_MS / 2000);
      expect(await runOf(tenantId, broadcast.id)).toMatchObject({ releasedChunks: 900, pacerTick: 3 });
    });

    it('releases nothing before the planner commits, and checks back soon', async () => {
      // Prepare
      const tenantId = newTenantId();
      const { broadcast } = await aRunState(deps, table, tenantId, 0);

      // Act
      await paceBroadcast(deps, tenantId, broadcast.id, 0);

      // Assess
      expect(takeChunks(deps)).toEqual([]);
      expect(paceMessages()).toEqual([
        { message: { type: 'pace', tenantId, broadcastId: broadcast.id, tick: 1 }, delaySeconds: 1 },
      ]);
    });
  });

  describe('rated', () => {
    it('releases only the chunks whose slots fall within the release horizon, spaced by the slot spacing', async () => {
      // Prepare: 60/min, chunks of 1, one slot every 1,005 ms (60 slots in 60 s plus the 300 ms send window).
      const tenantId = newTenantId();
      const { broadcast, run } = await aRunState(deps, table, tenantId, 60, {
        planDone: true,
        plannedChunks: 100,
        plannedPending: 100,
      });
      const spacing = slotSpacingMs(60, 1) as number;
      const start = clock.now().getTime();

      // Act
      await paceBroadcast(deps, tenantId, broadcast.id, 0);
      const first = takeChunks(deps);
      const [nextTick] = paceMessages();
      clock.advance((nextTick?.delaySeconds as number) * 1000);
      await paceBroadcast(deps, tenantId, broadcast.id, 1);
      const second = takeChunks(deps);

      // Assess
      expect(run.chunkSize).toBe(1);
      // A minute and the send window over the 60 chunks of a minute.
      expect(spacing).toBeCloseTo((60_000 + SEND_WINDOW_MS) / 60, 2);
      expect(chunkNumbers(first)).toEqual(range(0, 29));
      const slots = [...first, ...second].map((m) => m.body.slotAt as number);
      expect(slots[0]).toBe(start + 1000);
      for (const gap of gaps(slots)) expect(gap).toBeCloseTo(spacing, 3);
      expect(first.every((m) => (m.body.slotAt as number) < start + RELEASE_HORIZON_MS)).toBe(true);
      for (const m of first) expect(m.delaySeconds).toBe(Math.floor(((m.body.slotAt as number) - start) / 1000));
      expect(nextTick?.delaySeconds).toBe(15);
      const secondTickAt = start + 15_000;
      expect(chunkNumbers(second)).toEqual(range(29, 15));
      expect(second.every((m) => (m.body.slotAt as number) < secondTickAt + RELEASE_HORIZON_MS)).toBe(true);
      for (const m of second)
        expect(m.delaySeconds).toBe(Math.floor(((m.body.slotAt as number) - secondTickAt) / 1000));
      expect(await runOf(tenantId, broadcast.id)).toMatchObject({ releasedChunks: 44, nextSlot: 44, pacerTick: 2 });
    });
  });

  describe('ticks', () => {
    it('ignores a stale or duplicated tick: nothing released, no second loop', async () => {
      // Prepare
      const tenantId = newTenantId();
      const { broadcast } = await aRunState(deps, table, tenantId, 0, {
        planDone: true,
        plannedChunks: 3,
        plannedPending: 75,
      });
      await paceBroadcast(deps, tenantId, broadcast.id, 0);
      takeChunks(deps);
      paceMessages();

      // Act
      await paceBroadcast(deps, tenantId, broadcast.id, 0);
      await paceBroadcast(deps, tenantId, broadcast.id, 7);

      // Assess
      expect(takeChunks(deps)).toEqual([]);
      expect(paceMessages()).toEqual([]);
      expect(await runOf(tenantId, broadcast.id)).toMatchObject({ pacerTick: 1, releasedChunks: 3 });
    });

    it('lets only one of two concurrent copies of a tick release', async () => {
      // Prepare
      const tenantId = newTenantId();
      const { broadcast } = await aRunState(deps, table, tenantId, 0, {
        planDone: true,
        plannedChunks: 5,
        plannedPending: 125,
      });

      // Act
      await Promise.all([
        paceBroadcast(deps, tenantId, broadcast.id, 0),
        paceBroadcast(deps, tenantId, broadcast.id, 0),
      ]);

      // Assess
      expect(chunkNumbers(takeChunks(deps))).toEqual(range(0, 5));
      expect(paceMessages()).toHaveLength(1);
    });
  });

  describe('pause, resume and cancel', () => {
    it('releases nothing and stops its loop while paused', async () => {
      // Prepare
      const tenantId = newTenantId();
      const { broadcast } = await aRunState(
        deps,
        table,
        tenantId,
        600,
        { planDone: true, plannedChunks: 10, plannedPending: 100 },
        'paused',
      );

      // Act
      await paceBroadcast(deps, tenantId, broadcast.id, 0);

      // Assess
      expect(takeChunks(deps)).toEqual([]);
      expect(paceMessages()).toEqual([]);
      expect(await runOf(tenantId, broadcast.id)).toMatchObject({ pacerTick: 0, releasedChunks: 0 });
    });

    it('re-releases on resume only the chunks parked while paused, with fresh slots; the ones still queued keep theirs', async () => {
      // Prepare: 60/min, 35 chunks of 1 planned; the first tick released 29; chunks 0 and 1 were counted; chunks 2 to
      // 9 reached a sender while paused (parked), 10 to 28 are still queued.
      const tenantId = newTenantId();
      const { broadcast } = await aPlannedBroadcast(deps, tenantId, {
        contacts: Array.from({ length: 35 }, () => ({})),
        rateLimit: 60,
      });
      await paceBroadcast(deps, tenantId, broadcast.id, 0);
      const firstRelease = takeChunks(deps);
      paceMessages();
      for (const message of firstRelease.slice(0, 2)) {
        clock.set(new Date(message.body.slotAt as number).toISOString());
        expect((await sendChunk(deps, message.body)).result).toBe('counted');
      }
      await pauseBroadcast(deps, tenantId, broadcast.id);
      for (const message of firstRelease.slice(2, 10)) {
        clock.set(new Date(message.body.slotAt as number).toISOString());
        expect((await sendChunk(deps, message.body)).result).toBe('dropped');
      }
      await paceBroadcast(deps, tenantId, broadcast.id, 1);
      expect(takeChunks(deps)).toEqual([]);
      clock.advance(600_000);

      // Act
      await resumeBroadcast(deps, tenantId, broadcast.id);
      const [restart] = paceMessages();
      await paceBroadcast(deps, tenantId, broadcast.id, restart?.message.type === 'pace' ? restart.message.tick : -1);
      const released = takeChunks(deps);

      // Assess
      expect(chunkNumbers(firstRelease)).toEqual(range(0, 29));
      expect(restart?.message).toMatchObject({ type: 'pace', tick: 2 });
      expect(chunkNumbers(released)).toEqual([...range(2, 8), ...range(29, 6)]);
      const now = clock.now().getTime();
      const slots = released.map((m) => m.body.slotAt as number);
      expect(slots[0]).toBe(now + 1000);
      expect(gaps(slots)).toHaveLength(13);
      for (const gap of gaps(slots)) expect(gap).toBeCloseTo(slotSpacingMs(60, 1) as number, 3);
      expect(await deps.runs.parkedChunks(tenantId, broadcast.id, range(0, 35))).toEqual(new Map());
      expect(await runOf(tenantId, broadcast.id)).toMatchObject({
        rescanParked: false,
        releasedChunks: 35,
        pacerTick: 3,
      });
    });

    it('drains on cancel: every chunk not counted yet is released at once, without slots, and ends skipped', async () => {
      // Prepare
      const tenantId = newTenantId();
      const channel = new ScriptedChannel(clock);
      deps = pipelineDeps(table, clock, channel);
      const { broadcast } = await aPlannedBroadcast(deps, tenantId, {
        // Chunks of 10 (3,000/min).
        contacts: Array.from({ length: 40 }, () => ({})),
        rateLimit: 3000,
      });
      await paceBroadcast(deps, tenantId, broadcast.id, 0);
      const [first] = takeChunks(deps);
      clock.set(new Date(first?.body.slotAt as number).toISOString());
      await sendChunk(deps, first?.body as SendChunkMessage);
      paceMessages();

      // Act
      await cancelBroadcast(deps, tenantId, broadcast.id);
      const [restart] = paceMessages();
      await paceBroadcast(deps, tenantId, broadcast.id, restart?.message.type === 'pace' ? restart.message.tick : -1);
      const drain = takeChunks(deps);
      for (const message of drain) await sendChunk(deps, message.body);

      // Assess
      expect(chunkNumbers(drain)).toEqual([1, 2, 3]);
      expect(drain.every((m) => m.body.slotAt === undefined && m.delaySeconds === 0)).toBe(true);
      expect(channel.received).toHaveLength(10);
      const executions = await allExecutions(deps, tenantId, broadcast.id);
      expect(executions.filter((e) => e.status === 'sent')).toHaveLength(10);
      expect(executions.filter((e) => e.status === 'skipped' && e.reason === 'cancelled')).toHaveLength(30);
      expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({
        status: 'cancelled',
        totalContacts: 40,
        sent: 10,
        skipped: 30,
        sending: 0,
      });
    });
  });

  describe('watchdog', () => {
    it('stops watching the loop of a run that completed before its next tick', async () => {
      // Prepare: one chunk, released and sent; the tick that would end the loop is still on the queue
      const tenantId = newTenantId();
      const { broadcast } = await aPlannedBroadcast(deps, tenantId, { contacts: [{}] });
      await paceBroadcast(deps, tenantId, broadcast.id, 0);
      for (const { body } of takeChunks(deps)) await sendChunk(deps, body);
      const nextTick = paceMessages();

      // Act: the watchdog looks a day later
      const stalled = await deps.runs.findStalledPacers(new Date(clock.now().getTime() + 86_400_000), 1000);

      // Assess
      expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({ status: 'completed', sent: 1 });
      expect(nextTick).toHaveLength(1);
      expect(stalled).not.toContainEqual({ tenantId, broadcastId: broadcast.id });
    });
  });

  describe('idle sweep', () => {
    it('re-releases chunks never counted after sweepIdleMs without progress, and after maxSweeps finalizes them', async () => {
      // Prepare: 3 chunks of 1 released; only chunk 0 arrives, the other two messages are lost.
      const tenantId = newTenantId();
      const channel = new ScriptedChannel(clock);
      deps = pipelineDeps(table, clock, channel, { sweepIdleMs: SWEEP_IDLE_MS, maxSweeps: MAX_SWEEPS });
      const { broadcast } = await aPlannedBroadcast(deps, tenantId, { contacts: [{}, {}, {}], rateLimit: 60 });
      await paceBroadcast(deps, tenantId, broadcast.id, 0);
      const [first] = takeChunks(deps);
      clock.set(new Date(first?.body.slotAt as number).toISOString());
      await sendChunk(deps, first?.body as SendChunkMessage);
      let tick = 1;
      const paceNow = async () => {
        await paceBroadcast(deps, tenantId, broadcast.id, tick++);
        return { chunks: takeChunks(deps), next: paceMessages()[0] };
      };

      // Act
      const notIdleYet = await paceNow();
      clock.advance(SWEEP_IDLE_MS + 1);
      const sweep1 = await paceNow();
      clock.advance(SWEEP_IDLE_MS + 1);
      const sweep2 = await paceNow();
      clock.advance(SWEEP_IDLE_MS + 1);
      const final = await paceNow();
      for (const message of final.chunks) await sendChunk(deps, message.body);
      const last = await paceNow();

      // Assess
      expect(notIdleYet.chunks).toEqual([]);
      expect(notIdleYet.next?.delaySeconds).toBe(SWEEP_IDLE_MS / 2000);
      for (const sweep of [sweep1, sweep2]) {
        expect(chunkNumbers(sweep.chunks)).toEqual([1, 2]);
        expect(sweep.chunks.every((m) => m.body.slotAt !== undefined && !m.body.finalize)).toBe(true);
      }
      expect(chunkNumbers(final.chunks)).toEqual([1, 2]);
      expect(final.chunks.every((m) => m.body.finalize === true && m.body.slotAt === undefined)).toBe(true);
      expect(channel.received).toHaveLength(1);
      const executions = await allExecutions(deps, tenantId, broadcast.id);
      expect(executions.filter((e) => e.status === 'failed' && e.reason === 'undeliverable')).toHaveLength(2);
      expect(last.chunks).toEqual([]);
      expect(last.next).toBeUndefined();
      expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({
        status: 'completed',
        sent: 1,
        failed: 2,
      });
    });
  });
});
