import { randomUUID } from 'node:crypto';
import { type Api, allPages, e2eForFile, errorFields, expectProblem, ISO_INSTANT, UUID } from './support.js';

const e2e = e2eForFile();
let acme: Api;
let globex: Api;

const PIPELINE = randomUUID();
const STATUS = randomUUID();

const fullBody = {
  external_id: 'crm-1001',
  name: 'Ana Souza',
  email: 'ana@example.com',
  phone: '+5511999998888',
  tags: ['customer', 'vip'],
  pipeline_id: PIPELINE,
  status_id: STATUS,
  custom_fields: { plan: 'gold', visits: 3, newsletter: true, referrer: null },
  timezone: 'America/Sao_Paulo',
  opted_out: false,
};

beforeAll(async () => {
  acme = await e2e.tenantApi();
  globex = await e2e.tenantApi();
});

describe('POST /api/v1/contacts', () => {
  it('creates a contact and answers 201 with every field, snake_case', async () => {
    // Prepare
    const api = await e2e.tenantApi();

    // Act
    const reply = await api.post('/api/v1/contacts', fullBody);

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.body).toEqual({
      ...fullBody,
      id: expect.stringMatching(UUID),
      opted_out_at: null,
      suppressions: { email: null, sms: null },
      created_at: expect.stringMatching(ISO_INSTANT),
      updated_at: reply.body.created_at,
    });
    expect((await api.get(`/api/v1/contacts/${reply.body.id}`)).body).toEqual(reply.body);
  });

  it('creates a contact from a name alone, with null and empty defaults', async () => {
    // Act
    const reply = await acme.post('/api/v1/contacts', { name: 'Only a name' });

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual(
      expect.objectContaining({
        name: 'Only a name',
        email: null,
        phone: null,
        tags: [],
        custom_fields: {},
        opted_out: false,
      }),
    );
  });

  it('updates the contact that already has the external_id and answers 200 with it: one contact in all', async () => {
    // Prepare
    const api = await e2e.tenantApi();
    const first = await api.post('/api/v1/contacts', { external_id: 'crm-7', name: 'Old name', tags: ['a'] });

    // Act
    const second = await api.post('/api/v1/contacts', { external_id: 'crm-7', name: 'New name', tags: ['b'] });

    // Assess
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body).toEqual({
      ...first.body,
      name: 'New name',
      tags: ['b'],
      updated_at: expect.stringMatching(ISO_INSTANT),
    });
    const all = await api.get('/api/v1/contacts');
    expect(all.body).toEqual({ items: [second.body], next_cursor: null });
  });

  it('sets opted_out_at when a contact arrives opted out', async () => {
    // Act
    const reply = await acme.post('/api/v1/contacts', { name: 'Gone', opted_out: true });

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body.opted_out).toBe(true);
    expect(reply.body.opted_out_at).toMatch(ISO_INSTANT);
  });

  it('keeps external ids per tenant: another tenant with the same external_id gets its own contact', async () => {
    // Prepare
    const mine = await acme.post('/api/v1/contacts', { external_id: 'shared-42', name: 'Mine' });

    // Act
    const theirs = await globex.post('/api/v1/contacts', { external_id: 'shared-42', name: 'Theirs' });

    // Assess
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect((await acme.get(`/api/v1/contacts/${mine.body.id}`)).body).toEqual(mine.body);
  });

  it.each([
    ['an unknown field', { name: 'Ana', nickname: 'Aninha' }, ['nickname']],
    [
      'wrong types',
      { name: 42, tags: 'vip', opted_out: 'yes', custom_fields: [] },
      ['custom_fields', 'name', 'opted_out', 'tags'],
    ],
    ['a nested custom field value', { custom_fields: { address: { city: 'Recife' } } }, ['custom_fields.address']],
    ['invalid UUIDs', { pipeline_id: 'pipeline-1', status_id: '1234' }, ['pipeline_id', 'status_id']],
    ['an invalid e-mail', { email: 'ana-at-example.com' }, ['email']],
    ['phones that are not E.164', { phone: '11 99999-8888' }, ['phone']],
    ['a phone without the plus', { phone: '5511999998888' }, ['phone']],
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, ['timezone']],
    ['an empty name', { name: '   ' }, ['name']],
  ])('rejects %s with 400 and per-field errors, creating nothing', async (_, body, fields) => {
    // Prepare
    const api = await e2e.tenantApi();

    // Act
    const reply = await api.post('/api/v1/contacts', body);

    // Assess
    expect(errorFields(reply)).toEqual(fields);
    expect((await api.get('/api/v1/contacts')).body).toEqual({ items: [], next_cursor: null });
  });
});

describe('POST /api/v1/contacts/batch', () => {
  it('answers a result per item for a mix of new, existing and invalid contacts', async () => {
    // Prepare
    const api = await e2e.tenantApi();
    const existing = (await api.post('/api/v1/contacts', { external_id: 'crm-1', name: 'Before' })).body;

    // Act
    const reply = await api.post('/api/v1/contacts/batch', {
      contacts: [
        { name: 'New one', email: 'new@example.com' },
        { name: 'Bad mail', email: 'not-an-email' },
        { external_id: 'crm-1', name: 'After' },
        'not an object',
        { name: 'Typo', emial: 'typo@example.com' },
        { external_id: 'crm-2', phone: '+351912345678' },
      ],
    });

    // Assess
    expect(reply.status).toBe(200);
    const results = reply.body.results;
    expect(results).toEqual([
      { index: 0, status: 'created', id: expect.stringMatching(UUID) },
      {
        index: 1,
        status: 'invalid',
        code: 'request.validation_failed',
        errors: [expect.objectContaining({ field: 'email' })],
      },
      { index: 2, status: 'updated', id: existing.id },
      { index: 3, status: 'invalid', code: 'request.validation_failed', errors: [expect.any(Object)] },
      { index: 4, status: 'invalid', code: 'request.validation_failed', errors: [expect.any(Object)] },
      { index: 5, status: 'created', id: expect.stringMatching(UUID) },
    ]);
    expect((await api.get(`/api/v1/contacts/${existing.id}`)).body.name).toBe('After');
    expect((await api.get(`/api/v1/contacts/${results[0].id}`)).body.email).toBe('new@example.com');
    const all = await api.get('/api/v1/contacts');
    expect(all.body.items.map((c: { id: string }) => c.id).sort()).toEqual(
      [existing.id, results[0].id, results[5].id].sort(),
    );
  });

  it('applies items sharing an external_id in order, the last one winning', async () => {
    // Prepare
    const api = await e2e.tenantApi();

    // Act
    const reply = await api.post('/api/v1/contacts/batch', {
      contacts: [
        { external_id: 'dup', name: 'First' },
        { external_id: 'dup', name: 'Second' },
      ],
    });

    // Assess
    expect(reply.body.results.map((r: { status: string }) => r.status)).toEqual(['created', 'updated']);
    expect(reply.body.results[1].id).toBe(reply.body.results[0].id);
    expect((await api.get('/api/v1/contacts')).body.items.map((c: { name: string }) => c.name)).toEqual(['Second']);
  });

  it.each([
    ['an empty batch', { contacts: [] }, ['contacts']],
    ['contacts that is not an array', { contacts: { name: 'Ana' } }, ['contacts']],
    ['an unknown field', { contacts: [{ name: 'Ana' }], dry_run: true }, ['dry_run']],
    ['more than 1,000 contacts', { contacts: Array.from({ length: 1001 }, () => ({})) }, ['contacts']],
  ])('rejects %s with 400 and per-field errors, creating nothing', async (_, body, fields) => {
    // Prepare
    const api = await e2e.tenantApi();

    // Act
    const reply = await api.post('/api/v1/contacts/batch', body);

    // Assess
    expect(errorFields(reply)).toEqual(fields);
    expect((await api.get('/api/v1/contacts')).body.items).toEqual([]);
  });
});

describe('GET /api/v1/contacts', () => {
  let api: Api;
  const otherPipeline = randomUUID();
  const otherStatus = randomUUID();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    api = await e2e.tenantApi();
    const people = {
      ana: { tags: ['vip', 'customer'], pipeline_id: PIPELINE, status_id: STATUS },
      bia: { tags: ['vip'], pipeline_id: PIPELINE, status_id: otherStatus },
      caio: { tags: ['customer'], pipeline_id: otherPipeline, status_id: STATUS },
      duda: { tags: [], pipeline_id: PIPELINE },
      enzo: {},
    };
    const extra = Array.from({ length: 8 }, (_, i) => [`extra${i}`, { tags: ['bulk'] }] as const);
    const entries = [...Object.entries(people), ...extra];
    const reply = await api.post('/api/v1/contacts/batch', {
      contacts: entries.map(([name, fields]) => ({ name, ...fields })),
    });
    entries.forEach(([name], i) => {
      ids[name] = reply.body.results[i].id;
    });
  });

  const namesOf = async (query: string) => {
    const { items } = await allPages(api, `/api/v1/contacts?${query}`, 50);
    return items.map((c: { name: string }) => c.name).sort();
  };

  it('filters by tag', async () => {
    // Act
    const names = await namesOf('tag=vip');

    // Assess
    expect(names).toEqual(['ana', 'bia']);
  });

  it('filters by pipeline_id', async () => {
    // Act
    const names = await namesOf(`pipeline_id=${PIPELINE}`);

    // Assess
    expect(names).toEqual(['ana', 'bia', 'duda']);
  });

  it('filters by status_id', async () => {
    // Act
    const names = await namesOf(`status_id=${STATUS}`);

    // Assess
    expect(names).toEqual(['ana', 'caio']);
  });

  it('combines filters: every one must hold', async () => {
    // Act
    const names = await namesOf(`tag=customer&pipeline_id=${PIPELINE}&status_id=${STATUS}`);

    // Assess
    expect(names).toEqual(['ana']);
  });

  it('pages through every contact exactly once with a small limit', async () => {
    // Act
    const { items, pages } = await allPages(api, '/api/v1/contacts', 2);

    // Assess
    const seen = items.map((c: { id: string }) => c.id);
    expect(seen).toHaveLength(13);
    expect([...seen].sort()).toEqual(Object.values(ids).sort());
    expect(pages).toBeGreaterThanOrEqual(7);
  });

  it('pages through a filtered collection exactly once too', async () => {
    // Act
    const { items } = await allPages(api, '/api/v1/contacts?tag=bulk', 3);

    // Assess
    const seen = items.map((c: { id: string }) => c.id).sort();
    expect(seen).toEqual(
      Object.keys(ids)
        .filter((n) => n.startsWith('extra'))
        .map((n) => ids[n])
        .sort(),
    );
  });

  it('shows a tenant none of the contacts of another tenant', async () => {
    // Act
    const { items } = await allPages(globex, '/api/v1/contacts', 100);

    // Assess
    const theirs = new Set(items.map((c: { id: string }) => c.id));
    expect(Object.values(ids).filter((id) => theirs.has(id))).toEqual([]);
  });

  it.each([
    ['limit=0', ['limit']],
    ['limit=1001', ['limit']],
    ['limit=ten', ['limit']],
    ['pipeline_id=not-a-uuid', ['pipeline_id']],
    ['status_id=42', ['status_id']],
    ['sort=name', ['sort']],
  ])('rejects the query %s with 400 and per-field errors', async (query, fields) => {
    // Act
    const reply = await api.get(`/api/v1/contacts?${query}`);

    // Assess
    expect(errorFields(reply)).toEqual(fields);
  });

  it('rejects a cursor it did not issue with 400 request.invalid_cursor', async () => {
    // Act
    const garbage = await api.get('/api/v1/contacts?cursor=not-a-cursor');
    const forged = await api.get(`/api/v1/contacts?cursor=${Buffer.from('{"s":-1}').toString('base64url')}`);

    // Assess
    expectProblem(garbage, 400, 'request.invalid_cursor');
    expectProblem(forged, 400, 'request.invalid_cursor');
  });
});

describe('GET /api/v1/contacts/:id', () => {
  it('answers the contact', async () => {
    // Prepare
    const created = (await acme.post('/api/v1/contacts', { name: 'Readable' })).body;

    // Act
    const reply = await acme.get(`/api/v1/contacts/${created.id}`);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(created);
  });

  it('answers 404 contact.not_found for an unknown id', async () => {
    // Act
    const reply = await acme.get(`/api/v1/contacts/${randomUUID()}`);

    // Assess
    expectProblem(reply, 404, 'contact.not_found');
  });

  it.each(['not-a-uuid', '123', `${randomUUID()}x`])(
    'answers 400 with an error on "id" for the path id %s',
    async (id) => {
      // Act
      const reply = await acme.get(`/api/v1/contacts/${id}`);

      // Assess
      expect(errorFields(reply)).toEqual(['id']);
    },
  );

  it('answers 400, not a 5xx, for a path id that is not valid percent-encoding', async () => {
    // Act
    const reply = await acme.get('/api/v1/contacts/%E0%A4%A');

    // Assess
    expect(errorFields(reply)).toEqual(['id']);
  });
});

describe('PUT /api/v1/contacts/:id', () => {
  it('replaces the writable fields and answers 200 with the contact', async () => {
    // Prepare
    const created = (await acme.post('/api/v1/contacts', { ...fullBody, external_id: 'put-1' })).body;

    // Act
    const reply = await acme.put(`/api/v1/contacts/${created.id}`, {
      name: 'Ana Lima',
      email: 'ana.lima@example.com',
      tags: ['lead'],
      custom_fields: { plan: 'silver' },
    });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      ...created,
      name: 'Ana Lima',
      email: 'ana.lima@example.com',
      phone: null,
      tags: ['lead'],
      pipeline_id: null,
      status_id: null,
      custom_fields: { plan: 'silver' },
      timezone: null,
      updated_at: expect.stringMatching(ISO_INSTANT),
    });
    expect(reply.body.external_id).toBe('put-1');
    expect((await acme.get(`/api/v1/contacts/${created.id}`)).body).toEqual(reply.body);
  });

  it('keeps consent when the body leaves opted_out out', async () => {
    // Prepare
    const created = (await acme.post('/api/v1/contacts', { name: 'Unsubscribed', opted_out: true })).body;

    // Act
    const reply = await acme.put(`/api/v1/contacts/${created.id}`, { name: 'Renamed' });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.opted_out).toBe(true);
    expect(reply.body.opted_out_at).toBe(created.opted_out_at);
  });

  it('sets opted_out_at when opted_out turns true, and clears it when it turns false', async () => {
    // Prepare
    const created = (await acme.post('/api/v1/contacts', { name: 'Consent' })).body;

    // Act
    const optedOut = await acme.put(`/api/v1/contacts/${created.id}`, { name: 'Consent', opted_out: true });
    const optedIn = await acme.put(`/api/v1/contacts/${created.id}`, { name: 'Consent', opted_out: false });

    // Assess
    expect(created.opted_out_at).toBeNull();
    expect(optedOut.body).toEqual(
      expect.objectContaining({ opted_out: true, opted_out_at: expect.stringMatching(ISO_INSTANT) }),
    );
    expect(optedIn.body).toEqual(expect.objectContaining({ opted_out: false, opted_out_at: null }));
  });

  it("answers 409 contact.external_id_taken when taking another contact's external_id, changing nothing", async () => {
    // Prepare
    await acme.post('/api/v1/contacts', { external_id: 'taken-1', name: 'Owner' });
    const other = (await acme.post('/api/v1/contacts', { external_id: 'free-1', name: 'Other' })).body;

    // Act
    const reply = await acme.put(`/api/v1/contacts/${other.id}`, { external_id: 'taken-1', name: 'Thief' });

    // Assess
    expectProblem(reply, 409, 'contact.external_id_taken');
    expect((await acme.get(`/api/v1/contacts/${other.id}`)).body).toEqual(other);
  });

  it.each([
    ['an unknown field', { name: 'Ana', nickname: 'Aninha' }, ['nickname']],
    ['wrong types', { name: ['Ana'], tags: [1] }, ['name', 'tags.0']],
    ['an invalid UUID', { pipeline_id: 'p-1' }, ['pipeline_id']],
    ['an invalid e-mail', { email: 'ana@' }, ['email']],
    ['an invalid phone', { phone: '+0123' }, ['phone']],
  ])('rejects %s with 400 and per-field errors, changing nothing', async (_, body, fields) => {
    // Prepare
    const created = (await acme.post('/api/v1/contacts', { name: 'Stable', email: 'stable@example.com' })).body;

    // Act
    const reply = await acme.put(`/api/v1/contacts/${created.id}`, body);

    // Assess
    expect(errorFields(reply)).toEqual(fields);
    expect((await acme.get(`/api/v1/contacts/${created.id}`)).body).toEqual(created);
  });

  it('answers 400 with an error on "id" for an invalid path id', async () => {
    // Act
    const reply = await acme.put('/api/v1/contacts/not-a-uuid', { name: 'Ana' });

    // Assess
    expect(errorFields(reply)).toEqual(['id']);
  });

  it('answers 404 contact.not_found for an unknown id, creating nothing', async () => {
    // Prepare
    const id = randomUUID();

    // Act
    const reply = await acme.put(`/api/v1/contacts/${id}`, { name: 'Ghost' });

    // Assess
    expectProblem(reply, 404, 'contact.not_found');
    expect((await acme.get(`/api/v1/contacts/${id}`)).status).toBe(404);
  });
});

describe('DELETE /api/v1/contacts/:id', () => {
  it('deletes the contact: 204 without a body, then 404', async () => {
    // Prepare
    const created = (await acme.post('/api/v1/contacts', { name: 'Leaving', external_id: 'leaving-1' })).body;

    // Act
    const reply = await acme.delete(`/api/v1/contacts/${created.id}`);

    // Assess
    expect(reply.status).toBe(204);
    expect(reply.body).toBe('');
    expectProblem(await acme.get(`/api/v1/contacts/${created.id}`), 404, 'contact.not_found');
    expectProblem(await acme.delete(`/api/v1/contacts/${created.id}`), 404, 'contact.not_found');
  });

  it('frees the external_id: the next POST with it creates a new contact', async () => {
    // Prepare
    const first = (await acme.post('/api/v1/contacts', { external_id: 'reborn-1', name: 'First' })).body;
    await acme.delete(`/api/v1/contacts/${first.id}`);

    // Act
    const reply = await acme.post('/api/v1/contacts', { external_id: 'reborn-1', name: 'Second' });

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body.id).not.toBe(first.id);
  });

  it('removes the contact from the static lists it belonged to', async () => {
    // Prepare
    const member = (await acme.post('/api/v1/contacts', { name: 'Member' })).body;
    const stays = (await acme.post('/api/v1/contacts', { name: 'Stays' })).body;
    const list = (await acme.post('/api/v1/contact-lists', { name: 'Both', contact_ids: [member.id, stays.id] })).body;

    // Act
    await acme.delete(`/api/v1/contacts/${member.id}`);

    // Assess
    expect((await acme.get(`/api/v1/contact-lists/${list.id}`)).body.contact_count).toBe(1);
    const members = await acme.get(`/api/v1/contact-lists/${list.id}/contacts`);
    expect(members.body.items.map((c: { id: string }) => c.id)).toEqual([stays.id]);
  });

  it('answers 400 with an error on "id" for an invalid path id', async () => {
    // Act
    const reply = await acme.delete('/api/v1/contacts/42');

    // Assess
    expect(errorFields(reply)).toEqual(['id']);
  });
});

describe('contacts of another tenant', () => {
  it.each([
    ['GET', (api: Api, id: string) => api.get(`/api/v1/contacts/${id}`)],
    ['PUT', (api: Api, id: string) => api.put(`/api/v1/contacts/${id}`, { name: 'Hijacked', opted_out: true })],
    ['DELETE', (api: Api, id: string) => api.delete(`/api/v1/contacts/${id}`)],
  ])('%s answers 404 exactly as for a missing id, and the contact stays as it was', async (_, call) => {
    // Prepare
    const victim = (await acme.post('/api/v1/contacts', { name: 'Victim', external_id: `victim-${randomUUID()}` }))
      .body;

    // Act
    const foreign = await call(globex, victim.id);
    const missing = await call(globex, randomUUID());

    // Assess
    expectProblem(foreign, 404, 'contact.not_found');
    expectProblem(missing, 404, 'contact.not_found');
    expect((await acme.get(`/api/v1/contacts/${victim.id}`)).body).toEqual(victim);
  });

  it("cannot take over a contact through its external_id: the POST creates the tenant's own", async () => {
    // Prepare
    const victim = (await acme.post('/api/v1/contacts', { name: 'Victim', external_id: 'victim-ext' })).body;

    // Act
    const reply = await globex.post('/api/v1/contacts', {
      name: 'Hijacked',
      external_id: 'victim-ext',
      opted_out: true,
    });

    // Assess
    expect(reply.status).toBe(201);
    expect((await acme.get(`/api/v1/contacts/${victim.id}`)).body).toEqual(victim);
  });
});

describe('the whole file', () => {
  it('never got a 5xx', () => {
    // Assess
    expect(e2e.serverErrors).toEqual([]);
  });
});
