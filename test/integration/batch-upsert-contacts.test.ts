import { batchUpsertContacts } from '../../lib/use-cases/batch-upsert-contacts.js';
import { allPages } from '../support/builders.js';
import { buildTestDeps, createTestTable, newTenantId, type TestDeps, type TestTable } from '../support/dynamodb.js';

/**
 * Issue 11: POST /contacts/batch answered 500 after writing 59 of 60 contacts, because one item's write failed with
 * an error that was not a domain error and that failure rejected the whole batch. Here the failing write is a real
 * one: DynamoDB Local refusing a number below its range, an entry the HTTP schema would stop but the use case must
 * survive anyway.
 */
let table: TestTable;
let deps: TestDeps;

beforeAll(async () => {
  table = await createTestTable();
  deps = buildTestDeps(table);
});

afterAll(async () => {
  await table.release();
});

describe('batchUpsertContacts', () => {
  it('answers one result per entry when one write fails: that one rejected, exactly the others written', async () => {
    // Prepare
    const tenantId = newTenantId();
    const entries = Array.from({ length: 60 }, (_, i) => ({
      fields: {
        externalId: `crm-${i}`,
        name: `Contact ${i}`,
        ...(i === 37 ? { customFields: { score: 1e-200 } } : {}),
      },
    }));

    // Act
    const results = await batchUpsertContacts(deps, tenantId, entries);
    const { items } = await allPages((page) => deps.contacts.list(tenantId, page), 100);

    // Assess
    expect(results[37]).toEqual({
      index: 37,
      status: 'rejected',
      code: 'contact.not_stored',
      detail: expect.stringContaining('send this entry again'),
    });
    const created = results.filter((r) => r.status === 'created').map((r) => ('id' in r ? r.id : ''));
    expect(created).toHaveLength(59);
    expect(items.map((c) => c.id).sort()).toEqual(created.sort());
    expect(items.map((c) => c.externalId)).not.toContain('crm-37');
  });
});
