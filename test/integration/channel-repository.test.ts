import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChannelRepository } from '../../lib/adapters/dynamodb/channel-repository.js';
import { channelKeys } from '../../lib/adapters/dynamodb/keys.js';
import type { Channel } from '../../lib/domain/channel.js';
import { NotFoundError } from '../../lib/domain/errors.js';
import { readingTogether } from '../support/barrier.js';
import { allPages, rejectionOf } from '../support/builders.js';
import { newTenantId, rawPartition, testTableForFile } from '../support/dynamodb.js';
import { testSecretBox } from '../support/secrets.js';

const table = testTableForFile();
let channels: DynamoDbChannelRepository;

beforeAll(async () => {
  channels = new DynamoDbChannelRepository(table.client, table.tableName, testSecretBox());
});

/** A channel as read, its credentials opened: what was written, if the round trip kept everything. */
async function opened(read: Promise<Channel | undefined>): Promise<Channel | undefined> {
  const channel = await read;
  return channel && channels.openCredentials(channel);
}

const NOW = '2025-01-15T12:00:00.000Z';

function aChannel(tenantId: string, overrides: Partial<Channel> = {}): Channel {
  return {
    id: randomUUID(),
    tenantId,
    name: 'CRM hook',
    type: 'webhook',
    config: { url: 'https://crm.example.com/hooks', secret: 'whsec-0123456789abcdef' },
    requiredAddress: 'any',
    isDefault: false,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

/** The tenant's channels flagged default, and the channel the pointer item names: the two must agree. */
async function defaults(tenantId: string): Promise<{ flagged: string[]; pointer: string | undefined }> {
  const items = await rawPartition(table, channelKeys.partition(tenantId));
  const flagged = items.filter((i) => i.entity === 'channel' && i.isDefault === true).map((i) => i.id as string);
  const pointer = items.find((i) => i.sk === 'DEFAULT')?.channelId as string | undefined;
  return { flagged, pointer };
}

async function expectSingleDefault(tenantId: string, id: string | undefined): Promise<void> {
  expect(await defaults(tenantId)).toEqual({ flagged: id ? [id] : [], pointer: id });
  expect((await channels.findDefault(tenantId))?.id).toBe(id);
}

describe('DynamoDbChannelRepository', () => {
  it('creates, reads back and lists the channels of a tenant only, under T#{tenant}#CHANNELS', async () => {
    // Prepare
    const tenantId = newTenantId();
    const created = Array.from({ length: 5 }, (_, i) => aChannel(tenantId, { name: `c${i}` }));
    const foreign = aChannel(newTenantId());

    // Act
    for (const channel of [...created, foreign]) await channels.create(channel);

    // Assess
    expect(await opened(channels.findById(tenantId, created[0]?.id as string))).toEqual(created[0]);
    expect(await channels.findById(tenantId, foreign.id)).toBeUndefined();
    const { items, pages } = await allPages((page) => channels.list(tenantId, page), 2);
    expect(items.map((c) => c.id).sort()).toEqual(created.map((c) => c.id).sort());
    expect(pages).toBe(3);
    const raw = await rawPartition(table, channelKeys.partition(tenantId));
    expect(raw.map((i) => i.sk).sort()).toEqual(created.map((c) => `CHANNEL#${c.id}`).sort());
    expect(await channels.findDefault(tenantId)).toBeUndefined();
  });

  it('making a channel the default un-defaults the previous one', async () => {
    // Prepare
    const tenantId = newTenantId();
    const first = aChannel(tenantId, { isDefault: true });
    const second = aChannel(tenantId, { isDefault: true, updatedAt: '2025-01-15T13:00:00.000Z' });

    // Act
    await channels.create(first);
    await expectSingleDefault(tenantId, first.id);
    await channels.create(second);

    // Assess
    await expectSingleDefault(tenantId, second.id);
    expect(await opened(channels.findById(tenantId, first.id))).toEqual({
      ...first,
      isDefault: false,
      updatedAt: '2025-01-15T13:00:00.000Z',
    });
  });

  it('moves, keeps and drops the default through update', async () => {
    // Prepare
    const tenantId = newTenantId();
    const a = aChannel(tenantId, { isDefault: true });
    const b = aChannel(tenantId);
    await channels.create(a);
    await channels.create(b);

    // Act + Assess
    await channels.update({ ...b, isDefault: true });
    await expectSingleDefault(tenantId, b.id);
    await channels.update({ ...b, name: 'renamed', isDefault: true });
    await expectSingleDefault(tenantId, b.id);
    await channels.update({ ...a, name: 'still not default', isDefault: false });
    await expectSingleDefault(tenantId, b.id);
    await channels.update({ ...b, isDefault: false });
    await expectSingleDefault(tenantId, undefined);
    expect((await channels.findById(tenantId, b.id))?.name).toBe('CRM hook');
  });

  it('deleting the default channel removes the pointer with it', async () => {
    // Prepare
    const tenantId = newTenantId();
    const a = aChannel(tenantId, { isDefault: true });
    const b = aChannel(tenantId);
    await channels.create(a);
    await channels.create(b);

    // Act
    await channels.delete(b);
    await expectSingleDefault(tenantId, a.id);
    await channels.delete(a);

    // Assess
    await expectSingleDefault(tenantId, undefined);
    expect(await rawPartition(table, channelKeys.partition(tenantId))).toEqual([]);
  });

  it('update and delete of a missing channel are NotFoundError, and write nothing', async () => {
    // Prepare
    const tenantId = newTenantId();
    const ghost = aChannel(tenantId, { isDefault: true });

    // Act
    const updateError = await rejectionOf(channels.update(ghost));
    const deleteError = await rejectionOf(channels.delete(ghost));

    // Assess
    expect(updateError).toBeInstanceOf(NotFoundError);
    expect(deleteError).toBeInstanceOf(NotFoundError);
    expect(await rawPartition(table, channelKeys.partition(tenantId))).toEqual([]);
  });

  it('keeps exactly one default when two channels are created as default at the same time', async () => {
    for (let round = 0; round < 5; round++) {
      // Prepare
      const tenantId = newTenantId();
      const racers = [aChannel(tenantId, { isDefault: true }), aChannel(tenantId, { isDefault: true })];
      let transactions = 0;
      const counting = Object.create(table.client) as typeof table.client;
      counting.send = ((command: object) => {
        if (command instanceof TransactWriteCommand) transactions++;
        return table.client.send(command as never);
      }) as typeof counting.send;
      const repository = new DynamoDbChannelRepository(counting, table.tableName, testSecretBox());
      // Both read "no default yet" before either writes: a real race every round.
      const racing = readingTogether(repository as unknown as { readPointer: unknown }, 'readPointer', 2);

      // Act
      await Promise.all(racers.map((channel) => (racing as unknown as DynamoDbChannelRepository).create(channel)));

      // Assess
      const { flagged, pointer } = await defaults(tenantId);
      expect(flagged).toHaveLength(1);
      expect(pointer).toBe(flagged[0]);
      expect(racers.map((c) => c.id)).toContain(pointer);
      expect((await channels.findDefault(tenantId))?.id).toBe(pointer);
      expect(transactions).toBeGreaterThanOrEqual(3); // the loser retried
    }
  });

  it('keeps exactly one default under many concurrent creates, updates and deletes', async () => {
    // Prepare
    const tenantId = newTenantId();
    const existing = Array.from({ length: 4 }, () => aChannel(tenantId));
    for (const channel of existing) await channels.create(channel);
    const doomed = existing[3] as Channel;

    // Act
    await Promise.all([
      ...Array.from({ length: 4 }, () => channels.create(aChannel(tenantId, { isDefault: true }))),
      ...existing.slice(0, 3).map((channel) => channels.update({ ...channel, isDefault: true })),
      channels.update({ ...(existing[0] as Channel), name: 'renamed', isDefault: false }),
      channels.delete(doomed),
    ]);

    // Assess
    const { flagged, pointer } = await defaults(tenantId);
    expect(flagged).toHaveLength(1);
    expect(pointer).toBe(flagged[0]);
    expect(await channels.findById(tenantId, doomed.id)).toBeUndefined();
  });

  describe('the channel id -> tenant index of the public webhooks', () => {
    const indexOf = async (id: string) => rawPartition(table, channelKeys.tenantOf(id).pk);

    it('is written with the channel, default or not, and finds it from its id alone', async () => {
      // Prepare
      const tenantId = newTenantId();
      const plain = aChannel(tenantId, { type: 'whatsapp' });
      const asDefault = aChannel(tenantId, { isDefault: true });

      // Act
      await channels.create(plain);
      await channels.create(asDefault);

      // Assess
      for (const consistent of [true, false]) {
        expect(await opened(channels.findByIdInAnyTenant(plain.id, { consistent }))).toEqual(plain);
        expect(await opened(channels.findByIdInAnyTenant(asDefault.id, { consistent }))).toEqual(asDefault);
      }
      expect(await indexOf(plain.id)).toEqual([
        { pk: `CHANNEL#${plain.id}`, sk: 'TENANT', entity: 'channel_tenant', channelId: plain.id, tenantId },
      ]);
    });

    it('is deleted with the channel', async () => {
      // Prepare
      const tenantId = newTenantId();
      const plain = aChannel(tenantId);
      const asDefault = aChannel(tenantId, { isDefault: true });
      await channels.create(plain);
      await channels.create(asDefault);

      // Act
      await channels.delete(plain);
      await channels.delete(asDefault);

      // Assess
      expect(await channels.findByIdInAnyTenant(plain.id, { consistent: true })).toBeUndefined();
      expect(await channels.findByIdInAnyTenant(asDefault.id, { consistent: true })).toBeUndefined();
      expect([...(await indexOf(plain.id)), ...(await indexOf(asDefault.id))]).toEqual([]);
    });

    it('is not written by an update or a delete that fails', async () => {
      // Prepare
      const ghost = aChannel(newTenantId());

      // Act
      await rejectionOf(channels.update(ghost));
      await rejectionOf(channels.delete(ghost));

      // Assess
      expect(await indexOf(ghost.id)).toEqual([]);
    });

    it('is written by an update for a channel saved before the index existed', async () => {
      // Prepare
      const tenantId = newTenantId();
      const older = aChannel(tenantId, { type: 'whatsapp' });
      await table.client.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...channelKeys.byId(tenantId, older.id), entity: 'channel', ...older },
        }),
      );
      const before = await channels.findByIdInAnyTenant(older.id, { consistent: true });

      // Act
      await channels.update({ ...older, name: 'saved again' });

      // Assess
      expect(before).toBeUndefined();
      expect(await channels.findByIdInAnyTenant(older.id, { consistent: true })).toMatchObject({ name: 'saved again' });
    });

    it('reads an unknown id with as many requests as a known one, so answers cannot tell ids apart', async () => {
      // Prepare
      const known = aChannel(newTenantId());
      await channels.create(known);
      const reads: string[] = [];
      const counting = Object.create(table.client) as typeof table.client;
      counting.send = ((command: object) => {
        if (command instanceof GetCommand) reads.push(String(command.input.Key?.pk));
        return table.client.send(command as never);
      }) as typeof counting.send;
      const repository = new DynamoDbChannelRepository(counting, table.tableName, testSecretBox());

      // Act
      await repository.findByIdInAnyTenant(known.id, { consistent: false });
      const knownReads = reads.splice(0);
      const unknown = await repository.findByIdInAnyTenant(randomUUID(), { consistent: false });

      // Assess
      expect(unknown).toBeUndefined();
      expect(knownReads).toHaveLength(2);
      expect(reads).toHaveLength(2);
      expect(reads[1]).toBe('T##CHANNELS');
    });
  });
});
