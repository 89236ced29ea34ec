import { randomUUID } from 'node:crypto';
import { DynamoDbContactRepository } from '../../lib/adapters/dynamodb/contact-repository.js';
import { CONTACT_SHARDS, contactKeys, shardOf } from '../../lib/adapters/dynamodb/keys.js';
import { applyContactFields, type Contact } from '../../lib/domain/contact.js';
import { ConflictError, InvalidCursorError, NotFoundError } from '../../lib/domain/errors.js';
import { upsertContact } from '../../lib/use-cases/upsert-contact.js';
import { readingTogether } from '../support/barrier.js';
import { aContact, allPages, rejectionOf } from '../support/builders.js';
import { buildTestDeps, newTenantId, rawPartition, testTableForFile } from '../support/dynamodb.js';

const table = testTableForFile();
let repository: DynamoDbContactRepository;

beforeAll(async () => {
  repository = new DynamoDbContactRepository(table.client, table.tableName);
});

async function createContacts(tenantId: string, count: number, fields: (i: number) => Parameters<typeof aContact>[1]) {
  const contacts = Array.from({ length: count }, (_, i) => aContact(tenantId, fields(i)));
  await Promise.all(contacts.map((contact) => repository.create(contact)));
  return contacts;
}

const ids = (contacts: readonly Contact[]) => contacts.map((c) => c.id).sort();

describe('DynamoDbContactRepository', () => {
  describe('create', () => {
    it('stores a contact that reads back exactly as written', async () => {
      // Prepare
      const tenantId = newTenantId();
      const contact = aContact(tenantId, {
        externalId: 'crm-1',
        email: 'ana@example.com',
        tags: ['vip', 'sp'],
        pipelineId: 'p1',
        statusId: 's1',
        customFields: { plan: 'gold', score: 7, active: true, nothing: null },
        timezone: 'America/Sao_Paulo',
      });

      // Act
      await repository.create(contact);

      // Assess
      expect(await repository.findById(tenantId, contact.id)).toEqual(contact);
      expect(await repository.findByExternalId(tenantId, 'crm-1')).toEqual(contact);
    });

    it('stores a contact without external id', async () => {
      // Prepare
      const tenantId = newTenantId();
      const contact = aContact(tenantId, { name: 'Bia' });

      // Act
      await repository.create(contact);

      // Assess
      const found = await repository.findById(tenantId, contact.id);
      expect(found).toEqual(contact);
      expect(found).not.toHaveProperty('externalId');
    });

    it('refuses an external id another contact holds, and leaves no trace of the refused contact', async () => {
      // Prepare
      const tenantId = newTenantId();
      const first = aContact(tenantId, { externalId: 'crm-dup', name: 'First' });
      const second = aContact(tenantId, { externalId: 'crm-dup', name: 'Second' });
      await repository.create(first);

      // Act
      const attempt = await rejectionOf(repository.create(second));

      // Assess
      expect(attempt).toBeInstanceOf(ConflictError);
      expect(attempt).toMatchObject({ code: 'contact.external_id_taken' });
      expect(await repository.findById(tenantId, second.id)).toBeUndefined();
      expect(await repository.findByExternalId(tenantId, 'crm-dup')).toEqual(first);
    });

    it('lets two tenants use the same external id', async () => {
      // Prepare
      const a = aContact(newTenantId(), { externalId: 'shared' });
      const b = aContact(newTenantId(), { externalId: 'shared' });

      // Act
      await repository.create(a);
      await repository.create(b);

      // Assess
      expect((await repository.findByExternalId(a.tenantId, 'shared'))?.id).toBe(a.id);
      expect((await repository.findByExternalId(b.tenantId, 'shared'))?.id).toBe(b.id);
    });

    it('spreads a tenant over several partition keys, each contact in the shard of its id', async () => {
      // Prepare
      const tenantId = newTenantId();

      // Act
      const contacts = await createContacts(tenantId, 40, () => ({}));

      // Assess
      const partitions = await Promise.all(
        Array.from({ length: CONTACT_SHARDS }, (_, shard) =>
          rawPartition(table, contactKeys.partition(tenantId, shard)),
        ),
      );
      const raw = partitions.flat();
      expect(raw).toHaveLength(40);
      for (const contact of contacts) {
        const item = raw.find((r) => r.id === contact.id);
        expect(item).toMatchObject(contactKeys.byId(tenantId, contact.id));
      }
      const distinctPks = new Set(raw.map((item) => item.pk));
      expect(distinctPks.size).toBeGreaterThanOrEqual(4);
    });
  });

  describe('replace', () => {
    it('replaces the fields of a contact', async () => {
      // Prepare
      const tenantId = newTenantId();
      const original = aContact(tenantId, { externalId: 'crm-r', tags: ['old'], customFields: { a: 1 } });
      await repository.create(original);
      const changed = applyContactFields(original, { name: 'Renamed', tags: ['new'] }, '2025-02-01T00:00:00.000Z');

      // Act
      await repository.replace(changed, original);

      // Assess
      const found = await repository.findById(tenantId, original.id);
      expect(found).toEqual(changed);
      expect(found?.name).toBe('Renamed');
      expect(found?.tags).toEqual(['new']);
      expect(found?.customFields).toEqual({});
      expect(found?.externalId).toBe('crm-r');
    });

    it('moves the external id: the old one is free again, the new one resolves', async () => {
      // Prepare
      const tenantId = newTenantId();
      const original = aContact(tenantId, { externalId: 'crm-old' });
      await repository.create(original);
      const moved = { ...original, externalId: 'crm-new' };

      // Act
      await repository.replace(moved, original);

      // Assess
      expect(await repository.findByExternalId(tenantId, 'crm-old')).toBeUndefined();
      expect((await repository.findByExternalId(tenantId, 'crm-new'))?.id).toBe(original.id);
      const newcomer = aContact(tenantId, { externalId: 'crm-old' });
      await repository.create(newcomer);
      expect((await repository.findByExternalId(tenantId, 'crm-old'))?.id).toBe(newcomer.id);
    });

    it('gives a contact its first external id', async () => {
      // Prepare
      const tenantId = newTenantId();
      const original = aContact(tenantId);
      await repository.create(original);

      // Act
      await repository.replace({ ...original, externalId: 'crm-late' }, original);

      // Assess
      expect((await repository.findByExternalId(tenantId, 'crm-late'))?.id).toBe(original.id);
    });

    it('refuses an external id held by another contact and changes nothing', async () => {
      // Prepare
      const tenantId = newTenantId();
      const holder = aContact(tenantId, { externalId: 'crm-taken' });
      const mover = aContact(tenantId, { externalId: 'crm-mine', name: 'Mover' });
      await repository.create(holder);
      await repository.create(mover);

      // Act
      const attempt = await rejectionOf(
        repository.replace({ ...mover, externalId: 'crm-taken', name: 'Changed' }, mover),
      );

      // Assess
      expect(attempt).toMatchObject({ code: 'contact.external_id_taken' });
      expect(await repository.findById(tenantId, mover.id)).toEqual(mover);
      expect((await repository.findByExternalId(tenantId, 'crm-mine'))?.id).toBe(mover.id);
      expect((await repository.findByExternalId(tenantId, 'crm-taken'))?.id).toBe(holder.id);
    });

    it('fails with NotFoundError for a contact that does not exist', async () => {
      // Prepare
      const ghost = aContact(newTenantId());

      // Act
      const attempt = await rejectionOf(repository.replace({ ...ghost, name: 'x' }, ghost));

      // Assess
      expect(attempt).toBeInstanceOf(NotFoundError);
      expect(await repository.findById(ghost.tenantId, ghost.id)).toBeUndefined();
    });
  });

  describe('delete', () => {
    it('deletes the contact and frees its external id', async () => {
      // Prepare
      const tenantId = newTenantId();
      const contact = aContact(tenantId, { externalId: 'crm-del' });
      await repository.create(contact);

      // Act
      await repository.delete(contact);

      // Assess
      expect(await repository.findById(tenantId, contact.id)).toBeUndefined();
      expect(await repository.findByExternalId(tenantId, 'crm-del')).toBeUndefined();
      expect(await rawPartition(table, contactKeys.byExternalId(tenantId, 'crm-del').pk)).toEqual([]);
      await expect(repository.create(aContact(tenantId, { externalId: 'crm-del' }))).resolves.toBeUndefined();
    });
  });

  describe('upsertContact (use case) with concurrent callers', () => {
    it('ends with exactly one contact when two calls race with one new external id', async () => {
      for (let round = 0; round < 5; round++) {
        // Prepare
        const plain = buildTestDeps(table);
        // Both callers look the external id up before either creates: both try to create, one loses.
        const deps = { ...plain, contacts: readingTogether(plain.contacts, 'findByExternalId', 2) };
        const tenantId = newTenantId();

        // Act
        const results = await Promise.all([
          upsertContact(deps, tenantId, { externalId: 'crm-race', name: 'One', tags: [] }),
          upsertContact(deps, tenantId, { externalId: 'crm-race', name: 'Two', tags: [] }),
        ]);

        // Assess
        const all = await allPages((page) => repository.list(tenantId, page), 100);
        expect(all.items).toHaveLength(1);
        const [only] = all.items;
        expect(results.map((r) => r.contact.id)).toEqual([only?.id, only?.id]);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect((await repository.findByExternalId(tenantId, 'crm-race'))?.id).toBe(only?.id);
      }
    });
  });

  describe('findByIds', () => {
    it('returns the existing contacts among more than 100 ids, and only the tenant own', async () => {
      // Prepare
      const tenantId = newTenantId();
      const mine = await createContacts(tenantId, 130, () => ({}));
      const theirs = await createContacts(newTenantId(), 3, () => ({}));
      const missing = Array.from({ length: 20 }, () => randomUUID());

      // Act
      const found = await repository.findByIds(tenantId, [...ids(mine), ...ids(theirs), ...missing]);

      // Assess
      expect(ids(found)).toEqual(ids(mine));
      expect(found.find((c) => c.id === mine[7]?.id)).toEqual(mine[7]);
    });

    it('returns nothing for no ids', async () => {
      // Act
      const found = await repository.findByIds(newTenantId(), []);

      // Assess
      expect(found).toEqual([]);
    });

    it('tolerates the same id twice', async () => {
      // Prepare
      const tenantId = newTenantId();
      const [contact] = await createContacts(tenantId, 1, () => ({}));

      // Act
      const found = await repository.findByIds(tenantId, [contact?.id as string, contact?.id as string]);

      // Assess
      expect(found).toEqual([contact]);
    });
  });

  describe('list', () => {
    it.each([1, 5, 7, 23, 50])('returns every contact exactly once across shards with limit %i', async (limit) => {
      // Prepare
      const tenantId = newTenantId();
      const contacts = await createContacts(tenantId, 23, () => ({}));

      // Act
      const { items, pages } = await allPages((page) => repository.list(tenantId, page), limit);

      // Assess
      expect(items).toHaveLength(23);
      expect(ids(items)).toEqual(ids(contacts));
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(23 / limit));
    });

    it('filters by tag, pipeline and status, over every shard and page', async () => {
      // Prepare
      const tenantId = newTenantId();
      const contacts = await createContacts(tenantId, 30, (i) => ({
        tags: i % 2 === 0 ? ['even', 'all'] : ['all'],
        pipelineId: i % 3 === 0 ? 'sales' : 'support',
        statusId: i % 5 === 0 ? 'won' : 'open',
      }));
      const expected = (accept: (i: number) => boolean) => ids(contacts.filter((_, i) => accept(i)));

      // Act
      const byTag = await allPages((page) => repository.list(tenantId, page, { tag: 'even' }), 4);
      const byPipeline = await allPages((page) => repository.list(tenantId, page, { pipelineId: 'sales' }), 3);
      const byStatus = await allPages((page) => repository.list(tenantId, page, { statusId: 'won' }), 2);
      const combined = await allPages(
        (page) => repository.list(tenantId, page, { tag: 'even', pipelineId: 'sales', statusId: 'open' }),
        1,
      );
      const none = await allPages((page) => repository.list(tenantId, page, { tag: 'nobody' }), 5);

      // Assess
      expect(ids(byTag.items)).toEqual(expected((i) => i % 2 === 0));
      expect(ids(byPipeline.items)).toEqual(expected((i) => i % 3 === 0));
      expect(ids(byStatus.items)).toEqual(expected((i) => i % 5 === 0));
      expect(ids(combined.items)).toEqual(expected((i) => i % 2 === 0 && i % 3 === 0 && i % 5 !== 0));
      expect(none.items).toEqual([]);
    });

    it('rejects a cursor it did not issue', async () => {
      // Act
      const attempt = await rejectionOf(repository.list(newTenantId(), { limit: 5, cursor: 'not-a-cursor' }));

      // Assess
      expect(attempt).toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('listMatching', () => {
    it('walks every shard and keeps only the contacts the function accepts', async () => {
      // Prepare
      const tenantId = newTenantId();
      const contacts = await createContacts(tenantId, 23, (i) => ({ customFields: { n: i } }));
      const accept = (c: Contact) => (c.customFields.n as number) % 4 === 1;

      // Act
      const { items } = await allPages((page) => repository.listMatching(tenantId, page, accept), 2);

      // Assess
      expect(ids(items)).toEqual(ids(contacts.filter(accept)));
      expect(items).toHaveLength(6);
    });

    it.each([
      [8, 1],
      [2, 3],
    ])('reads every contact exactly once across %i segments, page by page (limit %i)', async (count, limit) => {
      // Prepare
      const tenantId = newTenantId();
      const contacts = await createContacts(tenantId, 40, (i) => ({ customFields: { n: i } }));
      const accept = (c: Contact) => (c.customFields.n as number) % 5 !== 0;

      // Act: small pages (allPages refuses a page over `limit`), so a segment goes on from cursor to cursor
      const segments = await Promise.all(
        Array.from({ length: count }, (_, index) =>
          allPages((page) => repository.listMatching(tenantId, page, accept, { index, count }), limit),
        ),
      );
      const whole = await allPages((page) => repository.listMatching(tenantId, page, accept), 7);

      // Assess
      const read = segments.flatMap((segment) => segment.items);
      expect(read).toHaveLength(32);
      expect(ids(read)).toEqual(ids(contacts.filter(accept)));
      expect(ids(read)).toEqual(ids(whole.items));
      segments.forEach((segment, index) => {
        const shards = segment.items.map((c) => shardOf(c.id, CONTACT_SHARDS) % count);
        expect(new Set(shards)).toEqual(new Set(segment.items.length > 0 ? [index] : []));
      });
    });

    it("refuses another segment's cursor", async () => {
      // Prepare
      const tenantId = newTenantId();
      await createContacts(tenantId, 24, () => ({}));
      const everyone = () => true;
      const first = await repository.listMatching(tenantId, { limit: 1 }, everyone, { index: 0, count: 2 });

      // Act
      const attempt = await rejectionOf(
        repository.listMatching(tenantId, { limit: 1, cursor: first.nextCursor as string }, everyone, {
          index: 1,
          count: 2,
        }),
      );

      // Assess
      expect(first.nextCursor).toBeDefined();
      expect(attempt).toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('tenant isolation', () => {
    it('finds nothing of another tenant with any finder', async () => {
      // Prepare
      const owner = newTenantId();
      const intruder = newTenantId();
      const contacts = await createContacts(owner, 5, (i) => ({
        externalId: `iso-${i}`,
        tags: ['t'],
        pipelineId: 'p',
      }));
      const [first] = contacts;
      const ownerPage = await repository.list(owner, { limit: 2 });

      // Act
      const byId = await repository.findById(intruder, first?.id as string);
      const byExternalId = await repository.findByExternalId(intruder, 'iso-0');
      const byIds = await repository.findByIds(intruder, ids(contacts));
      const listed = await allPages((page) => repository.list(intruder, page, {}), 10);
      const filtered = await allPages((page) => repository.list(intruder, page, { tag: 't', pipelineId: 'p' }), 10);
      const matching = await allPages((page) => repository.listMatching(intruder, page, () => true), 10);
      const withOwnersCursor = await repository.list(intruder, { limit: 10, cursor: ownerPage.nextCursor as string });

      // Assess
      expect(byId).toBeUndefined();
      expect(byExternalId).toBeUndefined();
      expect(byIds).toEqual([]);
      expect(listed.items).toEqual([]);
      expect(filtered.items).toEqual([]);
      expect(matching.items).toEqual([]);
      expect(withOwnersCursor.items).toEqual([]);
      expect(await repository.findById(owner, first?.id as string)).toEqual(first);
    });
  });
});
