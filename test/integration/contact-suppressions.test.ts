import { DynamoDbContactRepository } from '../../lib/adapters/dynamodb/contact-repository.js';
import { applyContactFields } from '../../lib/domain/contact.js';
import { aContact } from '../support/builders.js';
import { newTenantId, testTableForFile } from '../support/dynamodb.js';

/**
 * The contact's `suppressions` as the sms channel writes them (a carrier opt-out), on DynamoDB Local: one address
 * kind at a time, the first suppression learnt kept, nothing else of the contact touched, no contact resurrected.
 */

const table = testTableForFile();
let repository: DynamoDbContactRepository;

beforeAll(() => {
  repository = new DynamoDbContactRepository(table.client, table.tableName);
});

const AT = '2025-01-15T12:00:00.000Z';
const LATER = '2025-02-01T08:00:00.000Z';

describe('DynamoDbContactRepository.suppress', () => {
  it('records an address kind on a contact that had none, leaving the rest of the contact as it was', async () => {
    // Prepare
    const contact = aContact(newTenantId(), {
      name: 'Ana',
      phone: '+5511999990001',
      email: 'ana@example.com',
      tags: ['vip'],
    });
    await repository.create(contact);

    // Act
    const recorded = await repository.suppress(contact.tenantId, contact.id, 'sms', { reason: 'opted_out', at: AT });

    // Assess
    expect(recorded).toBe(true);
    expect(await repository.findById(contact.tenantId, contact.id)).toEqual({
      ...contact,
      suppressions: { sms: { reason: 'opted_out', at: AT } },
      updatedAt: AT,
    });
  });

  it('adds another kind beside the first, and keeps the first suppression of a kind when it is learnt again', async () => {
    // Prepare
    const contact = aContact(newTenantId(), { name: 'Bia', phone: '+5511999990002', email: 'bia@example.com' });
    await repository.create(contact);
    await repository.suppress(contact.tenantId, contact.id, 'sms', { reason: 'opted_out', at: AT });

    // Act
    await repository.suppress(contact.tenantId, contact.id, 'email', { reason: 'bounce', at: LATER });
    await repository.suppress(contact.tenantId, contact.id, 'sms', { reason: 'opted_out', at: LATER });

    // Assess
    const stored = await repository.findById(contact.tenantId, contact.id);
    expect(stored?.suppressions).toEqual({
      sms: { reason: 'opted_out', at: AT },
      email: { reason: 'bounce', at: LATER },
    });
    expect(stored?.optedOut).toBe(false);
  });

  it('records both of two first suppressions made at once', async () => {
    // Prepare
    const contact = aContact(newTenantId(), { name: 'Caio', phone: '+5511999990003', email: 'caio@example.com' });
    await repository.create(contact);

    // Act: both find no map; one creates it, the other then sets inside it.
    await Promise.all([
      repository.suppress(contact.tenantId, contact.id, 'sms', { reason: 'opted_out', at: AT }),
      repository.suppress(contact.tenantId, contact.id, 'email', { reason: 'complaint', at: AT }),
    ]);

    // Assess
    expect((await repository.findById(contact.tenantId, contact.id))?.suppressions).toEqual({
      sms: { reason: 'opted_out', at: AT },
      email: { reason: 'complaint', at: AT },
    });
  });

  it('answers false for a contact that does not exist, and creates nothing', async () => {
    // Prepare
    const contact = aContact(newTenantId(), { name: 'Gone' });

    // Act
    const recorded = await repository.suppress(contact.tenantId, contact.id, 'sms', { reason: 'opted_out', at: AT });

    // Assess
    expect(recorded).toBe(false);
    expect(await repository.findById(contact.tenantId, contact.id)).toBeUndefined();
  });

  it("survives the CRM's replace of the contact: suppressions are not the CRM's to write", async () => {
    // Prepare
    const contact = aContact(newTenantId(), { name: 'Davi', phone: '+5511999990004' });
    await repository.create(contact);
    await repository.suppress(contact.tenantId, contact.id, 'sms', { reason: 'opted_out', at: AT });
    const suppressed = await repository.findById(contact.tenantId, contact.id);
    if (!suppressed) throw new Error('contact gone');

    // Act
    const replaced = applyContactFields(suppressed, { name: 'Davi Lima', phone: '+5511999990004' }, LATER);
    await repository.replace(replaced, suppressed);

    // Assess
    expect(await repository.findById(contact.tenantId, contact.id)).toMatchObject({
      name: 'Davi Lima',
      suppressions: { sms: { reason: 'opted_out', at: AT } },
    });
  });
});
