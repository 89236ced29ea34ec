import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import type { BroadcastRun } from '../../lib/domain/broadcast-run.js';
import type { Channel } from '../../lib/domain/channel.js';
import { CAP_GUARD, MAX_CAP_HOLD_MS, sendSpacingMs } from '../../lib/domain/channel-pace.js';
import { SHARE_OVERBOOKING } from '../../lib/domain/channel-share.js';
import { SEND_GUARD_MS, SEND_WINDOW_MS, slotSpacingMs } from '../../lib/domain/pacing.js';
import type { ChannelPaceStore } from '../../lib/ports/channel-pace-store.js';
import type { SendChunkMessage } from '../../lib/ports/message-queue.js';
import { createChannel } from '../../lib/use-cases/channel-commands.js';
import { IN_FLIGHT_GROUP_SIZE } from '../../lib/use-cases/deliver-chunk.js';
import { CAPPED_RELEASE_HORIZON_MS, paceBroadcast } from '../../lib/use-cases/pace-broadcast.js';
import { pauseBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import { createTestTable, newTenantId, TestClock, type TestDeps, type TestTable } from '../support/dynamodb.js';
import {
  allExecutions,
  aPlannedBroadcast,
  pipelineDeps,
  ScriptedChannel,
  takeChunks,
  takePipeline,
} from '../support/pipeline.js';

/**
 * The sender and the pacer with a channel-wide cap and with the narrower in-flight window, on DynamoDB Local with a
 * clock the test moves (the sends still wait for their instants in real time: a few hundred milliseconds).
 */

let table: TestTable;
let clock: TestClock;
let channel: ScriptedChannel;
let deps: TestDeps;
/** Calls that reached the pace store, by method. */
let paceCalls: Record<string, number>;

const LEASE_MS = 180_000;
const CAP = 20;
/** What the broadcasts on a 20/s channel share (channel-shares.ts): 20 × 0.93 × 1.05 = 19.53 messages/s. */
const SHARED = CAP * CAP_GUARD * SHARE_OVERBOOKING;
/** A chunk on it holds at most half a second of the channel (pacing.ts, chunkSizeForShare). */
const CHUNK = Math.floor(SHARED / 2);

beforeAll(async () => {
  table = await createTestTable();
});

beforeEach(() => {
  clock = new TestClock('2025-01-15T12:00:00.000Z');
  useChannel(new ScriptedChannel(clock));
});

afterAll(async () => {
  await table.release();
});

function useChannel(next: ScriptedChannel) {
  channel = next;
  deps = pipelineDeps(table, clock, channel, { claimLeaseMs: LEASE_MS, maxSendAttempts: 3 });
  paceCalls = {};
  deps.channelPace = counting(deps.channelPace, paceCalls);
}

/** The store, counting each call by method. */
function counting(store: ChannelPaceStore, calls: Record<string, number>): ChannelPaceStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(name)] = (calls[String(name)] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
}

async function aCappedChannel(tenantId: string, maxMessagesPerSecond = CAP): Promise<Channel> {
  return createChannel(deps, tenantId, {
    name: 'capped',
    type: 'log',
    config: {},
    requiredAddress: 'none',
    isDefault: false,
    maxMessagesPerSecond,
  });
}

const names = (count: number, prefix = 'C') =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

async function aBroadcastOn(tenantId: string, channelId: string | undefined, count: number, rateLimit = 0) {
  const planned = await aPlannedBroadcast(deps, tenantId, {
    contacts: names(count).map((name) => ({ name })),
    rateLimit,
    ...(channelId ? { channelId } : {}),
  });
  const message = (chunk = 0): SendChunkMessage => ({ tenantId, broadcastId: planned.broadcast.id, chunk });
  return { ...planned, message };
}

async function executionsOf(tenantId: string, broadcastId: string): Promise<BroadcastExecution[]> {
  return allExecutions(deps, tenantId, broadcastId);
}

async function runOf(tenantId: string, broadcastId: string): Promise<BroadcastRun> {
  const run = await deps.runs.get(tenantId, broadcastId);
  if (!run) throw new Error('no run');
  return run;
}

const isSent = (e: BroadcastExecution) => e.status === 'sent';

/** Polls until `check` holds (work still going on behind a crashed sender). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the condition never held');
}

const statuses = (executions: readonly BroadcastExecution[]) =>
  executions.reduce<Record<string, number>>((tally, e) => {
    const key = e.reason ? `${e.status}:${e.reason}` : e.status;
    tally[key] = (tally[key] ?? 0) + 1;
    return tally;
  }, {});

describe('the in-flight window where the channel cannot de-duplicate', () => {
  beforeEach(() => useChannel(new ScriptedChannel(clock, false)));

  it('names only the group in flight: a sender dying mid-send leaves one outcome unknown, not the chunk’s', async () => {
    // Prepare: 12 contacts in one chunk; the 8th (second group) crashes after the provider accepted it.
    const tenantId = newTenantId();
    const b = await aBroadcastOn(tenantId, undefined, 12);
    const order = (await deps.executions.listChunk(tenantId, b.broadcast.id, 0)).map((e) => e.contactId);
    channel.script(order[7] as string, 'crash');
    const crashed = channel.whenCrashed();
    void sendChunk(deps, b.message());
    await crashed;
    // The rest of its group still lands and is recorded: 5 of the first group, 4 of the second.
    await eventually(async () => (await executionsOf(tenantId, b.broadcast.id)).filter(isSent).length === 9);
    const lease = (await deps.executions.readChunk(tenantId, b.broadcast.id, 0)).lease;
    clock.advance(LEASE_MS + 1000);

    // Act: the chunk comes back after the lease expired.
    const { result } = await sendChunk(deps, b.message());

    // Assess
    expect(lease?.inFlight).toEqual(order.slice(IN_FLIGHT_GROUP_SIZE, 2 * IN_FLIGHT_GROUP_SIZE));
    expect(result).toBe('counted');
    expect(statuses(await executionsOf(tenantId, b.broadcast.id))).toEqual({
      sent: 11,
      'failed:outcome_unknown': 1,
    });
    expect([...channel.contactIds()].sort()).toEqual([...order].sort());
  });

  it('stops between two groups when the broadcast is paused meanwhile, and gives the lease back', async () => {
    // Prepare
    const tenantId = newTenantId();
    const b = await aBroadcastOn(tenantId, undefined, 12);
    channel.whileSending = async () => {
      channel.whileSending = undefined;
      await pauseBroadcast(deps, tenantId, b.broadcast.id);
    };

    // Act
    const { result } = await sendChunk(deps, b.message());

    // Assess
    expect(result).toBe('dropped');
    expect(channel.received).toHaveLength(IN_FLIGHT_GROUP_SIZE);
    expect(statuses(await executionsOf(tenantId, b.broadcast.id))).toEqual({ sent: 5, pending: 7 });
    expect((await deps.executions.readChunk(tenantId, b.broadcast.id, 0)).lease).toEqual({ version: 1, inFlight: [] });
  });

  it('costs one conditional lease write per group, under one lease version', async () => {
    // Prepare
    const tenantId = newTenantId();
    const b = await aBroadcastOn(tenantId, undefined, 12);
    const writes: string[] = [];
    const executions = deps.executions;
    deps.executions = Object.assign(Object.create(executions), {
      takeChunkLease: (...args: Parameters<typeof executions.takeChunkLease>) => {
        writes.push(`take ${args[3].inFlight.length}`);
        return executions.takeChunkLease(...args);
      },
      renameChunkLease: (...args: Parameters<typeof executions.renameChunkLease>) => {
        writes.push(`name ${args[3].inFlight.length}`);
        return executions.renameChunkLease(...args);
      },
    });

    // Act
    const { result } = await sendChunk(deps, b.message());

    // Assess
    expect(result).toBe('counted');
    expect(writes).toEqual(['take 5', 'name 5', 'name 2']);
    expect(statuses(await executionsOf(tenantId, b.broadcast.id))).toEqual({ sent: 12 });
  });
});

describe('a channel-wide cap', () => {
  it('touches nothing of the pace store for a channel without a cap: not one request', async () => {
    // Prepare
    const tenantId = newTenantId();
    const b = await aBroadcastOn(tenantId, undefined, 3);

    // Act
    await paceBroadcast(deps, tenantId, b.broadcast.id, 0);
    const { result } = await sendChunk(deps, b.message());

    // Assess
    expect(result).toBe('counted');
    expect(b.run.cappedChannel).toBeUndefined();
    expect(paceCalls).toEqual({});
  });

  it('puts the chunks of two broadcasts on one timeline, spaced for the cap', async () => {
    // Prepare
    const tenantId = newTenantId();
    const capped = await aCappedChannel(tenantId);
    const a = await aBroadcastOn(tenantId, capped.id, 6);
    const b = await aBroadcastOn(tenantId, capped.id, 6);
    const ref = { tenantId, channelId: capped.id };

    // Act
    const results = await Promise.all([sendChunk(deps, a.message()), sendChunk(deps, b.message())]);

    // Assess: twelve sends on the line, one after the other; the second broadcast's start after the first's.
    expect(results.map((r) => r.result)).toEqual(['counted', 'counted']);
    expect(channel.received).toHaveLength(12);
    const pace = await deps.channelPace.read(ref);
    const spacing = sendSpacingMs(CAP);
    expect(pace.tatMs - clock.now().getTime()).toBeCloseTo(50 + 12 * spacing, 2);
    expect(paceCalls.reserve).toBe(2);
  });

  it('sends what fits in the chunk’s slot window, defers the rest to a fresh slot, and then sends it', async () => {
    // Prepare: 3,000/min on a channel capped at 100/s: chunks of 9 (half the 200 ms decision window of the channel's
    // 93/s timeline). The chunk's slot is now: its window (the rate_limit's bound) ends in 200 ms. The timeline is
    // busy for the next 15 sends (161 ms).
    const tenantId = newTenantId();
    const capped = await aCappedChannel(tenantId, 100);
    const b = await aBroadcastOn(tenantId, capped.id, 9, 3000);
    const now = clock.now().getTime();
    const busy = 15;
    await deps.channelPace.reserve(
      { tenantId, channelId: capped.id },
      { capPerSecond: 100, count: busy, earliestMs: now, latestMs: now + 5000, nowMs: now },
    );
    const fits = Math.ceil((SEND_WINDOW_MS - SEND_GUARD_MS) / sendSpacingMs(100)) - busy;

    // Act
    const first = await sendChunk(deps, { ...b.message(), slotAt: now });
    const [again] = takeChunks(deps);
    clock.set(new Date(again?.body.slotAt as number).toISOString());
    const second = await sendChunk(deps, again?.body as SendChunkMessage);

    // Assess: 4 sends start between 161 and 200 ms (10.8 ms apart); the other 5 go in the next slot.
    expect(b.run.chunkSize).toBe(9);
    expect(fits).toBe(4);
    expect(first).toMatchObject({ result: 'retry_later', sent: fits });
    expect(again?.body.slotAt).toBeGreaterThanOrEqual(now + 1000);
    expect(second).toMatchObject({ result: 'counted', sent: 9 - fits });
    expect(new Set(channel.contactIds()).size).toBe(9);
    expect(channel.received).toHaveLength(9);
    expect(statuses(await executionsOf(tenantId, b.broadcast.id))).toEqual({ sent: 9 });
  });

  it('still sends a late chunk of an unlimited broadcast: its slots share the channel out, they keep no rate', async () => {
    // Prepare
    const tenantId = newTenantId();
    const capped = await aCappedChannel(tenantId);
    const b = await aBroadcastOn(tenantId, capped.id, 4);
    const slotAt = clock.now().getTime() - SEND_WINDOW_MS;

    // Act
    const report = await sendChunk(deps, { ...b.message(), slotAt });

    // Assess
    expect(report).toMatchObject({ result: 'counted', sent: 4 });
    expect(takeChunks(deps)).toEqual([]);
  });

  it('defers a whole chunk when the timeline is busy beyond the longest hold, sending nothing', async () => {
    // Prepare
    const tenantId = newTenantId();
    const capped = await aCappedChannel(tenantId);
    const b = await aBroadcastOn(tenantId, capped.id, 3);
    const now = clock.now().getTime();
    const busyFor = Math.ceil((MAX_CAP_HOLD_MS + 500) / sendSpacingMs(CAP));
    await deps.channelPace.reserve(
      { tenantId, channelId: capped.id },
      { capPerSecond: CAP, count: busyFor, earliestMs: now, latestMs: now + 10_000, nowMs: now },
    );

    // Act
    const report = await sendChunk(deps, b.message());

    // Assess
    expect(report).toMatchObject({ result: 'retry_later', sent: 0 });
    expect(channel.received).toEqual([]);
    expect(takeChunks(deps)).toHaveLength(1);
    expect((await deps.executions.readChunk(tenantId, b.broadcast.id, 0)).lease).toEqual({ version: 1, inFlight: [] });
  });

  it('retries a throttled message, never fails it, and halves the channel’s effective pace', async () => {
    // Prepare
    const tenantId = newTenantId();
    const capped = await aCappedChannel(tenantId);
    const b = await aBroadcastOn(tenantId, capped.id, 3);
    channel.script(b.contacts[1]?.id as string, { kind: 'transient', reason: 'HTTP 429', throttled: true });

    // Act
    const report = await sendChunk(deps, b.message());

    // Assess
    expect(report).toMatchObject({ result: 'retry_later', sent: 2, retried: 1, throttled: 1, failed: 0 });
    const throttled = (await executionsOf(tenantId, b.broadcast.id)).find((e) => e.contactId === b.contacts[1]?.id);
    expect(throttled).toMatchObject({ status: 'pending', attempts: 1 });
    const pace = await deps.channelPace.read({ tenantId, channelId: capped.id });
    expect(pace.decrease).toEqual({ ratePerSecond: CAP / 2, atMs: clock.now().getTime() });
  });
});

describe('fair shares of a capped channel', () => {
  it('sizes and paces a broadcast for its share: alone, the whole channel; with a second, half', async () => {
    // Prepare
    const tenantId = newTenantId();
    const capped = await aCappedChannel(tenantId);
    const a = await aBroadcastOn(tenantId, capped.id, 200);
    await paceBroadcast(deps, tenantId, a.broadcast.id, 0);
    const aloneSpacing = (await runOf(tenantId, a.broadcast.id)).slotSpacingMs;

    // Act: a second broadcast starts; the first's next tick sees it.
    const b = await aBroadcastOn(tenantId, capped.id, 200);
    await paceBroadcast(deps, tenantId, b.broadcast.id, 0);
    clock.advance(CAPPED_RELEASE_HORIZON_MS / 2);
    await paceBroadcast(deps, tenantId, a.broadcast.id, 1);

    // Assess: chunks of 9 (half a second of the channel), one every 461 ms alone; then every 922 ms.
    expect(a.run).toMatchObject({ cappedChannel: { channelId: capped.id, capPerSecond: CAP }, chunkSize: CHUNK });
    expect(aloneSpacing).toBe(Math.ceil((CHUNK * 1000) / SHARED));
    expect(b.run.chunkSize).toBe(CHUNK);
    expect(b.run.slotSpacingMs).toBe(Math.ceil((CHUNK * 1000) / (SHARED / 2)));
    expect((await runOf(tenantId, a.broadcast.id)).slotSpacingMs).toBe(Math.ceil((CHUNK * 1000) / (SHARED / 2)));
    const released = takeChunks(deps);
    expect(released.every((m) => m.body.slotAt !== undefined)).toBe(true);
    expect(released.filter((m) => m.body.broadcastId === b.broadcast.id).length).toBeGreaterThan(0);
  });

  it('leaves a slower broadcast its own rate and gives the unlimited one the rest', async () => {
    // Prepare: 120/min is 2/s.
    const tenantId = newTenantId();
    const capped = await aCappedChannel(tenantId);
    const slow = await aBroadcastOn(tenantId, capped.id, 50, 120);
    await paceBroadcast(deps, tenantId, slow.broadcast.id, 0);

    // Act
    const fast = await aBroadcastOn(tenantId, capped.id, 50);
    await paceBroadcast(deps, tenantId, fast.broadcast.id, 0);

    // Assess: the slow one keeps its own spacing (rate_limit 120 in chunks of one: 120 slots in 60 s plus the send
    // window), the other gets the rest.
    const slowRun = await runOf(tenantId, slow.broadcast.id);
    const fastRun = await runOf(tenantId, fast.broadcast.id);
    expect(slowRun.chunkSize).toBe(1);
    expect(slowRun.slotSpacingMs).toBe(slotSpacingMs(120, 1));
    expect((slowRun.slotSpacingMs as number) * 120).toBeGreaterThan(60_000 + SEND_WINDOW_MS);
    expect(fastRun.chunkSize).toBe(CHUNK);
    expect(fastRun.slotSpacingMs).toBe(Math.ceil((CHUNK * 1000) / (SHARED - 2)));
  });

  it('withdraws a broadcast’s claim when its loop ends, so the others get its part', async () => {
    // Prepare
    const tenantId = newTenantId();
    const capped = await aCappedChannel(tenantId);
    const b = await aBroadcastOn(tenantId, capped.id, 100);
    await paceBroadcast(deps, tenantId, b.broadcast.id, 0);
    const claimed = await deps.channelPace.readClaims({ tenantId, channelId: capped.id });
    await pauseBroadcast(deps, tenantId, b.broadcast.id);
    takePipeline(deps);

    // Act
    await paceBroadcast(deps, tenantId, b.broadcast.id, 1);

    // Assess
    expect(claimed.map((c) => c.broadcastId)).toEqual([b.broadcast.id]);
    expect(await deps.channelPace.readClaims({ tenantId, channelId: capped.id })).toEqual([]);
  });
});
