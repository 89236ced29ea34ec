import { randomUUID } from 'node:crypto';
import { DynamoDbChannelPaceStore } from '../../lib/adapters/dynamodb/channel-pace-store.js';
import { channelPaceKeys } from '../../lib/adapters/dynamodb/keys.js';
import { DECREASE_COOLDOWN_MS, sendInstants, sendSpacingMs } from '../../lib/domain/channel-pace.js';
import type { ChannelRef, PaceReservationRequest } from '../../lib/ports/channel-pace-store.js';
import { createTestTable, newTenantId, rawPartition, type TestTable } from '../support/dynamodb.js';

/**
 * The capped channels' shared state on DynamoDB Local. Each store instance stands for one sender process (a Lambda
 * container): its guess of the timeline is its own, only the table is shared, as across concurrent invocations.
 */

let table: TestTable;

beforeAll(async () => {
  table = await createTestTable();
});

afterAll(async () => {
  await table.release();
});

const NOW = Date.parse('2025-01-15T12:00:00.000Z');
const CAP = 20;

function aChannel(): ChannelRef {
  return { tenantId: newTenantId(), channelId: randomUUID() };
}

function aSender(): DynamoDbChannelPaceStore {
  return new DynamoDbChannelPaceStore(table.client, table.tableName);
}

function request(overrides: Partial<PaceReservationRequest> = {}): PaceReservationRequest {
  return { capPerSecond: CAP, count: 5, earliestMs: NOW, latestMs: NOW + 60_000, nowMs: NOW, ...overrides };
}

describe('the channel timeline on DynamoDB', () => {
  it('gives concurrent senders their own stretches of one timeline, spaced for the cap, none overlapping', async () => {
    // Prepare: twelve processes, each asking three times for five sends, all at once.
    const channel = aChannel();
    const senders = Array.from({ length: 12 }, aSender);

    // Act
    const reservations = await Promise.all(
      senders.flatMap((sender) =>
        [0, 1, 2].map(async (round) => sender.reserve(channel, request({ earliestMs: NOW + round }))),
      ),
    );

    // Assess
    const instants = reservations.flatMap(sendInstants).sort((a, b) => a - b);
    expect(reservations.map((r) => r.count)).toEqual(reservations.map(() => 5));
    expect(instants).toHaveLength(12 * 3 * 5);
    const spacing = sendSpacingMs(CAP);
    // Epoch milliseconds as doubles: a thousandth of a millisecond of rounding.
    for (let i = 1; i < instants.length; i++) {
      expect((instants[i] as number) - (instants[i - 1] as number)).toBeGreaterThanOrEqual(spacing - 0.001);
    }
    // The line is contiguous: it ends exactly where 180 sends at the spacing end.
    expect(await aSender().read(channel)).toMatchObject({ capPerSecond: CAP });
    expect((await aSender().read(channel)).tatMs).toBeCloseTo((instants[0] as number) + 180 * spacing, 3);
  });

  it('grants what fits before the latest instant, then nothing, without moving the timeline for nothing', async () => {
    // Prepare
    const channel = aChannel();
    const sender = aSender();
    const spacing = sendSpacingMs(CAP);
    await sender.reserve(channel, request({ count: 10 }));

    // Act: the timeline is busy until NOW + 10 spacings; this one may start no later than NOW + 12.5 spacings.
    const some = await aSender().reserve(channel, request({ count: 10, latestMs: NOW + 12.5 * spacing }));
    const before = await aSender().read(channel);
    const none = await aSender().reserve(channel, request({ count: 10, latestMs: NOW + 12.5 * spacing }));

    // Assess
    expect(some.count).toBe(3);
    expect(some.startMs).toBeCloseTo(NOW + 10 * spacing, 6);
    expect(none.count).toBe(0);
    expect((await aSender().read(channel)).tatMs).toBe(before.tatMs);
  });

  it('starts an idle timeline at the earliest instant asked for, however stale the guess', async () => {
    // Prepare: this process saw the timeline long ago; it went idle since.
    const channel = aChannel();
    const sender = aSender();
    await sender.reserve(channel, request({ count: 2 }));

    // Act
    const later = await sender.reserve(channel, request({ earliestMs: NOW + 60_000, latestMs: NOW + 62_000 }));

    // Assess
    expect(later).toMatchObject({ startMs: NOW + 60_000, count: 5 });
  });

  it('halves the pace once per burst of throttles, from any number of senders at once, and spaces sends for it', async () => {
    // Prepare
    const channel = aChannel();
    await aSender().reserve(channel, request({ count: 1 }));

    // Act
    const after = await Promise.all(Array.from({ length: 8 }, () => aSender().recordThrottle(channel, CAP, NOW)));
    const nextBurst = await aSender().recordThrottle(channel, CAP, NOW + DECREASE_COOLDOWN_MS);
    const reservation = await aSender().reserve(
      channel,
      request({ count: 2, earliestMs: NOW + 5000, nowMs: NOW + DECREASE_COOLDOWN_MS }),
    );

    // Assess: 20 -> 10 once; two seconds later 10 + 2 × 2 = 14 -> 7.
    for (const pace of after) expect(pace.decrease).toEqual({ ratePerSecond: 10, atMs: NOW });
    expect(nextBurst.decrease).toEqual({ ratePerSecond: 7, atMs: NOW + DECREASE_COOLDOWN_MS });
    expect(reservation.spacingMs).toBeCloseTo(sendSpacingMs(7), 6);
  });
});

describe('share claims on DynamoDB', () => {
  it('keeps one claim per broadcast, renewed in place, and withdraws it', async () => {
    // Prepare
    const channel = aChannel();
    const store = aSender();

    // Act
    await store.claimShare(channel, { broadcastId: 'a', demandPerSecond: 0, expiresAtMs: NOW + 9000 });
    const both = await store.claimShare(channel, { broadcastId: 'b', demandPerSecond: 2, expiresAtMs: NOW + 9000 });
    const renewed = await store.claimShare(channel, {
      broadcastId: 'a',
      demandPerSecond: 0,
      expiresAtMs: NOW + 12_000,
    });
    await store.releaseShare(channel, 'b');
    await store.releaseShare(aChannel(), 'nobody');

    // Assess
    expect(both.map((c) => c.broadcastId).sort()).toEqual(['a', 'b']);
    expect(renewed.find((c) => c.broadcastId === 'a')?.expiresAtMs).toBe(NOW + 12_000);
    expect(await store.readClaims(channel)).toEqual([
      { broadcastId: 'a', demandPerSecond: 0, expiresAtMs: NOW + 12_000 },
    ]);
  });

  it('lives in a partition of its own per channel, apart from the tenant’s channel items', async () => {
    // Prepare
    const channel = aChannel();

    // Act
    await aSender().reserve(channel, request());
    await aSender().claimShare(channel, { broadcastId: 'a', demandPerSecond: 0, expiresAtMs: NOW });

    // Assess
    const items = await rawPartition(table, channelPaceKeys.partition(channel.tenantId, channel.channelId));
    expect(items.map((item) => [item.sk, item.entity])).toEqual([
      ['PACE', 'channel_pace'],
      ['SHARES', 'channel_shares'],
    ]);
  });
});
