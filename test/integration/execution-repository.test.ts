import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { encodeCursor } from '../../lib/adapters/dynamodb/cursor.js';
import { DynamoDbExecutionRepository } from '../../lib/adapters/dynamodb/execution-repository.js';
import { executionKeys } from '../../lib/adapters/dynamodb/keys.js';
import type { BroadcastExecution, ExecutionStatus } from '../../lib/domain/broadcast-execution.js';
import { InvalidCursorError } from '../../lib/domain/errors.js';
import type { ExecutionLayout } from '../../lib/ports/execution-repository.js';
import { allPages, anExecution } from '../support/builders.js';
import { newTenantId, rawPartition, testTableForFile } from '../support/dynamodb.js';

const table = testTableForFile();
let repository: DynamoDbExecutionRepository;

beforeAll(async () => {
  repository = new DynamoDbExecutionRepository(table.client, table.tableName);
});

const LATER = '2025-01-15T12:05:00.000Z';
const STATUSES: ExecutionStatus[] = ['pending', 'sending', 'sent', 'failed', 'skipped'];

/** `count` executions of one send chunk. */
function chunkOf(
  tenantId: string,
  broadcastId: string,
  chunk: number,
  count: number,
  status = (_i: number) => 'pending' as ExecutionStatus,
) {
  return Array.from({ length: count }, (_, i) =>
    anExecution(tenantId, broadcastId, randomUUID(), { chunk, status: status(i) }),
  );
}

/** `count` executions skipped at planning, on one skip page. */
function skipPageOf(tenantId: string, broadcastId: string, skipPage: number, count: number) {
  return Array.from({ length: count }, () =>
    anExecution(tenantId, broadcastId, randomUUID(), { skipPage, status: 'skipped', reason: 'opted_out' }),
  );
}

const contactIds = (items: readonly BroadcastExecution[]) => items.map((e) => e.contactId).sort();

/** A chunk's tally marker, as the run repository writes it: it shares the chunk's partition. */
async function putTallyMarker(tenantId: string, broadcastId: string, chunk: number) {
  await table.client.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { pk: executionKeys.chunkPartition(tenantId, broadcastId, chunk), sk: executionKeys.tallySortKey, chunk },
    }),
  );
}

describe('DynamoDbExecutionRepository', () => {
  describe('writePlanned', () => {
    it("puts a chunk's pending executions in one item of its partition, and each skipped one in its skip page's", async () => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const chunk0 = chunkOf(tenantId, broadcastId, 0, 30);
      const chunk1 = chunkOf(tenantId, broadcastId, 1, 7);
      const skipped = skipPageOf(tenantId, broadcastId, 0, 3);

      // Act
      await repository.writePlanned([...chunk0, ...chunk1, ...skipped]);

      // Assess
      const raw0 = await rawPartition(table, executionKeys.chunkPartition(tenantId, broadcastId, 0));
      const raw1 = await rawPartition(table, executionKeys.chunkPartition(tenantId, broadcastId, 1));
      const rawSkip = await rawPartition(table, executionKeys.skipPartition(tenantId, broadcastId, 0));
      for (const [raw, chunk] of [
        [raw0, chunk0],
        [raw1, chunk1],
      ] as const) {
        expect(raw).toEqual([
          expect.objectContaining({
            sk: executionKeys.manifestSortKey,
            contactIds: chunk.map((e) => e.contactId),
            executionIds: chunk.map((e) => e.id),
          }),
        ]);
      }
      expect(rawSkip.map((item) => item.contactId).sort()).toEqual(contactIds(skipped));
      for (const item of rawSkip) {
        expect(item).toMatchObject({ sk: executionKeys.contactSortKey(item.contactId as string), entity: 'execution' });
      }
      const listed = await repository.listChunk(tenantId, broadcastId, 1);
      expect(listed).toHaveLength(chunk1.length);
      expect(listed).toEqual(expect.arrayContaining(chunk1));
      expect(listed.map((e) => e.contactId)).toEqual(contactIds(chunk1));
    });

    it('is idempotent: planning the same page again leaves one execution per contact', async () => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const first = chunkOf(tenantId, broadcastId, 0, 10);
      await repository.writePlanned(first);
      const again = first.map((e) => ({ ...e, id: randomUUID(), updatedAt: LATER }));

      // Act
      await repository.writePlanned(again);

      // Assess
      const stored = await repository.listChunk(tenantId, broadcastId, 0);
      expect(stored).toHaveLength(10);
      expect(contactIds(stored)).toEqual(contactIds(first));
      expect(stored.map((e) => e.id).sort()).toEqual(again.map((e) => e.id).sort());
    });
  });

  describe('removeExcept', () => {
    it('leaves in a chunk only what the planning retried now planned, with its tally marker and other partitions', async () => {
      // Prepare: an earlier attempt planned 45 contacts in chunk 0, and a stored execution is out of place there.
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const planned = chunkOf(tenantId, broadcastId, 0, 5);
      const leftovers = chunkOf(tenantId, broadcastId, 0, 40);
      const neighbour = chunkOf(tenantId, broadcastId, 1, 3);
      await repository.writePlanned([...planned, ...leftovers, ...neighbour]);
      const [stray] = chunkOf(tenantId, broadcastId, 0, 1) as [BroadcastExecution];
      await repository.transition({ ...stray, status: 'sent' }, 'pending');
      await putTallyMarker(tenantId, broadcastId, 0);

      // Act: the retry.
      await repository.removeExcept(tenantId, broadcastId, { chunk: 0 }, new Set(planned.map((e) => e.contactId)));
      await repository.writePlanned(planned);

      // Assess
      expect(contactIds(await repository.listChunk(tenantId, broadcastId, 0))).toEqual(contactIds(planned));
      expect(contactIds(await repository.listChunk(tenantId, broadcastId, 1))).toEqual(contactIds(neighbour));
      const raw = await rawPartition(table, executionKeys.chunkPartition(tenantId, broadcastId, 0));
      expect(raw.map((item) => item.sk)).toContain(executionKeys.tallySortKey);
    });

    it('clears a skip page entirely when nothing is kept', async () => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      await repository.writePlanned([
        ...skipPageOf(tenantId, broadcastId, 2, 4),
        ...skipPageOf(tenantId, broadcastId, 3, 2),
      ]);

      // Act
      await repository.removeExcept(tenantId, broadcastId, { skipPage: 2 }, new Set());

      // Assess
      expect(await rawPartition(table, executionKeys.skipPartition(tenantId, broadcastId, 2))).toEqual([]);
      expect(await rawPartition(table, executionKeys.skipPartition(tenantId, broadcastId, 3))).toHaveLength(2);
    });
  });

  describe('listChunk', () => {
    it('returns the executions of one chunk only, without the tally marker', async () => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const chunk = chunkOf(tenantId, broadcastId, 4, 25);
      await repository.writePlanned([
        ...chunk,
        ...chunkOf(tenantId, broadcastId, 5, 2),
        ...chunkOf(tenantId, randomUUID(), 4, 2),
      ]);
      await putTallyMarker(tenantId, broadcastId, 4);

      // Act
      const listed = await repository.listChunk(tenantId, broadcastId, 4);

      // Assess
      expect(listed).toHaveLength(25);
      expect(contactIds(listed)).toEqual(contactIds(chunk));
      expect(listed.every((e) => e.chunk === 4 && e.status === 'pending')).toBe(true);
    });

    it('finds nothing in a chunk that was never planned', async () => {
      expect(await repository.listChunk(newTenantId(), randomUUID(), 0)).toEqual([]);
    });
  });

  describe('chunk lease', () => {
    async function aChunk() {
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const executions = chunkOf(tenantId, broadcastId, 0, 3);
      await repository.writePlanned(executions);
      await putTallyMarker(tenantId, broadcastId, 0);
      return { tenantId, broadcastId, executions };
    }
    const take = (seenVersion: number | undefined, holder: string, inFlight: string[] = []) => ({
      seenVersion,
      holder,
      until: 1_000,
      inFlight,
    });

    it('reads a chunk that never had a lease as its executions alone, and lets the first taker have it', async () => {
      // Prepare
      const { tenantId, broadcastId, executions } = await aChunk();
      const before = await repository.readChunk(tenantId, broadcastId, 0);
      const ids = executions.map((e) => e.contactId);

      // Act
      const taken = await repository.takeChunkLease(tenantId, broadcastId, 0, take(undefined, 'h1', ids));

      // Assess
      expect(before.lease).toBeUndefined();
      expect(contactIds(before.executions)).toEqual(contactIds(executions));
      expect(taken).toBe(true);
      const after = await repository.readChunk(tenantId, broadcastId, 0);
      expect(after.lease).toEqual({ version: 1, holder: 'h1', until: 1_000, inFlight: ids });
      expect(after.executions).toHaveLength(3);
      expect(await repository.listChunk(tenantId, broadcastId, 0)).toHaveLength(3);
    });

    it('lets exactly one of two takers that read the same version have it', async () => {
      // Prepare
      const { tenantId, broadcastId } = await aChunk();
      await repository.takeChunkLease(tenantId, broadcastId, 0, take(undefined, 'h1'));
      const seen = (await repository.readChunk(tenantId, broadcastId, 0)).lease?.version;

      // Act
      const results = await Promise.all(
        ['h2', 'h3'].map((holder) => repository.takeChunkLease(tenantId, broadcastId, 0, take(seen, holder))),
      );

      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
      const lease = (await repository.readChunk(tenantId, broadcastId, 0)).lease;
      expect(lease).toMatchObject({ version: 2, holder: results[0] ? 'h2' : 'h3' });
    });

    it('refuses a taker whose read is older than the last take, even after a release', async () => {
      // Prepare: h1 takes and gives it back; h2 read before all that.
      const { tenantId, broadcastId } = await aChunk();
      const staleRead = (await repository.readChunk(tenantId, broadcastId, 0)).lease?.version;
      await repository.takeChunkLease(tenantId, broadcastId, 0, take(undefined, 'h1', ['c1']));
      await repository.releaseChunkLease(tenantId, broadcastId, 0, 'h1');

      // Act
      const stale = await repository.takeChunkLease(tenantId, broadcastId, 0, take(staleRead, 'h2'));

      // Assess
      expect(stale).toBe(false);
      expect((await repository.readChunk(tenantId, broadcastId, 0)).lease).toEqual({ version: 1, inFlight: [] });
    });

    it('releases only for its holder: a holder that was taken over changes nothing', async () => {
      // Prepare
      const { tenantId, broadcastId } = await aChunk();
      await repository.takeChunkLease(tenantId, broadcastId, 0, take(undefined, 'h1', ['c1']));
      await repository.takeChunkLease(tenantId, broadcastId, 0, take(1, 'h2', ['c2']));

      // Act
      await repository.releaseChunkLease(tenantId, broadcastId, 0, 'h1');

      // Assess
      expect((await repository.readChunk(tenantId, broadcastId, 0)).lease).toEqual({
        version: 2,
        holder: 'h2',
        until: 1_000,
        inFlight: ['c2'],
      });
    });
  });

  describe('transition', () => {
    it('writes the change when the stored status is the expected one', async () => {
      // Prepare
      const [pending] = chunkOf(newTenantId(), randomUUID(), 0, 1) as [BroadcastExecution];
      await repository.writePlanned([pending]);
      const sent: BroadcastExecution = { ...pending, status: 'sent', attempts: 1, updatedAt: LATER };

      // Act
      const applied = await repository.transition(sent, 'pending');

      // Assess
      expect(applied).toBe(true);
      expect(await repository.listChunk(pending.tenantId, pending.broadcastId, 0)).toEqual([sent]);
    });

    it('lets exactly one of two concurrent outcomes win', async () => {
      // Prepare
      const [pending] = chunkOf(newTenantId(), randomUUID(), 0, 1) as [BroadcastExecution];
      await repository.writePlanned([pending]);

      // Act
      const claims = await Promise.all(
        ['first', 'second'].map((who) =>
          repository.transition({ ...pending, status: 'sent', attempts: 1, messageId: who }, 'pending'),
        ),
      );
      const late = await repository.transition({ ...pending, status: 'skipped', reason: 'opted_out' }, 'pending');

      // Assess
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(late).toBe(false);
      const [stored] = await repository.listChunk(pending.tenantId, pending.broadcastId, 0);
      expect(stored).toMatchObject({ status: 'sent', messageId: claims[0] ? 'first' : 'second' });
      expect(stored).not.toHaveProperty('reason');
    });

    it("creates a pending execution's item with its first outcome, and only once", async () => {
      // Prepare: pending in its chunk's manifest only.
      const [pending] = chunkOf(newTenantId(), randomUUID(), 3, 1) as [BroadcastExecution];
      await repository.writePlanned([pending]);
      const raw = () => rawPartition(table, executionKeys.chunkPartition(pending.tenantId, pending.broadcastId, 3));
      expect((await raw()).map((item) => item.sk)).toEqual([executionKeys.manifestSortKey]);

      // Act
      const first = await repository.transition({ ...pending, status: 'failed', reason: 'invalid_address' }, 'pending');
      const second = await repository.transition({ ...pending, status: 'sent' }, 'pending');

      // Assess
      expect([first, second]).toEqual([true, false]);
      expect(await repository.listChunk(pending.tenantId, pending.broadcastId, 3)).toEqual([
        { ...pending, status: 'failed', reason: 'invalid_address' },
      ]);
      expect((await raw()).map((item) => item.sk)).toEqual([
        executionKeys.manifestSortKey,
        executionKeys.contactSortKey(pending.contactId),
      ]);
    });

    it('refuses to create an execution that does not exist', async () => {
      // Prepare
      const [ghost] = chunkOf(newTenantId(), randomUUID(), 0, 1) as [BroadcastExecution];

      // Act
      const applied = await repository.transition({ ...ghost, status: 'sent' }, 'sending');

      // Assess
      expect(applied).toBe(false);
      expect(await repository.listChunk(ghost.tenantId, ghost.broadcastId, 0)).toEqual([]);
    });
  });

  describe('findByBroadcast', () => {
    async function aLayout(tenantId: string, broadcastId: string) {
      const executions = [
        ...chunkOf(tenantId, broadcastId, 0, 10, (i) => STATUSES[i % 5] as ExecutionStatus),
        ...chunkOf(tenantId, broadcastId, 1, 10, (i) => STATUSES[(i + 1) % 5] as ExecutionStatus),
        ...chunkOf(tenantId, broadcastId, 2, 3, () => 'sent'),
        ...skipPageOf(tenantId, broadcastId, 0, 4),
        ...skipPageOf(tenantId, broadcastId, 1, 3),
      ];
      await repository.writePlanned(executions);
      await putTallyMarker(tenantId, broadcastId, 0);
      await putTallyMarker(tenantId, broadcastId, 2);
      return executions;
    }
    const layout: ExecutionLayout = { chunks: 3, skipPages: 2 };

    it.each([1, 7, 50])(
      'returns every execution of the chunks and skip pages exactly once with limit %i',
      async (limit) => {
        // Prepare
        const tenantId = newTenantId();
        const broadcastId = randomUUID();
        const executions = await aLayout(tenantId, broadcastId);
        await repository.writePlanned(chunkOf(tenantId, randomUUID(), 0, 5));

        // Act
        const { items, pages } = await allPages(
          (page) => repository.findByBroadcast(tenantId, broadcastId, layout, page),
          limit,
        );

        // Assess
        expect(items).toHaveLength(30);
        expect(contactIds(items)).toEqual(contactIds(executions));
        expect(pages).toBeGreaterThanOrEqual(Math.ceil(30 / limit));
      },
    );

    it('reads only the partitions the layout names', async () => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const executions = await aLayout(tenantId, broadcastId);

      // Act
      const { items } = await allPages(
        (page) => repository.findByBroadcast(tenantId, broadcastId, { chunks: 1, skipPages: 1 }, page),
        100,
      );

      // Assess
      const expected = executions.filter((e) => e.chunk === 0 || e.skipPage === 0);
      expect(contactIds(items)).toEqual(contactIds(expected));
    });

    it('filters by status over every chunk, skip page and page of results', async () => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const executions = await aLayout(tenantId, broadcastId);
      const expected = (status: ExecutionStatus) => contactIds(executions.filter((e) => e.status === status));

      // Act
      const sent = await allPages((page) => repository.findByBroadcast(tenantId, broadcastId, layout, page, 'sent'), 2);
      const skipped = await allPages(
        (page) => repository.findByBroadcast(tenantId, broadcastId, layout, page, 'skipped'),
        3,
      );
      const pending = await allPages(
        (page) => repository.findByBroadcast(tenantId, broadcastId, layout, page, 'pending'),
        1,
      );

      // Assess
      expect(sent.items).toHaveLength(7);
      expect(contactIds(sent.items)).toEqual(expected('sent'));
      expect(skipped.items).toHaveLength(11);
      expect(contactIds(skipped.items)).toEqual(expected('skipped'));
      expect(contactIds(pending.items)).toEqual(expected('pending'));
      expect(pending.items.every((e) => e.status === 'pending')).toBe(true);
    });

    it.each([
      ['a partition past the layout', encodeCursor({ s: 5 })],
      ['a partition past the layout, with a key', encodeCursor({ s: 1_000_000, k: 'CONTACT#c-1' })],
      ["a sort key that is no execution's (the chunk's lease)", encodeCursor({ s: 0, k: '#LEASE' })],
      ["another collection's key", encodeCursor({ s: 1, k: 'LIST#l-1' })],
      ['garbage', 'not-a-cursor'],
    ])('refuses a cursor it could not have issued, in every status: %s', async (_case, cursor) => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      await aLayout(tenantId, broadcastId);

      // Act
      const pages = [undefined, 'pending', 'sent'].map((status) =>
        repository.findByBroadcast(tenantId, broadcastId, layout, { limit: 10, cursor }, status as ExecutionStatus),
      );

      // Assess
      for (const page of pages) await expect(page).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('returns an empty page for an empty layout', async () => {
      const page = await repository.findByBroadcast(
        newTenantId(),
        randomUUID(),
        { chunks: 0, skipPages: 0 },
        { limit: 10 },
      );
      expect(page).toEqual({ items: [] });
    });
  });

  describe('tenant isolation', () => {
    it("finds nothing of another tenant, and cannot change or remove its executions: a write lands in the writer's own", async () => {
      // Prepare
      const owner = newTenantId();
      const intruder = newTenantId();
      const broadcastId = randomUUID();
      const [execution] = chunkOf(owner, broadcastId, 0, 1) as [BroadcastExecution];
      await repository.writePlanned([execution]);

      // Act
      const listed = await repository.listChunk(intruder, broadcastId, 0);
      const found = await repository.findByBroadcast(intruder, broadcastId, { chunks: 1, skipPages: 1 }, { limit: 10 });
      const claimed = await repository.transition({ ...execution, tenantId: intruder, status: 'sending' }, 'pending');
      await repository.removeExcept(intruder, broadcastId, { chunk: 0 }, new Set());

      // Assess
      expect(listed).toEqual([]);
      expect(found.items).toEqual([]);
      expect(await repository.listChunk(owner, broadcastId, 0)).toEqual([execution]);
      // A pending execution has no item before its first outcome: the intruder's write made one, under its own tenant
      // (which its removeExcept then cleared).
      expect(claimed).toBe(true);
    });
  });
});
