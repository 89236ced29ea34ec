import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  DynamoDbContactListRepository,
  listReferenceUpdate,
} from '../../lib/adapters/dynamodb/contact-list-repository.js';
import { DynamoDbContactRepository } from '../../lib/adapters/dynamodb/contact-repository.js';
import { contactKeys, listKeys } from '../../lib/adapters/dynamodb/keys.js';
import type { Contact } from '../../lib/domain/contact.js';
import type { ContactList } from '../../lib/domain/contact-list.js';
import { InvalidCursorError, NotFoundError } from '../../lib/domain/errors.js';
import { aContact, allPages, aStaticList, rejectionOf } from '../support/builders.js';
import { newTenantId, rawPartition, testTableForFile } from '../support/dynamodb.js';

const table = testTableForFile();
let lists: DynamoDbContactListRepository;
let contacts: DynamoDbContactRepository;

beforeAll(async () => {
  lists = new DynamoDbContactListRepository(table.client, table.tableName);
  contacts = new DynamoDbContactRepository(table.client, table.tableName);
});

async function createContacts(tenantId: string, count: number): Promise<Contact[]> {
  const created = Array.from({ length: count }, () => aContact(tenantId));
  await Promise.all(created.map((contact) => contacts.create(contact)));
  return created;
}

async function memberIds(list: ContactList): Promise<string[]> {
  return (await allPages((page) => lists.listMemberIds(list, page), 1000)).items.sort();
}

async function storedCount(list: ContactList): Promise<number | undefined> {
  return (await lists.findById(list.tenantId, list.id))?.contactCount;
}

const ids = (items: readonly Contact[]) => items.map((c) => c.id).sort();

/** Member ids at every cut of 8 segments (2, 4, ..., e), just below and above them, and of shapes no UUID has. */
const EDGE_IDS = ['0', '1ffff', '2', '20', '4', '7', '8', 'a', 'c', 'e', 'f', 'fff', 'A1', 'Z', '-1', '~'];

describe('DynamoDbContactListRepository', () => {
  describe('create', () => {
    it('creates a static list with its members and an exact count', async () => {
      // Prepare
      const tenantId = newTenantId();
      const members = await createContacts(tenantId, 60);
      const list = aStaticList(tenantId, { description: 'best customers', tags: ['q4'], contactCount: 60 });

      // Act
      await lists.create(list, ids(members));

      // Assess
      expect(await lists.findById(tenantId, list.id)).toEqual(list);
      expect(await memberIds(list)).toEqual(ids(members));
      const sides = await Promise.all(
        members.map((m) => rawPartition(table, contactKeys.listMemberships(tenantId, m.id))),
      );
      expect(sides.every((items) => items.length === 1 && items[0]?.sk === `LIST#${list.id}`)).toBe(true);
    });

    it('creates an empty static list with a zero count', async () => {
      // Prepare
      const list = aStaticList(newTenantId(), { contactCount: 0 });

      // Act
      await lists.create(list, []);

      // Assess
      expect(await storedCount(list)).toBe(0);
      expect(await memberIds(list)).toEqual([]);
    });

    it('creates a dynamic list with its filters and no count', async () => {
      // Prepare
      const tenantId = newTenantId();
      const list: ContactList = {
        ...aStaticList(tenantId),
        isDynamic: true,
        filters: { pipelineId: 'p', tags: ['a'], customFields: { last_visit: 'today' } },
      };
      delete list.contactCount;

      // Act
      await lists.create(list, []);

      // Assess
      const found = await lists.findById(tenantId, list.id);
      expect(found).toEqual(list);
      expect(found).not.toHaveProperty('contactCount');
    });
  });

  describe('addContacts', () => {
    it('adds only the ids that are not members yet and keeps the count exact', async () => {
      // Prepare
      const tenantId = newTenantId();
      const [a, b, c, d] = ids(await createContacts(tenantId, 4)) as [string, string, string, string];
      const list = aStaticList(tenantId);
      await lists.create(list, [a, b]);

      // Act
      const added = await lists.addContacts(list, [b, c, c, d, a]);
      const addedAgain = await lists.addContacts(list, [a, b, c, d]);

      // Assess
      expect(added).toBe(2);
      expect(addedAgain).toBe(0);
      expect(await storedCount(list)).toBe(4);
      expect(await memberIds(list)).toEqual([a, b, c, d].sort());
    });

    it('adds more ids than fit in one transaction', async () => {
      // Prepare
      const tenantId = newTenantId();
      const members = await createContacts(tenantId, 120);
      const list = aStaticList(tenantId);
      await lists.create(list, []);

      // Act
      const added = await lists.addContacts(list, ids(members));

      // Assess
      expect(added).toBe(120);
      expect(await storedCount(list)).toBe(120);
      expect(await memberIds(list)).toEqual(ids(members));
    });

    it('keeps the count exact when two adds of overlapping ids race', async () => {
      for (let round = 0; round < 3; round++) {
        // Prepare
        const tenantId = newTenantId();
        const everyone = ids(await createContacts(tenantId, 70));
        const list = aStaticList(tenantId);
        await lists.create(list, everyone.slice(0, 5));

        // Act
        const [first, second] = await Promise.all([
          lists.addContacts(list, everyone.slice(0, 50)),
          lists.addContacts(list, everyone.slice(20, 70)),
        ]);

        // Assess
        expect(first + second).toBe(65);
        expect(await storedCount(list)).toBe(70);
        expect(await memberIds(list)).toEqual(everyone);
      }
    });

    it('fails with NotFoundError when the list does not exist, writing no member', async () => {
      // Prepare
      const tenantId = newTenantId();
      const [contact] = await createContacts(tenantId, 1);
      const ghost = aStaticList(tenantId);

      // Act
      const attempt = await rejectionOf(lists.addContacts(ghost, [contact?.id as string]));

      // Assess
      expect(attempt).toBeInstanceOf(NotFoundError);
      expect(await memberIds(ghost)).toEqual([]);
    });
  });

  describe('removeContact', () => {
    it('removes a member, both sides of the membership, and decrements the count', async () => {
      // Prepare
      const tenantId = newTenantId();
      const [a, b] = ids(await createContacts(tenantId, 2)) as [string, string];
      const list = aStaticList(tenantId);
      await lists.create(list, [a, b]);

      // Act
      const removed = await lists.removeContact(list, a);

      // Assess
      expect(removed).toBe(true);
      expect(await storedCount(list)).toBe(1);
      expect(await memberIds(list)).toEqual([b]);
      expect(await rawPartition(table, contactKeys.listMemberships(tenantId, a))).toEqual([]);
    });

    it('returns false for a contact that is not a member, leaving the count alone', async () => {
      // Prepare
      const tenantId = newTenantId();
      const [a] = ids(await createContacts(tenantId, 1)) as [string];
      const list = aStaticList(tenantId);
      await lists.create(list, [a]);
      await lists.removeContact(list, a);

      // Act
      const removedAgain = await lists.removeContact(list, a);
      const removedStranger = await lists.removeContact(list, randomUUID());

      // Assess
      expect(removedAgain).toBe(false);
      expect(removedStranger).toBe(false);
      expect(await storedCount(list)).toBe(0);
    });

    it('fails with NotFoundError for a list that does not exist', async () => {
      // Act
      const attempt = await rejectionOf(lists.removeContact(aStaticList(newTenantId()), randomUUID()));

      // Assess
      expect(attempt).toBeInstanceOf(NotFoundError);
    });
  });

  describe('contact delete (DynamoDbContactRepository.delete)', () => {
    it('removes the contact from every list it was in and decrements their counts', async () => {
      // Prepare
      const tenantId = newTenantId();
      const [leaver, stayer] = await createContacts(tenantId, 2);
      const listA = aStaticList(tenantId);
      const listB = aStaticList(tenantId);
      await lists.create(listA, [leaver?.id as string, stayer?.id as string]);
      await lists.create(listB, [leaver?.id as string]);

      // Act
      await contacts.delete(leaver as Contact);

      // Assess
      expect(await storedCount(listA)).toBe(1);
      expect(await storedCount(listB)).toBe(0);
      expect(await memberIds(listA)).toEqual([stayer?.id]);
      expect(await memberIds(listB)).toEqual([]);
      expect(await rawPartition(table, contactKeys.listMemberships(tenantId, leaver?.id as string))).toEqual([]);
    });
  });

  describe('listMemberIds', () => {
    it('pages through the members, each exactly once', async () => {
      // Prepare
      const tenantId = newTenantId();
      const members = await createContacts(tenantId, 23);
      const list = aStaticList(tenantId);
      await lists.create(list, ids(members));

      // Act
      const { items, pages } = await allPages((page) => lists.listMemberIds(list, page), 5);

      // Assess
      expect(items).toHaveLength(23);
      expect([...items].sort()).toEqual(ids(members));
      expect(pages).toBe(5);
    });

    it.each([
      [8, 2],
      [2, 3],
    ])('reads every member exactly once across %i segments, page by page (limit %i)', async (count, limit) => {
      // Prepare
      const tenantId = newTenantId();
      const list = aStaticList(tenantId);
      // Random ids, plus ids at and around every cut (CONTACT#2, #4, ...) and of other shapes.
      const members = [...Array.from({ length: 30 }, () => randomUUID()), ...EDGE_IDS];
      await lists.create(list, members);

      // Act: small pages (allPages refuses a page over `limit`), so a segment goes on from cursor to cursor
      const segments = await Promise.all(
        Array.from({ length: count }, (_, index) =>
          allPages((page) => lists.listMemberIds(list, page, { index, count }), limit),
        ),
      );

      // Assess
      const read = segments.flatMap((segment) => segment.items);
      expect(read).toHaveLength(members.length);
      expect([...read].sort()).toEqual([...members].sort());
      expect([...read].sort()).toEqual(await memberIds(list));
      segments.forEach((segment, index) => {
        const { from, below } = listKeys.memberSegment(index, count);
        const outside = segment.items.filter((id) => `CONTACT#${id}` < from || `CONTACT#${id}` >= below);
        expect(outside).toEqual([]);
      });
    });

    it('puts a member whose id is exactly at a cut in the segment the cut starts, and in no other', async () => {
      // Prepare
      const tenantId = newTenantId();
      const list = aStaticList(tenantId);
      await lists.create(list, ['3', '4', '5']);
      const segmentsOf = async (count: number) =>
        Promise.all(
          Array.from({ length: count }, async (_, index) =>
            (await allPages((page) => lists.listMemberIds(list, page, { index, count }), 1)).items.sort(),
          ),
        );

      // Act
      const ofEight = await segmentsOf(8);
      const ofTwo = await segmentsOf(2);

      // Assess
      // Segment 1 of 8 is [CONTACT#2, CONTACT#4), segment 2 is [CONTACT#4, CONTACT#6).
      expect(ofEight).toEqual([[], ['3'], ['4', '5'], [], [], [], [], []]);
      expect(ofTwo).toEqual([['3', '4', '5'], []]);
    });

    it("refuses another segment's cursor", async () => {
      // Prepare
      const tenantId = newTenantId();
      const list = aStaticList(tenantId);
      await lists.create(list, ['0a', '0b', '0c', '9a', '9b', '9c']);
      const first = await lists.listMemberIds(list, { limit: 1 }, { index: 0, count: 2 });

      // Act
      const attempt = await rejectionOf(
        lists.listMemberIds(list, { limit: 1, cursor: first.nextCursor as string }, { index: 1, count: 2 }),
      );

      // Assess
      expect(first).toMatchObject({ items: ['0a'], nextCursor: expect.any(String) });
      expect(attempt).toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('list', () => {
    it('pages through the lists of the tenant, each exactly once', async () => {
      // Prepare
      const tenantId = newTenantId();
      const created = Array.from({ length: 7 }, (_, i) => aStaticList(tenantId, { name: `list ${i}` }));
      for (const list of created) await lists.create(list, []);

      // Act
      const { items } = await allPages((page) => lists.list(tenantId, page), 3);

      // Assess
      expect(items.map((l) => l.id).sort()).toEqual(created.map((l) => l.id).sort());
      expect(items.find((l) => l.id === created[3]?.id)?.name).toBe('list 3');
    });
  });

  describe('update', () => {
    it('replaces name, description and tags without clobbering a count changed meanwhile', async () => {
      // Prepare
      const tenantId = newTenantId();
      const members = await createContacts(tenantId, 3);
      const list = aStaticList(tenantId, { description: 'old', tags: ['a'] });
      await lists.create(list, []);
      const stale = { ...list };
      await lists.addContacts(list, ids(members));
      const { description: _dropped, ...withoutDescription } = stale;

      // Act
      await lists.update({
        ...withoutDescription,
        name: 'Renamed',
        tags: ['b', 'c'],
        updatedAt: '2025-03-01T00:00:00.000Z',
      });

      // Assess
      const found = await lists.findById(tenantId, list.id);
      expect(found?.contactCount).toBe(3);
      expect(found?.name).toBe('Renamed');
      expect(found?.tags).toEqual(['b', 'c']);
      expect(found).not.toHaveProperty('description');
      expect(found?.updatedAt).toBe('2025-03-01T00:00:00.000Z');
    });

    it('replaces the filters of a dynamic list', async () => {
      // Prepare
      const tenantId = newTenantId();
      const list: ContactList = { ...aStaticList(tenantId), isDynamic: true, filters: { pipelineId: 'old' } };
      delete list.contactCount;
      await lists.create(list, []);

      // Act
      await lists.update({ ...list, filters: { statusId: 'new', tags: ['x'] } });

      // Assess
      expect((await lists.findById(tenantId, list.id))?.filters).toEqual({ statusId: 'new', tags: ['x'] });
    });

    it('fails with NotFoundError for a list that does not exist, creating nothing', async () => {
      // Prepare
      const ghost = aStaticList(newTenantId());

      // Act
      const attempt = await rejectionOf(lists.update(ghost));

      // Assess
      expect(attempt).toBeInstanceOf(NotFoundError);
      expect(await lists.findById(ghost.tenantId, ghost.id)).toBeUndefined();
    });
  });

  describe('delete', () => {
    it('deletes the list and both sides of every membership', async () => {
      // Prepare
      const tenantId = newTenantId();
      const members = await createContacts(tenantId, 30);
      const list = aStaticList(tenantId);
      const other = aStaticList(tenantId);
      await lists.create(list, ids(members));
      await lists.create(other, ids(members).slice(0, 2));

      // Act
      const deleted = await lists.delete(list, 0);

      // Assess
      expect(deleted).toBe(true);
      expect(await lists.findById(tenantId, list.id)).toBeUndefined();
      expect(await rawPartition(table, listKeys.membersPartition(tenantId, list.id))).toEqual([]);
      const sides = (
        await Promise.all(members.map((m) => rawPartition(table, contactKeys.listMemberships(tenantId, m.id))))
      ).flat();
      expect(sides.map((item) => item.sk)).toEqual([`LIST#${other.id}`, `LIST#${other.id}`]);
      expect(await storedCount(other)).toBe(2);
    });

    it('deletes a dynamic list', async () => {
      // Prepare
      const list: ContactList = { ...aStaticList(newTenantId()), isDynamic: true, filters: {} };
      await lists.create(list, []);

      // Act
      await lists.delete(list, 0);

      // Assess
      expect(await lists.findById(list.tenantId, list.id)).toBeUndefined();
    });

    it('deletes nothing once a broadcast was written naming the list since its mark was read', async () => {
      // Prepare
      const tenantId = newTenantId();
      const members = await createContacts(tenantId, 3);
      const list = aStaticList(tenantId);
      await lists.create(list, ids(members));
      const mark = await lists.referenceMark(tenantId, list.id);
      await table.client.send(new UpdateCommand(listReferenceUpdate(table.tableName, tenantId, list.id)));

      // Act
      const deleted = await lists.delete(list, mark as number);

      // Assess
      expect(mark).toBe(0);
      expect(deleted).toBe(false);
      expect(await lists.referenceMark(tenantId, list.id)).toBe(1);
      expect(await lists.findById(tenantId, list.id)).toEqual({ ...list, contactCount: 3 });
      expect(await lists.listMemberIds(list, { limit: 10 })).toMatchObject({
        items: expect.arrayContaining(ids(members)),
      });
    });
  });

  describe('tenant isolation', () => {
    it('finds nothing of another tenant, and cannot change its lists', async () => {
      // Prepare
      const owner = newTenantId();
      const intruder = newTenantId();
      const members = await createContacts(owner, 3);
      const list = aStaticList(owner);
      await lists.create(list, ids(members));
      const forged = { ...list, tenantId: intruder };

      // Act
      const byId = await lists.findById(intruder, list.id);
      const listed = await lists.list(intruder, { limit: 10 });
      const memberPage = await lists.listMemberIds(forged, { limit: 10 });
      const removal = await rejectionOf(lists.removeContact(forged, members[0]?.id as string));
      const addition = await rejectionOf(lists.addContacts(forged, [members[0]?.id as string]));
      const update = await rejectionOf(lists.update({ ...forged, name: 'hacked' }));

      // Assess
      expect(byId).toBeUndefined();
      expect(listed.items).toEqual([]);
      expect(memberPage.items).toEqual([]);
      expect(removal).toBeInstanceOf(NotFoundError);
      expect(addition).toBeInstanceOf(NotFoundError);
      expect(update).toBeInstanceOf(NotFoundError);
      expect(await lists.findById(owner, list.id)).toEqual({ ...list, contactCount: 3 });
      expect(await memberIds(list)).toEqual(ids(members));
    });
  });
});
