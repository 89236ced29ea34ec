import { applyContactFields, newContact } from '../../../lib/domain/contact.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';
const T2 = '2026-01-03T00:00:00.000Z';

describe('Contact consent', () => {
  it('stamps opted_out_at when opted_out turns true and keeps it while it stays true', () => {
    // Prepare
    const contact = newContact('acme', 'c-1', { name: 'Ada' }, T0);

    // Act
    const optedOut = applyContactFields(contact, { name: 'Ada', optedOut: true }, T1);
    const edited = applyContactFields(optedOut, { name: 'Ada L.' }, T2);

    // Assess
    expect(contact.optedOut).toBe(false);
    expect(contact.optedOutAt).toBeUndefined();
    expect(optedOut.optedOutAt).toBe(T1);
    expect(edited.optedOut).toBe(true);
    expect(edited.optedOutAt).toBe(T1);
  });

  it('clears opted_out_at when the CRM re-subscribes the contact', () => {
    const optedOut = newContact('acme', 'c-1', { optedOut: true }, T0);
    const back = applyContactFields(optedOut, { optedOut: false }, T1);
    expect(optedOut.optedOutAt).toBe(T0);
    expect(back.optedOut).toBe(false);
    expect(back.optedOutAt).toBeUndefined();
  });

  it('replaces the other fields, keeps external_id and created_at, and de-duplicates tags', () => {
    const contact = newContact('acme', 'c-1', { externalId: 'crm-1', email: 'a@x.io', tags: ['a'] }, T0);
    const replaced = applyContactFields(contact, { name: 'Ada', tags: ['b', 'b', 'c'] }, T1);
    expect(replaced).toEqual({
      id: 'c-1',
      tenantId: 'acme',
      externalId: 'crm-1',
      name: 'Ada',
      tags: ['b', 'c'],
      customFields: {},
      optedOut: false,
      createdAt: T0,
      updatedAt: T1,
    });
  });
});
