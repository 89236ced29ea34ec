import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbBroadcastRepository } from '../../lib/adapters/dynamodb/broadcast-repository.js';
import { DynamoDbContactListRepository } from '../../lib/adapters/dynamodb/contact-list-repository.js';
import { broadcastKeys } from '../../lib/adapters/dynamodb/keys.js';
import { SCHEDULED_DUE_INDEX } from '../../lib/adapters/dynamodb/table-definition.js';
import { BROADCAST_STATUSES, type Broadcast, type BroadcastStatus, transition } from '../../lib/domain/broadcast.js';
import { newRun } from '../../lib/domain/broadcast-run.js';
import { ConflictError, InvalidTransitionError, NotFoundError } from '../../lib/domain/errors.js';
import { aBroadcast, allPages, aStaticList, rejectionOf, storeBroadcast } from '../support/builders.js';
import { newTenantId, rawPartition, testTableForFile } from '../support/dynamodb.js';

const table = testTableForFile();
let repository: DynamoDbBroadcastRepository;

let lists: DynamoDbContactListRepository;

beforeAll(async () => {
  repository = new DynamoDbBroadcastRepository(table.client, table.tableName);
  lists = new DynamoDbContactListRepository(table.client, table.tableName);
});

const NOW = '2025-01-15T12:00:00.000Z';

/** Stores the broadcast, on a list of its own when its list does not exist yet. */
function store(broadcast: Broadcast): Promise<Broadcast> {
  return storeBroadcast({ broadcasts: repository, contactLists: lists }, broadcast);
}

/** A broadcast in the status given, as the transitions would have left it. */
function inStatus(tenantId: string, status: BroadcastStatus, overrides: Partial<Broadcast> = {}): Broadcast {
  const base = aBroadcast(tenantId, overrides);
  const extra: Partial<Broadcast> = status === 'scheduled' ? { scheduledFor: '2025-02-01T10:00:00.000Z' } : {};
  return { ...base, ...extra, ...overrides, status };
}

/** The raw entries of the sparse "scheduled due" index for one broadcast. */
async function dueIndexEntries(broadcast: Broadcast): Promise<Record<string, unknown>[]> {
  const result = await table.client.send(
    new QueryCommand({
      TableName: table.tableName,
      IndexName: SCHEDULED_DUE_INDEX.name,
      KeyConditionExpression: 'scheduledDuePk = :pk',
      FilterExpression: 'id = :id',
      ExpressionAttributeValues: { ':pk': broadcastKeys.scheduledDuePartition, ':id': broadcast.id },
    }),
  );
  return result.Items ?? [];
}

describe('DynamoDbBroadcastRepository', () => {
  describe('create', () => {
    it('stores a broadcast that reads back exactly as written', async () => {
      // Prepare
      const broadcast = aBroadcast(newTenantId(), {
        channelId: 'whatsapp',
        messageTemplate: { type: 'template', templateId: 'promo', variables: { '1': 'contact.name', '2': '50' } },
      });

      // Act
      await store(broadcast);

      // Assess
      expect(await repository.findById(broadcast.tenantId, broadcast.id)).toEqual(broadcast);
      const [raw] = await rawPartition(table, broadcastKeys.partition(broadcast.tenantId));
      expect(raw).toMatchObject({ ...broadcastKeys.byId(broadcast.tenantId, broadcast.id), entity: 'broadcast' });
      expect(raw).not.toHaveProperty('scheduledDuePk');
    });

    it('never overwrites an existing broadcast', async () => {
      // Prepare
      const broadcast = aBroadcast(newTenantId());
      await store(broadcast);

      // Act
      const attempt = await rejectionOf(repository.create({ ...broadcast, name: 'Overwritten' }));

      // Assess
      expect(attempt).toMatchObject({ name: 'TransactionCanceledException' });
      expect((await repository.findById(broadcast.tenantId, broadcast.id))?.name).toBe('Black Friday');
    });

    it('refuses a broadcast on a list that does not exist with broadcast.unknown_list, storing nothing', async () => {
      // Prepare
      const broadcast = aBroadcast(newTenantId());

      // Act
      const attempt = await rejectionOf(repository.create(broadcast));

      // Assess
      expect(attempt).toMatchObject({ code: 'broadcast.unknown_list' });
      expect(await repository.findById(broadcast.tenantId, broadcast.id)).toBeUndefined();
      expect(await lists.findById(broadcast.tenantId, broadcast.listId)).toBeUndefined();
    });

    it('marks its list as used in the same write, so that the list cannot be deleted with the mark it had', async () => {
      // Prepare
      const tenantId = newTenantId();
      const list = aStaticList(tenantId);
      await lists.create(list, []);
      const markBefore = await lists.referenceMark(tenantId, list.id);

      // Act
      await repository.create(aBroadcast(tenantId, { listId: list.id }));

      // Assess
      expect(markBefore).toBe(0);
      expect(await lists.referenceMark(tenantId, list.id)).toBe(1);
      expect(await lists.delete(list, markBefore as number)).toBe(false);
      expect(await lists.findById(tenantId, list.id)).toEqual(list);
    });

    it('puts a broadcast created as scheduled in the sparse due index', async () => {
      // Prepare
      const broadcast = inStatus(newTenantId(), 'scheduled');

      // Act
      await store(broadcast);

      // Assess
      const entries = await dueIndexEntries(broadcast);
      expect(entries).toHaveLength(1);
      expect(entries[0]?.scheduledDueSk).toBe(`2025-02-01T10:00:00.000Z#${broadcast.tenantId}#${broadcast.id}`);
      expect(await repository.findById(broadcast.tenantId, broadcast.id)).toEqual(broadcast);
    });
  });

  describe('list', () => {
    it('pages through every broadcast of the tenant, or only those of one status', async () => {
      // Prepare
      const tenantId = newTenantId();
      const statuses: BroadcastStatus[] = ['draft', 'scheduled', 'cancelled', 'draft', 'scheduled', 'completed'];
      const all = Array.from({ length: 18 }, (_, i) =>
        inStatus(tenantId, statuses[i % statuses.length] as BroadcastStatus),
      );
      await Promise.all(all.map((b) => store(b)));
      const idsOf = (items: Broadcast[]) => items.map((b) => b.id).sort();

      // Act
      const everything = await allPages((page) => repository.list(tenantId, page), 4);
      const scheduled = await allPages((page) => repository.list(tenantId, page, 'scheduled'), 2);
      const running = await allPages((page) => repository.list(tenantId, page, 'running'), 2);

      // Assess
      expect(idsOf(everything.items)).toEqual(idsOf(all));
      expect(idsOf(scheduled.items)).toEqual(idsOf(all.filter((b) => b.status === 'scheduled')));
      expect(scheduled.items).toHaveLength(6);
      expect(scheduled.items.every((b) => b.status === 'scheduled')).toBe(true);
      expect(running.items).toEqual([]);
    });

    it('shows each started broadcast with the counters of its run, exactly as findById does', async () => {
      // Prepare
      const tenantId = newTenantId();
      const idle = aBroadcast(tenantId);
      const started = aBroadcast(tenantId);
      await Promise.all([store(idle), store(started)]);
      const run = {
        ...newRun(tenantId, started.id, 0, new Date(NOW)),
        totalContacts: 9,
        plannedPending: 8,
        plannedChunks: 1,
        skippedAtPlan: 1,
        releasedChunks: 1,
        chunkSize: 8,
        talliedChunks: 1,
        talliedContacts: 8,
        sent: 5,
        failed: 2,
        skippedAtSend: 1,
      };
      await repository.start(transition(started, 'running', NOW), run);

      // Act
      const page = await repository.list(tenantId, { limit: 10 });

      // Assess
      const listed = new Map(page.items.map((b) => [b.id, b]));
      const single = await repository.findById(tenantId, started.id);
      expect(listed.get(started.id)).toEqual(single);
      expect(listed.get(started.id)).toMatchObject({ totalContacts: 9, sent: 5, failed: 2, skipped: 2, sending: 0 });
      expect(listed.get(idle.id)).toEqual(await repository.findById(tenantId, idle.id));
    });
  });

  describe('update', () => {
    it('refuses to move a draft onto a list that is gone with broadcast.unknown_list, leaving it as it was', async () => {
      // Prepare
      const broadcast = aBroadcast(newTenantId());
      await store(broadcast);

      // Act
      const attempt = await rejectionOf(repository.update({ ...broadcast, listId: randomUUID(), version: 2 }, 1));

      // Assess
      expect(attempt).toMatchObject({ code: 'broadcast.unknown_list' });
      expect(await repository.findById(broadcast.tenantId, broadcast.id)).toEqual(broadcast);
    });

    it('writes an edit of the draft version it read', async () => {
      // Prepare
      const broadcast = aBroadcast(newTenantId());
      await store(broadcast);
      const edited = { ...broadcast, name: 'Cyber Monday', rateLimit: 120, version: 2, updatedAt: NOW };

      // Act
      await repository.update(edited, 1);

      // Assess
      expect(await repository.findById(broadcast.tenantId, broadcast.id)).toEqual(edited);
    });

    it('refuses a stale version with broadcast.concurrent_update', async () => {
      // Prepare
      const broadcast = aBroadcast(newTenantId());
      await store(broadcast);
      await repository.update({ ...broadcast, name: 'First edit', version: 2 }, 1);

      // Act
      const attempt = await rejectionOf(repository.update({ ...broadcast, name: 'Lost edit', version: 2 }, 1));

      // Assess
      expect(attempt).toBeInstanceOf(ConflictError);
      expect(attempt).toMatchObject({ code: 'broadcast.concurrent_update' });
      expect((await repository.findById(broadcast.tenantId, broadcast.id))?.name).toBe('First edit');
    });

    it('refuses to edit a broadcast that is no longer a draft with broadcast.not_draft', async () => {
      // Prepare
      const broadcast = inStatus(newTenantId(), 'scheduled');
      await store(broadcast);

      // Act
      const attempt = await rejectionOf(
        repository.update({ ...broadcast, status: 'draft', name: 'Sneaky', version: 2 }, 1),
      );

      // Assess
      expect(attempt).toMatchObject({ code: 'broadcast.not_draft' });
      expect(await repository.findById(broadcast.tenantId, broadcast.id)).toEqual(broadcast);
    });

    it('fails with NotFoundError for a broadcast that does not exist, creating nothing', async () => {
      // Prepare
      const ghost = aBroadcast(newTenantId());

      // Act
      const attempt = await rejectionOf(repository.update({ ...ghost, version: 2 }, 1));

      // Assess
      expect(attempt).toBeInstanceOf(NotFoundError);
      expect(await repository.findById(ghost.tenantId, ghost.id)).toBeUndefined();
    });
  });

  describe('applyTransition', () => {
    it('writes the status change and its timestamps, leaving the counters alone', async () => {
      // Prepare
      const stored = aBroadcast(newTenantId(), { totalContacts: 10, sent: 4, failed: 1 });
      await store(stored);
      const stale = { ...stored, sent: 0, failed: 0, totalContacts: 0 };
      const change = transition(stale, 'scheduled', NOW, { scheduledFor: '2025-03-01T09:00:00.000Z' });

      // Act
      await repository.applyTransition(change);

      // Assess
      const found = await repository.findById(stored.tenantId, stored.id);
      expect(found).toEqual({
        ...stored,
        status: 'scheduled',
        scheduledFor: '2025-03-01T09:00:00.000Z',
        version: 2,
        updatedAt: NOW,
      });
      expect(await dueIndexEntries(stored)).toHaveLength(1);
    });

    it('clears the attributes the new status drops and leaves the due index when unscheduled', async () => {
      // Prepare
      const scheduled = inStatus(newTenantId(), 'scheduled');
      await store(scheduled);

      // Act
      await repository.applyTransition(transition(scheduled, 'draft', NOW));

      // Assess
      const found = await repository.findById(scheduled.tenantId, scheduled.id);
      expect(found?.status).toBe('draft');
      expect(found).not.toHaveProperty('scheduledFor');
      expect(await dueIndexEntries(scheduled)).toEqual([]);
      const [raw] = await rawPartition(table, broadcastKeys.partition(scheduled.tenantId));
      expect(raw).not.toHaveProperty('scheduledDuePk');
      expect(raw).not.toHaveProperty('scheduledDueSk');
    });

    it('refuses a change whose expected status is no longer the stored one', async () => {
      // Prepare
      const draft = aBroadcast(newTenantId());
      await store(draft);
      await repository.applyTransition(transition(draft, 'running', NOW));

      // Act
      const attempt = await rejectionOf(
        repository.applyTransition(transition(draft, 'scheduled', NOW, { scheduledFor: NOW })),
      );

      // Assess
      expect(attempt).toBeInstanceOf(InvalidTransitionError);
      expect(attempt).toMatchObject({ from: 'running', to: 'scheduled' });
      const found = await repository.findById(draft.tenantId, draft.id);
      expect(found?.status).toBe('running');
      expect(found).not.toHaveProperty('scheduledFor');
      expect(await dueIndexEntries(draft)).toEqual([]);
    });

    it('fails with NotFoundError for a broadcast that does not exist, creating nothing', async () => {
      // Prepare
      const ghost = aBroadcast(newTenantId());

      // Act
      const attempt = await rejectionOf(repository.applyTransition(transition(ghost, 'running', NOW)));

      // Assess
      expect(attempt).toBeInstanceOf(NotFoundError);
      expect(await repository.findById(ghost.tenantId, ghost.id)).toBeUndefined();
    });

    it('lets exactly one of two concurrent transitions from the same status win', async () => {
      for (let round = 0; round < 10; round++) {
        // Prepare
        const draft = aBroadcast(newTenantId());
        await store(draft);

        // Act
        const results = await Promise.allSettled([
          repository.applyTransition(transition(draft, 'scheduled', NOW, { scheduledFor: '2030-01-01T00:00:00.000Z' })),
          repository.applyTransition(transition(draft, 'running', NOW)),
        ]);

        // Assess
        const winners = results.filter((r) => r.status === 'fulfilled');
        const losers = results.filter((r) => r.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect((losers[0] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidTransitionError);
        const expected = results[0]?.status === 'fulfilled' ? 'scheduled' : 'running';
        expect((await repository.findById(draft.tenantId, draft.id))?.status).toBe(expected);
      }
    });
  });

  describe('delete', () => {
    it('deletes a draft', async () => {
      // Prepare
      const draft = aBroadcast(newTenantId());
      await store(draft);

      // Act
      await repository.delete(draft);

      // Assess
      expect(await repository.findById(draft.tenantId, draft.id)).toBeUndefined();
    });

    it.each<BroadcastStatus>(['scheduled', 'running', 'completed'])(
      'refuses to delete a %s broadcast',
      async (status) => {
        // Prepare
        const broadcast = inStatus(newTenantId(), status);
        await store(broadcast);

        // Act
        const attempt = await rejectionOf(repository.delete({ ...broadcast, status: 'draft' }));

        // Assess
        expect(attempt).toMatchObject({ code: 'broadcast.not_draft' });
        expect(await repository.findById(broadcast.tenantId, broadcast.id)).toEqual(broadcast);
      },
    );
  });

  describe('findScheduledReady', () => {
    // Dates in 2001 keep this test clear of the other tests' scheduled broadcasts (the index spans tenants).
    it('returns only the scheduled broadcasts that are due, oldest first, across tenants', async () => {
      // Prepare
      const [tenantA, tenantB] = [newTenantId(), newTenantId()];
      const dueLate = inStatus(tenantA, 'scheduled', { scheduledFor: '2001-05-01T10:00:00.000Z' });
      const dueEarly = inStatus(tenantB, 'scheduled', { scheduledFor: '2001-04-01T10:00:00.000Z' });
      const dueNow = inStatus(tenantA, 'scheduled', { scheduledFor: '2001-06-01T00:00:00.000Z' });
      const future = inStatus(tenantA, 'scheduled', { scheduledFor: '2001-06-01T00:00:00.001Z' });
      const unscheduled = inStatus(tenantB, 'scheduled', { scheduledFor: '2001-03-01T10:00:00.000Z' });
      const started = inStatus(tenantB, 'scheduled', { scheduledFor: '2001-03-02T10:00:00.000Z' });
      const draft = aBroadcast(tenantA, { scheduledFor: '2001-03-03T10:00:00.000Z' });
      for (const b of [dueLate, dueEarly, dueNow, future, unscheduled, started, draft]) await store(b);
      await repository.applyTransition(transition(unscheduled, 'draft', NOW));
      await repository.applyTransition(transition(started, 'running', NOW));

      // Act
      const ready = await repository.findScheduledReady(new Date('2001-06-01T00:00:00.000Z'), 50);
      const firstTwo = await repository.findScheduledReady(new Date('2001-06-01T00:00:00.000Z'), 2);

      // Assess
      expect(ready.map((b) => b.id)).toEqual([dueEarly.id, dueLate.id, dueNow.id]);
      expect(ready[0]).toEqual(dueEarly);
      expect(firstTwo.map((b) => b.id)).toEqual([dueEarly.id, dueLate.id]);
    });
  });

  describe('findUnfinishedByList', () => {
    it('returns the draft, scheduled, running and paused broadcasts of that list only', async () => {
      // Prepare
      const tenantId = newTenantId();
      const listId = randomUUID();
      const ofList = BROADCAST_STATUSES.map((status) => inStatus(tenantId, status, { listId }));
      const ofOtherList = inStatus(tenantId, 'draft', { listId: randomUUID() });
      for (const b of [...ofList, ofOtherList]) await store(b);

      // Act
      const unfinished = await repository.findUnfinishedByList(tenantId, listId);

      // Assess
      expect(unfinished.map((b) => b.status).sort()).toEqual(['draft', 'paused', 'running', 'scheduled']);
      expect(unfinished.every((b) => b.listId === listId)).toBe(true);
    });
  });

  describe('tenant isolation', () => {
    it('finds nothing of another tenant, and cannot change or delete its broadcasts', async () => {
      // Prepare
      const owner = newTenantId();
      const intruder = newTenantId();
      const broadcast = aBroadcast(owner);
      await store(broadcast);
      const forged = { ...broadcast, tenantId: intruder };

      // Act
      const byId = await repository.findById(intruder, broadcast.id);
      const listed = await repository.list(intruder, { limit: 10 });
      const unfinished = await repository.findUnfinishedByList(intruder, broadcast.listId);
      const update = await rejectionOf(repository.update({ ...forged, name: 'hacked', version: 2 }, 1));
      const change = await rejectionOf(repository.applyTransition(transition(forged, 'running', NOW)));
      const removal = await rejectionOf(repository.delete(forged));

      // Assess
      expect(byId).toBeUndefined();
      expect(listed.items).toEqual([]);
      expect(unfinished).toEqual([]);
      expect(update).toBeInstanceOf(NotFoundError);
      expect(change).toBeInstanceOf(NotFoundError);
      expect(removal).toBeInstanceOf(ConflictError);
      expect(await repository.findById(owner, broadcast.id)).toEqual(broadcast);
      expect(await repository.findById(intruder, broadcast.id)).toBeUndefined();
    });
  });
});
