import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { type Api, e2eForFile, errorFields, expectProblem, ISO_INSTANT } from './support.js';

// Contact suppressions over HTTP: shown by the contacts API, set and cleared by the CRM's PUT (and POST), kept when a
// body leaves them out, refused in bad shapes without changing anything.

const e2e = e2eForFile();
let acme: Api;

beforeAll(async () => {
  acme = await e2e.tenantApi();
});

const person = { name: 'Ana', email: 'ana@example.com', phone: '+15550001111' };

async function aContact(api: Api = acme, fields: Record<string, unknown> = {}) {
  const reply = await api.post('/api/v1/contacts', { ...person, ...fields });
  expect(reply.status).toBe(201);
  return reply.body;
}

describe('contacts API: suppressions', () => {
  it('shows none for a new contact, both kinds present as null', async () => {
    // Act
    const contact = await aContact();

    // Assess
    expect(contact.suppressions).toEqual({ email: null, sms: null });
  });

  it('sets one with a PUT, for the contact address, shows it, and keeps it when a later PUT leaves it out', async () => {
    // Prepare
    const contact = await aContact();

    // Act
    const set = await acme.put(`/api/v1/contacts/${contact.id}`, {
      ...person,
      suppressions: { email: { reason: 'manual' } },
    });
    const renamed = await acme.put(`/api/v1/contacts/${contact.id}`, { ...person, name: 'Ana Maria' });
    const nullMeansLeftOut = await acme.put(`/api/v1/contacts/${contact.id}`, { ...person, suppressions: null });

    // Assess
    expect(set.status).toBe(200);
    expect(set.body.suppressions).toEqual({
      email: { reason: 'manual', at: expect.stringMatching(ISO_INSTANT), address: 'ana@example.com' },
      sms: null,
    });
    expect(renamed.body.suppressions).toEqual(set.body.suppressions);
    expect(nullMeansLeftOut.body.suppressions).toEqual(set.body.suppressions);
    expect((await acme.get(`/api/v1/contacts/${contact.id}`)).body).toEqual(nullMeansLeftOut.body);
  });

  it('clears the one a PUT gives as null, and keeps the other', async () => {
    // Prepare
    const contact = await aContact(acme, {
      suppressions: { email: { reason: 'bounce' }, sms: { reason: 'carrier_opt_out' } },
    });

    // Act
    const cleared = await acme.put(`/api/v1/contacts/${contact.id}`, { ...person, suppressions: { email: null } });

    // Assess
    expect(contact.suppressions.email).toMatchObject({ reason: 'bounce' });
    expect(cleared.status).toBe(200);
    expect(cleared.body.suppressions).toEqual({ email: null, sms: contact.suppressions.sms });
  });

  it('changes nothing when what GET showed is sent back as it is', async () => {
    // Prepare
    const contact = await aContact(acme, {
      suppressions: { sms: { reason: 'carrier_opt_out', at: '2026-01-02T05:04:05+02:00' } },
    });
    const { id, opted_out_at, created_at, updated_at, ...writable } = contact;

    // Act
    const reply = await acme.put(`/api/v1/contacts/${id}`, writable);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.suppressions).toEqual(contact.suppressions);
    expect(reply.body.suppressions.sms.at).toBe('2026-01-02T03:04:05.000Z');
    expect(reply.body.updated_at).not.toBe(contact.updated_at);
  });

  it('refuses a suppression for a kind of address the contact does not have: 422, nothing stored', async () => {
    // Prepare
    const contact = await aContact(acme, { phone: undefined });

    // Act
    const reply = await acme.put(`/api/v1/contacts/${contact.id}`, {
      name: 'Ana',
      email: 'ana@example.com',
      suppressions: { sms: { reason: 'manual' } },
    });

    // Assess
    expectProblem(reply, 422, 'contact.suppression_without_address');
    expect((await acme.get(`/api/v1/contacts/${contact.id}`)).body).toEqual(contact);
  });

  it.each([
    ['a reason of the other kind', { email: { reason: 'carrier_opt_out' } }, ['suppressions.email.reason']],
    ['an unknown reason', { sms: { reason: 'because' } }, ['suppressions.sms.reason']],
    ['an unknown kind', { whatsapp: { reason: 'manual' } }, ['suppressions.whatsapp']],
    ['an unknown field', { email: { reason: 'bounce', why: 'x' } }, ['suppressions.email.why']],
    ['no reason', { email: { at: '2026-01-01T00:00:00Z' } }, ['suppressions.email.reason']],
    ['a time that is not ISO 8601', { email: { reason: 'bounce', at: 'yesterday' } }, ['suppressions.email.at']],
    [
      'an address of the wrong kind',
      { sms: { reason: 'manual', address: 'ana@example.com' } },
      ['suppressions.sms.address'],
    ],
    ['a list', [{ reason: 'bounce' }], ['suppressions']],
    ['a string', 'email', ['suppressions']],
  ])('refuses %s with 400 naming the field, and changes nothing', async (_, suppressions, fields) => {
    // Prepare
    const contact = await aContact();

    // Act
    const reply = await acme.put(`/api/v1/contacts/${contact.id}`, { ...person, suppressions });

    // Assess
    expect(errorFields(reply)).toEqual(fields);
    expect((await acme.get(`/api/v1/contacts/${contact.id}`)).body).toEqual(contact);
  });

  it("cannot touch another tenant's contact: 404, theirs unchanged", async () => {
    // Prepare
    const globex = await e2e.tenantApi();
    const theirs = await aContact(globex, { suppressions: { email: { reason: 'bounce' } } });

    // Act
    const reply = await acme.put(`/api/v1/contacts/${theirs.id}`, { ...person, suppressions: { email: null } });
    const unknown = await acme.put(`/api/v1/contacts/${randomUUID()}`, { ...person, suppressions: { email: null } });

    // Assess
    expectProblem(reply, 404, 'contact.not_found');
    expectProblem(unknown, 404, 'contact.not_found');
    expect((await globex.get(`/api/v1/contacts/${theirs.id}`)).body).toEqual(theirs);
  });

  it('answers any suppressions value with a 2xx or a 4xx, never a 5xx (fuzzed)', async () => {
    // Prepare
    const contact = await aContact();
    const kinds = fc.constantFrom('email', 'sms', 'whatsapp', '__proto__');
    const one = fc.oneof(
      fc.constant(null),
      fc.anything(),
      fc.record(
        {
          reason: fc.oneof(fc.constantFrom('bounce', 'complaint', 'carrier_opt_out', 'manual'), fc.string()),
          at: fc.anything(),
          address: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    const values = fc.oneof(fc.anything(), fc.dictionary(kinds, one));

    // Act / Assess
    await fc.assert(
      fc.asyncProperty(values, async (suppressions) => {
        const reply = await acme.put(`/api/v1/contacts/${contact.id}`, { ...person, suppressions });
        expect([200, 400, 422]).toContain(reply.status);
      }),
      { numRuns: 60 },
    );
    expect(e2e.serverErrors).toEqual([]);
  });
});
