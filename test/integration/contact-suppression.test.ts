import { DynamoDbContactRepository } from '../../lib/adapters/dynamodb/contact-repository.js';
import { isSuppressed } from '../../lib/domain/suppression.js';
import { updateContact } from '../../lib/use-cases/update-contact.js';
import { readingTogether } from '../support/barrier.js';
import { aContact } from '../support/builders.js';
import { buildTestDeps, newTenantId, testTableForFile } from '../support/dynamodb.js';

// Contact suppressions stored on the contact item: the repository's suppress (used by the provider events and the
// SMS channel) and the CRM's PUT, alone and racing each other.

const table = testTableForFile();
const AT = '2026-03-01T10:00:00.000Z';

function repository() {
  return new DynamoDbContactRepository(table.client, table.tableName);
}

async function aStoredContact(fields: Parameters<typeof aContact>[1] = {}) {
  const tenantId = newTenantId();
  const contact = aContact(tenantId, { email: 'ana@example.com', phone: '+15550001111', ...fields });
  await repository().create(contact);
  return contact;
}

describe('DynamoDbContactRepository.suppress', () => {
  it("suppresses the contact's current address of that kind and nothing else", async () => {
    // Prepare
    const contact = await aStoredContact();

    // Act
    const outcome = await repository().suppress(contact.tenantId, contact.id, 'email', 'bounce', AT, {
      address: 'ANA@example.com',
    });

    // Assess
    const stored = await repository().findById(contact.tenantId, contact.id);
    expect(outcome).toBe('suppressed');
    expect(stored?.suppressions).toEqual({ email: { reason: 'bounce', at: AT, address: 'ana@example.com' } });
    expect(stored && isSuppressed(stored, 'email')).toBe(true);
    expect(stored && isSuppressed(stored, 'sms')).toBe(false);
    expect({ ...stored, suppressions: undefined, updatedAt: undefined }).toEqual({
      ...contact,
      suppressions: undefined,
      updatedAt: undefined,
    });
    expect(stored?.updatedAt).not.toBe(contact.updatedAt);
  });

  it('is a no-op the second time: the first report wins and nothing is written', async () => {
    // Prepare
    const contact = await aStoredContact();
    await repository().suppress(contact.tenantId, contact.id, 'sms', 'carrier_opt_out', AT);
    const first = await repository().findById(contact.tenantId, contact.id);

    // Act
    const again = await repository().suppress(contact.tenantId, contact.id, 'sms', 'carrier_opt_out', AT);
    const later = await repository().suppress(contact.tenantId, contact.id, 'sms', 'manual', '2026-04-01T00:00:00Z');

    // Assess
    expect([again, later]).toEqual(['unchanged', 'unchanged']);
    expect(await repository().findById(contact.tenantId, contact.id)).toEqual(first);
  });

  it('writes nothing for a contact that moved to another address, has none, or does not exist', async () => {
    // Prepare
    const contact = await aStoredContact({ phone: undefined });

    // Act
    const moved = await repository().suppress(contact.tenantId, contact.id, 'email', 'bounce', AT, {
      address: 'old@example.com',
    });
    const noPhone = await repository().suppress(contact.tenantId, contact.id, 'sms', 'carrier_opt_out', AT);
    const missing = await repository().suppress(contact.tenantId, crypto.randomUUID(), 'email', 'bounce', AT);
    const otherTenant = await repository().suppress(newTenantId(), contact.id, 'email', 'bounce', AT);

    // Assess
    expect([moved, noPhone, missing, otherTenant]).toEqual(['address_changed', 'no_address', 'not_found', 'not_found']);
    expect(await repository().findById(contact.tenantId, contact.id)).toEqual(contact);
  });

  it('loses neither write when a PUT and a suppression act on the same read of the contact', async () => {
    for (let round = 0; round < 5; round++) {
      // Prepare: both read the contact before either writes
      const contact = await aStoredContact();
      const plain = buildTestDeps(table);
      const contacts = readingTogether(plain.contacts, 'findById', 2);
      const deps = { ...plain, contacts };

      // Act
      const [, outcome] = await Promise.all([
        updateContact(deps, contact.tenantId, contact.id, {
          name: `Renamed ${round}`,
          email: 'ana@example.com',
          phone: '+15550001111',
        }),
        contacts.suppress(contact.tenantId, contact.id, 'email', 'bounce', AT),
      ]);

      // Assess
      const stored = await repository().findById(contact.tenantId, contact.id);
      expect(outcome).toBe('suppressed');
      expect(stored?.name).toBe(`Renamed ${round}`);
      expect(stored?.suppressions?.email).toEqual({ reason: 'bounce', at: AT, address: 'ana@example.com' });
    }
  });
});

describe('PUT /contacts/{id} (updateContact) and suppressions', () => {
  it('keeps suppressions a PUT leaves out, and clears the one it names as null', async () => {
    // Prepare
    const contact = await aStoredContact();
    await repository().suppress(contact.tenantId, contact.id, 'email', 'bounce', AT);
    await repository().suppress(contact.tenantId, contact.id, 'sms', 'carrier_opt_out', AT);
    const deps = buildTestDeps(table);
    const fields = { name: 'Ana', email: 'ana@example.com', phone: '+15550001111' };

    // Act
    const kept = await updateContact(deps, contact.tenantId, contact.id, fields);
    const cleared = await updateContact(deps, contact.tenantId, contact.id, {
      ...fields,
      suppressions: { email: null },
    });

    // Assess
    expect(Object.keys(kept.suppressions ?? {}).sort()).toEqual(['email', 'sms']);
    expect(cleared.suppressions).toEqual({ sms: { reason: 'carrier_opt_out', at: AT, address: '+15550001111' } });
    expect(await repository().findById(contact.tenantId, contact.id)).toEqual(cleared);
  });
});
