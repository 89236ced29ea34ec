import { randomUUID } from 'node:crypto';
import { type Cursor, encodeCursor } from '../../lib/adapters/dynamodb/cursor.js';
import { CONTACT_SHARDS, shardOf } from '../../lib/adapters/dynamodb/keys.js';
import { InvalidCursorError } from '../../lib/domain/errors.js';
import type { PageRequest } from '../../lib/ports/pagination.js';
import { aContact, aStaticList, rejectionOf } from '../support/builders.js';
import { buildTestDeps, createTestTable, newTenantId, type TestDeps, type TestTable } from '../support/dynamodb.js';

/**
 * Issue 11: a cursor names a partition (shard) and a sort key. One that this collection could not have issued (a
 * shard past the last, a sort key of another collection or of another shard) is InvalidCursorError (400), not an
 * empty "last" page, and not a DynamoDB ValidationException (500) for a start key outside the key condition.
 */
let table: TestTable;
let deps: TestDeps;
let tenantId: string;
let listId: string;

const page = (cursor: Cursor): PageRequest => ({ limit: 10, cursor: encodeCursor(cursor) });
const ID = '00000000-0000-4000-8000-000000000000';
/** A contact id whose shard is not `shard`. */
const idOutside = (shard: number) => {
  for (;;) {
    const id = randomUUID();
    if (shardOf(id, CONTACT_SHARDS) !== shard) return id;
  }
};

beforeAll(async () => {
  table = await createTestTable();
  deps = buildTestDeps(table);
  tenantId = newTenantId();
  for (let i = 0; i < 5; i++) await deps.contacts.create(aContact(tenantId, { name: `C${i}` }));
  const list = aStaticList(tenantId);
  await deps.contactLists.create(list, []);
  listId = list.id;
});

afterAll(async () => {
  await table.release();
});

describe('a cursor the collection could not have issued: InvalidCursorError', () => {
  it.each<[string, Cursor]>([
    ['a shard past the last', { s: CONTACT_SHARDS }],
    ['a sort key of another collection', { s: 0, k: `LIST#${ID}` }],
    ['a contact of another shard', { s: 3, k: `CONTACT#${idOutside(3)}` }],
  ])('contacts: %s', async (_, cursor) => {
    // Act
    const listed = await rejectionOf(deps.contacts.list(tenantId, page(cursor)));
    const matched = await rejectionOf(deps.contacts.listMatching(tenantId, page(cursor), () => true));

    // Assess
    expect(listed).toBeInstanceOf(InvalidCursorError);
    expect(matched).toBeInstanceOf(InvalidCursorError);
  });

  it.each<[string, Cursor]>([
    ['a second partition', { s: 1 }],
    ['a sort key of another collection', { s: 0, k: `BROADCAST#${ID}` }],
    ['a sort key past every list', { s: 0, k: '~' }],
  ])('contact lists: %s', async (_, cursor) => {
    // Act
    const error = await rejectionOf(deps.contactLists.list(tenantId, page(cursor)));

    // Assess
    expect(error).toBeInstanceOf(InvalidCursorError);
  });

  it.each<[string, Cursor]>([
    ['a sort key of another collection', { s: 0, k: `LIST#${ID}` }],
    ['a second partition', { s: 1, k: `BROADCAST#${ID}` }],
  ])('broadcasts and channels: %s', async (_, cursor) => {
    // Act
    const broadcasts = await rejectionOf(deps.broadcasts.list(tenantId, page(cursor)));
    const channels = await rejectionOf(deps.channels.list(tenantId, page(cursor)));

    // Assess
    expect(broadcasts).toBeInstanceOf(InvalidCursorError);
    expect(channels).toBeInstanceOf(InvalidCursorError);
  });

  it("a static list's members: a sort key that is no member's", async () => {
    // Prepare
    const list = await deps.contactLists.findById(tenantId, listId);
    if (!list) throw new Error('the list was not stored');

    // Act
    const error = await rejectionOf(deps.contactLists.listMemberIds(list, page({ s: 0, k: `LIST#${ID}` })));

    // Assess
    expect(error).toBeInstanceOf(InvalidCursorError);
  });
});

describe('a cursor the collection issued', () => {
  it('pages on from where it was, in every shard', async () => {
    // Act
    const first = await deps.contacts.list(tenantId, { limit: 2 });
    const rest = await deps.contacts.list(tenantId, { limit: 10, cursor: first.nextCursor as string });

    // Assess
    expect([...first.items, ...rest.items].map((c) => c.name).sort()).toEqual(['C0', 'C1', 'C2', 'C3', 'C4']);
  });
});
