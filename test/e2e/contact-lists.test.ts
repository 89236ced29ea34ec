import { randomUUID } from 'node:crypto';
import {
  type Api,
  allPages,
  e2eForFile,
  errorFields,
  expectProblem,
  ISO_INSTANT,
  type Reply,
  UUID,
} from './support.js';

const e2e = e2eForFile();
let acme: Api;
let globex: Api;

/** Creates contacts in one batch; answers their ids in the same order. */
async function contacts(api: Api, ...bodies: Record<string, unknown>[]): Promise<string[]> {
  const reply = await api.post('/api/v1/contacts/batch', { contacts: bodies });
  expect(reply.body.results.map((r: { status: string }) => r.status)).toEqual(bodies.map(() => 'created'));
  return reply.body.results.map((r: { id: string }) => r.id);
}

async function createList(api: Api, body: Record<string, unknown>) {
  const reply = await api.post('/api/v1/contact-lists', body);
  expect(reply.status).toBe(201);
  return reply.body;
}

/** The ids of every member, following the cursors. */
async function memberIds(api: Api, listId: string, limit = 50): Promise<string[]> {
  const { items } = await allPages(api, `/api/v1/contact-lists/${listId}/contacts`, limit);
  return items.map((c: { id: string }) => c.id);
}

const sorted = (ids: string[]) => [...ids].sort();

beforeAll(async () => {
  acme = await e2e.tenantApi();
  globex = await e2e.tenantApi();
});

describe('POST /api/v1/contact-lists', () => {
  it('creates a static list from contact_ids: 201 with contact_count', async () => {
    // Prepare
    const [ana, bia] = await contacts(acme, { name: 'Ana' }, { name: 'Bia' });

    // Act
    const reply = await acme.post('/api/v1/contact-lists', {
      name: 'VIP Customers',
      description: 'Top spenders',
      tags: ['vip'],
      contact_ids: [ana, bia],
    });

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      id: expect.stringMatching(UUID),
      name: 'VIP Customers',
      description: 'Top spenders',
      tags: ['vip'],
      is_dynamic: false,
      filters: null,
      contact_count: 2,
      created_at: expect.stringMatching(ISO_INSTANT),
      updated_at: expect.stringMatching(ISO_INSTANT),
    });
    expect((await acme.get(`/api/v1/contact-lists/${reply.body.id}`)).body).toEqual(reply.body);
    expect(sorted(await memberIds(acme, reply.body.id))).toEqual(sorted([ana as string, bia as string]));
  });

  it('counts a contact given twice once', async () => {
    // Prepare
    const [ana, bia] = await contacts(acme, { name: 'Ana' }, { name: 'Bia' });

    // Act
    const list = await createList(acme, { name: 'Twice', contact_ids: [ana, bia, ana] });

    // Assess
    expect(list.contact_count).toBe(2);
    expect(await memberIds(acme, list.id)).toHaveLength(2);
  });

  it('creates an empty static list without contact_ids', async () => {
    // Act
    const list = await createList(acme, { name: 'Empty' });

    // Assess
    expect(list).toEqual(expect.objectContaining({ is_dynamic: false, contact_count: 0, filters: null }));
  });

  it("creates the seed's Example 1 dynamic list from its exact body", async () => {
    // Prepare
    const pipeline = randomUUID();
    const status = randomUUID();

    // Act
    const reply = await acme.post('/api/v1/contact-lists', {
      name: 'Active Customers',
      is_dynamic: true,
      filters: {
        pipeline_id: pipeline,
        status_id: status,
        tags: ['customer', 'active'],
      },
    });

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual(
      expect.objectContaining({
        name: 'Active Customers',
        is_dynamic: true,
        filters: { pipeline_id: pipeline, status_id: status, tags: ['customer', 'active'], custom_fields: {} },
        contact_count: null,
      }),
    );
  });

  it('answers 422 naming the unknown contact ids, and creates no list', async () => {
    // Prepare
    const api = await e2e.tenantApi();
    const [known] = await contacts(api, { name: 'Known' });
    const [foreign] = await contacts(globex, { name: 'Foreign' });
    const unknown = randomUUID();

    // Act
    const reply = await api.post('/api/v1/contact-lists', { name: 'Mixed', contact_ids: [known, unknown, foreign] });

    // Assess
    expectProblem(reply, 422, 'contact_list.unknown_contacts');
    expect(reply.body.detail).toContain(unknown);
    expect(reply.body.detail).toContain(foreign);
    expect(reply.body.detail).not.toContain(known);
    expect((await api.get('/api/v1/contact-lists')).body).toEqual({ items: [], next_cursor: null });
  });

  it.each([
    ['a missing name', {}, ['name']],
    ['a dynamic list without filters', { name: 'X', is_dynamic: true }, ['filters']],
    [
      'a dynamic list with contact_ids',
      { name: 'X', is_dynamic: true, filters: { tags: ['a'] }, contact_ids: [randomUUID()] },
      ['contact_ids'],
    ],
    ['a static list with filters', { name: 'X', filters: { tags: ['a'] } }, ['filters']],
    ['filters without a criterion', { name: 'X', is_dynamic: true, filters: {} }, ['filters']],
    [
      'an invalid UUID in filters',
      { name: 'X', is_dynamic: true, filters: { pipeline_id: 'p-1' } },
      ['filters.pipeline_id'],
    ],
    ['an invalid UUID in contact_ids', { name: 'X', contact_ids: [randomUUID(), 'abc'] }, ['contact_ids.1']],
    ['a wrong type', { name: 'X', is_dynamic: 'yes', tags: 'vip' }, ['is_dynamic', 'tags']],
    ['an unknown field', { name: 'X', colour: 'red' }, ['colour']],
    [
      'an unknown filter',
      { name: 'X', is_dynamic: true, filters: { tags: ['a'], region: 'north' } },
      ['filters.region'],
    ],
  ])('rejects %s with 400 and per-field errors, creating nothing', async (_, body, fields) => {
    // Prepare
    const api = await e2e.tenantApi();

    // Act
    const reply = await api.post('/api/v1/contact-lists', body);

    // Assess
    expect(errorFields(reply)).toEqual(fields);
    expect((await api.get('/api/v1/contact-lists')).body.items).toEqual([]);
  });
});

describe('GET /api/v1/contact-lists', () => {
  it("answers the tenant's lists, every one exactly once page after page", async () => {
    // Prepare
    const api = await e2e.tenantApi();
    const created = [
      await createList(api, { name: 'One' }),
      await createList(api, { name: 'Two', is_dynamic: true, filters: { tags: ['x'] } }),
      await createList(api, { name: 'Three' }),
    ];

    // Act
    const all = await api.get('/api/v1/contact-lists');
    const paged = await allPages(api, '/api/v1/contact-lists', 1);

    // Assess
    expect(all.status).toBe(200);
    expect(all.body.next_cursor).toBeNull();
    expect(sorted(all.body.items.map((l: { id: string }) => l.id))).toEqual(sorted(created.map((l) => l.id)));
    expect(all.body.items).toEqual(expect.arrayContaining(created));
    expect(sorted(paged.items.map((l: { id: string }) => l.id))).toEqual(sorted(created.map((l) => l.id)));
  });

  it('rejects an invalid limit with 400', async () => {
    // Act
    const reply = await acme.get('/api/v1/contact-lists?limit=-1');

    // Assess
    expect(errorFields(reply)).toEqual(['limit']);
  });
});

describe('GET /api/v1/contact-lists/:id', () => {
  it('answers 404 contact_list.not_found for an unknown id and 400 for an invalid one', async () => {
    // Act
    const unknown = await acme.get(`/api/v1/contact-lists/${randomUUID()}`);
    const invalid = await acme.get('/api/v1/contact-lists/list-1');

    // Assess
    expectProblem(unknown, 404, 'contact_list.not_found');
    expect(errorFields(invalid)).toEqual(['id']);
  });
});

describe('GET /api/v1/contact-lists/:id/contacts', () => {
  it('pages through the members of a static list, each exactly once', async () => {
    // Prepare
    const ids = await contacts(acme, ...Array.from({ length: 5 }, (_, i) => ({ name: `Member ${i}` })));
    const list = await createList(acme, { name: 'Five', contact_ids: ids });

    // Act
    const seen = await memberIds(acme, list.id, 2);

    // Assess
    expect(seen).toHaveLength(5);
    expect(sorted(seen)).toEqual(sorted(ids));
  });

  it('answers the members as contacts', async () => {
    // Prepare
    const [id] = await contacts(acme, { name: 'Full', email: 'full@example.com', tags: ['t'] });
    const list = await createList(acme, { name: 'One', contact_ids: [id] });

    // Act
    const reply = await acme.get(`/api/v1/contact-lists/${list.id}/contacts`);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ items: [(await acme.get(`/api/v1/contacts/${id}`)).body], next_cursor: null });
  });

  it('evaluates the filters of Example 1 now: pipeline, status and every listed tag', async () => {
    // Prepare
    const api = await e2e.tenantApi();
    const pipeline = randomUUID();
    const status = randomUUID();
    const [match, lacksTag, otherStatus, otherPipeline] = await contacts(
      api,
      { name: 'match', pipeline_id: pipeline, status_id: status, tags: ['customer', 'active', 'vip'] },
      { name: 'lacks tag', pipeline_id: pipeline, status_id: status, tags: ['customer'] },
      { name: 'other status', pipeline_id: pipeline, status_id: randomUUID(), tags: ['customer', 'active'] },
      { name: 'other pipeline', pipeline_id: randomUUID(), status_id: status, tags: ['customer', 'active'] },
    );
    const list = await createList(api, {
      name: 'Active Customers',
      is_dynamic: true,
      filters: { pipeline_id: pipeline, status_id: status, tags: ['customer', 'active'] },
    });
    const before = await memberIds(api, list.id);

    // Act
    await api.put(`/api/v1/contacts/${lacksTag}`, {
      name: 'lacks tag',
      pipeline_id: pipeline,
      status_id: status,
      tags: ['active', 'customer'],
    });
    const after = await memberIds(api, list.id);

    // Assess
    expect(before).toEqual([match]);
    expect(sorted(after)).toEqual(sorted([match as string, lacksTag as string]));
    expect(after).not.toContain(otherStatus);
    expect(after).not.toContain(otherPipeline);
  });

  it('evaluates the tags of Example 2', async () => {
    // Prepare
    const api = await e2e.tenantApi();
    const [subscriber, both] = await contacts(
      api,
      { name: 'subscriber', tags: ['newsletter'] },
      { name: 'both', tags: ['customer', 'newsletter'] },
      { name: 'customer', tags: ['customer'] },
      { name: 'none' },
    );
    const list = await createList(api, {
      name: 'Newsletter Subscribers',
      is_dynamic: true,
      filters: { tags: ['newsletter'] },
    });

    // Act
    const members = await memberIds(api, list.id, 1);

    // Assess
    expect(sorted(members)).toEqual(sorted([subscriber as string, both as string]));
  });

  it('evaluates the custom_fields of Example 3: equality, and "today" against the date part', async () => {
    // Prepare
    const api = await e2e.tenantApi();
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const yesterday = new Date(now.getTime() - 24 * 3600 * 1000).toISOString().slice(0, 10);
    const [plainDate, dateTime] = await contacts(
      api,
      { name: 'today, plain date', custom_fields: { cart_status: 'abandoned', abandoned_date: today } },
      { name: 'today, date-time', custom_fields: { cart_status: 'abandoned', abandoned_date: now.toISOString() } },
      { name: 'yesterday', custom_fields: { cart_status: 'abandoned', abandoned_date: yesterday } },
      { name: 'completed', custom_fields: { cart_status: 'completed', abandoned_date: today } },
      { name: 'no date', custom_fields: { cart_status: 'abandoned' } },
      { name: 'literal today', custom_fields: { cart_status: 'abandoned', abandoned_date: 'someday' } },
      { name: 'no fields' },
    );

    // Act
    const list = await createList(api, {
      name: 'Abandoned Carts Today',
      is_dynamic: true,
      filters: {
        custom_fields: {
          cart_status: 'abandoned',
          abandoned_date: 'today',
        },
      },
    });
    const members = await memberIds(api, list.id);

    // Assess
    expect(list.filters.custom_fields).toEqual({ cart_status: 'abandoned', abandoned_date: 'today' });
    expect(sorted(members)).toEqual(sorted([plainDate as string, dateTime as string]));
  });

  it('answers 404 contact_list.not_found for an unknown list', async () => {
    // Act
    const reply = await acme.get(`/api/v1/contact-lists/${randomUUID()}/contacts`);

    // Assess
    expectProblem(reply, 404, 'contact_list.not_found');
  });
});

describe('PUT /api/v1/contact-lists/:id', () => {
  it('updates name, description and tags of a static list and keeps its members', async () => {
    // Prepare
    const [id] = await contacts(acme, { name: 'Kept' });
    const list = await createList(acme, { name: 'Old', description: 'old', contact_ids: [id] });

    // Act
    const reply = await acme.put(`/api/v1/contact-lists/${list.id}`, { name: 'New', description: 'new', tags: ['q1'] });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      ...list,
      name: 'New',
      description: 'new',
      tags: ['q1'],
      updated_at: expect.stringMatching(ISO_INSTANT),
    });
    expect((await acme.get(`/api/v1/contact-lists/${list.id}`)).body).toEqual(reply.body);
    expect(await memberIds(acme, list.id)).toEqual([id]);
  });

  it('clears the description with null', async () => {
    // Prepare
    const list = await createList(acme, { name: 'Described', description: 'to be removed' });

    // Act
    const reply = await acme.put(`/api/v1/contact-lists/${list.id}`, { description: null });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(expect.objectContaining({ name: 'Described', description: null }));
  });

  it('replaces the filters of a dynamic list, which then resolves to other contacts', async () => {
    // Prepare
    const api = await e2e.tenantApi();
    const [gold, silver] = await contacts(api, { name: 'gold', tags: ['gold'] }, { name: 'silver', tags: ['silver'] });
    const list = await createList(api, { name: 'Tier', is_dynamic: true, filters: { tags: ['gold'] } });

    // Act
    const reply = await api.put(`/api/v1/contact-lists/${list.id}`, { filters: { tags: ['silver'] } });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.filters).toEqual({ pipeline_id: null, status_id: null, tags: ['silver'], custom_fields: {} });
    expect(await memberIds(api, list.id)).toEqual([silver]);
    expect(await memberIds(api, list.id)).not.toContain(gold);
  });

  it('answers 409 contact_list.not_dynamic for filters on a static list, changing nothing', async () => {
    // Prepare
    const list = await createList(acme, { name: 'Static' });

    // Act
    const reply = await acme.put(`/api/v1/contact-lists/${list.id}`, { filters: { tags: ['x'] } });

    // Assess
    expectProblem(reply, 409, 'contact_list.not_dynamic');
    expect((await acme.get(`/api/v1/contact-lists/${list.id}`)).body).toEqual(list);
  });

  it.each([
    ['an empty body', {}, ['body']],
    ['a wrong type', { name: 5 }, ['name']],
    ['an invalid UUID in filters', { filters: { status_id: 'active' } }, ['filters.status_id']],
    ['an unknown field', { name: 'X', is_dynamic: true }, ['is_dynamic']],
    ['contact_ids, which PUT does not take', { name: 'X', contact_ids: [] }, ['contact_ids']],
  ])('rejects %s with 400 and per-field errors, changing nothing', async (_, body, fields) => {
    // Prepare
    const list = await createList(acme, { name: 'Stable', is_dynamic: true, filters: { tags: ['stable'] } });

    // Act
    const reply = await acme.put(`/api/v1/contact-lists/${list.id}`, body);

    // Assess
    expect(errorFields(reply)).toEqual(fields);
    expect((await acme.get(`/api/v1/contact-lists/${list.id}`)).body).toEqual(list);
  });

  it('answers 404 for an unknown list and 400 for an invalid id', async () => {
    // Act
    const unknown = await acme.put(`/api/v1/contact-lists/${randomUUID()}`, { name: 'X' });
    const invalid = await acme.put('/api/v1/contact-lists/xyz', { name: 'X' });

    // Assess
    expectProblem(unknown, 404, 'contact_list.not_found');
    expect(errorFields(invalid)).toEqual(['id']);
  });
});

describe('POST /api/v1/contact-lists/:id/contacts', () => {
  it('adds contacts and answers 200 with the list, its new contact_count and how many were added', async () => {
    // Prepare
    const [first, second, third] = await contacts(acme, { name: '1' }, { name: '2' }, { name: '3' });
    const list = await createList(acme, { name: 'Growing', contact_ids: [first] });

    // Act
    const reply = await acme.post(`/api/v1/contact-lists/${list.id}/contacts`, { contact_ids: [second, third] });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(expect.objectContaining({ id: list.id, contact_count: 3, added: 2 }));
    expect(sorted(await memberIds(acme, list.id))).toEqual(sorted([first, second, third] as string[]));
  });

  it('adds nothing for contacts that are members already', async () => {
    // Prepare
    const [member] = await contacts(acme, { name: 'Member' });
    const list = await createList(acme, { name: 'Idempotent', contact_ids: [member] });

    // Act
    const reply = await acme.post(`/api/v1/contact-lists/${list.id}/contacts`, { contact_ids: [member, member] });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(expect.objectContaining({ contact_count: 1, added: 0 }));
  });

  it("answers 422 naming unknown and other tenants' ids, and adds none of the request's contacts", async () => {
    // Prepare
    const [member, known] = await contacts(acme, { name: 'Member' }, { name: 'Known' });
    const [foreign] = await contacts(globex, { name: 'Foreign' });
    const unknown = randomUUID();
    const list = await createList(acme, { name: 'Guarded', contact_ids: [member] });

    // Act
    const reply = await acme.post(`/api/v1/contact-lists/${list.id}/contacts`, {
      contact_ids: [known, unknown, foreign],
    });

    // Assess
    expectProblem(reply, 422, 'contact_list.unknown_contacts');
    expect(reply.body.detail).toContain(unknown);
    expect(reply.body.detail).toContain(foreign);
    expect(reply.body.errors).toHaveLength(2);
    expect((await acme.get(`/api/v1/contact-lists/${list.id}`)).body).toEqual(list);
    expect(await memberIds(acme, list.id)).toEqual([member]);
  });

  it('answers 409 contact_list.not_static for a dynamic list', async () => {
    // Prepare
    const [id] = await contacts(acme, { name: 'Any' });
    const list = await createList(acme, { name: 'Dynamic', is_dynamic: true, filters: { tags: ['dyn'] } });

    // Act
    const reply = await acme.post(`/api/v1/contact-lists/${list.id}/contacts`, { contact_ids: [id] });

    // Assess
    expectProblem(reply, 409, 'contact_list.not_static');
  });

  it.each([
    ['an empty contact_ids', { contact_ids: [] }, ['contact_ids']],
    ['an invalid UUID', { contact_ids: [randomUUID(), 'c-2'] }, ['contact_ids.1']],
    ['contact_ids that is not an array', { contact_ids: randomUUID() }, ['contact_ids']],
    ['more than 1,000 ids', { contact_ids: Array.from({ length: 1001 }, () => randomUUID()) }, ['contact_ids']],
    ['an unknown field', { contact_ids: [randomUUID()], replace: true }, ['replace']],
  ])('rejects %s with 400 and per-field errors, adding nothing', async (_, body, fields) => {
    // Prepare
    const list = await createList(acme, { name: 'Unchanged' });

    // Act
    const reply = await acme.post(`/api/v1/contact-lists/${list.id}/contacts`, body);

    // Assess
    expect(errorFields(reply)).toEqual(fields);
    expect((await acme.get(`/api/v1/contact-lists/${list.id}`)).body).toEqual(list);
  });
});

describe('DELETE /api/v1/contact-lists/:id/contacts/:cid', () => {
  it('removes the member: 204, one fewer in contact_count, and the contact itself stays', async () => {
    // Prepare
    const [leaving, staying] = await contacts(acme, { name: 'Leaving' }, { name: 'Staying' });
    const list = await createList(acme, { name: 'Shrinking', contact_ids: [leaving, staying] });

    // Act
    const reply = await acme.delete(`/api/v1/contact-lists/${list.id}/contacts/${leaving}`);

    // Assess
    expect(reply.status).toBe(204);
    expect(reply.body).toBe('');
    expect((await acme.get(`/api/v1/contact-lists/${list.id}`)).body.contact_count).toBe(1);
    expect(await memberIds(acme, list.id)).toEqual([staying]);
    expect((await acme.get(`/api/v1/contacts/${leaving}`)).status).toBe(200);
  });

  it('answers 404 contact.not_found for a contact that is not a member, changing nothing', async () => {
    // Prepare
    const [member, outsider] = await contacts(acme, { name: 'Member' }, { name: 'Outsider' });
    const list = await createList(acme, { name: 'Exact', contact_ids: [member] });

    // Act
    const reply = await acme.delete(`/api/v1/contact-lists/${list.id}/contacts/${outsider}`);

    // Assess
    expectProblem(reply, 404, 'contact.not_found');
    expect((await acme.get(`/api/v1/contact-lists/${list.id}`)).body.contact_count).toBe(1);
  });

  it('answers 409 contact_list.not_static for a dynamic list', async () => {
    // Prepare
    const list = await createList(acme, { name: 'Dynamic', is_dynamic: true, filters: { tags: ['dyn'] } });

    // Act
    const reply = await acme.delete(`/api/v1/contact-lists/${list.id}/contacts/${randomUUID()}`);

    // Assess
    expectProblem(reply, 409, 'contact_list.not_static');
  });

  it('answers 400 with per-field errors for invalid ids in the path', async () => {
    // Prepare
    const list = await createList(acme, { name: 'Paths' });

    // Act
    const badContact = await acme.delete(`/api/v1/contact-lists/${list.id}/contacts/c-1`);
    const badList = await acme.delete(`/api/v1/contact-lists/l-1/contacts/${randomUUID()}`);

    // Assess
    expect(errorFields(badContact)).toEqual(['cid']);
    expect(errorFields(badList)).toEqual(['id']);
  });
});

describe('DELETE /api/v1/contact-lists/:id', () => {
  it('deletes the list: 204, then 404, while its contacts stay', async () => {
    // Prepare
    const [id] = await contacts(acme, { name: 'Survivor' });
    const list = await createList(acme, { name: 'Doomed', contact_ids: [id] });

    // Act
    const reply = await acme.delete(`/api/v1/contact-lists/${list.id}`);

    // Assess
    expect(reply.status).toBe(204);
    expectProblem(await acme.get(`/api/v1/contact-lists/${list.id}`), 404, 'contact_list.not_found');
    expectProblem(await acme.get(`/api/v1/contact-lists/${list.id}/contacts`), 404, 'contact_list.not_found');
    expect((await acme.get(`/api/v1/contacts/${id}`)).status).toBe(200);
  });

  it('answers 409 contact_list.in_use while an unfinished broadcast targets the list', async () => {
    // Prepare
    const list = await createList(acme, { name: 'Targeted' });
    const broadcast = await acme.post('/api/v1/broadcasts', {
      name: 'Uses it',
      list_id: list.id,
      message_template: { type: 'text', content: 'Hi' },
    });

    // Act
    const reply = await acme.delete(`/api/v1/contact-lists/${list.id}`);

    // Assess
    expect(broadcast.status).toBe(201);
    expectProblem(reply, 409, 'contact_list.in_use');
    expect((await acme.get(`/api/v1/contact-lists/${list.id}`)).body).toEqual(list);
  });

  it('answers 404 for an unknown list and 400 for an invalid id', async () => {
    // Act
    const unknown = await acme.delete(`/api/v1/contact-lists/${randomUUID()}`);
    const invalid = await acme.delete('/api/v1/contact-lists/0');

    // Assess
    expectProblem(unknown, 404, 'contact_list.not_found');
    expect(errorFields(invalid)).toEqual(['id']);
  });
});

describe('contact lists of another tenant', () => {
  type Call = (api: Api, listId: string, contactId: string) => Promise<Reply>;
  const calls: [string, Call][] = [
    ['GET /:id', (api, id) => api.get(`/api/v1/contact-lists/${id}`)],
    ['PUT /:id', (api, id) => api.put(`/api/v1/contact-lists/${id}`, { name: 'Hijacked' })],
    ['DELETE /:id', (api, id) => api.delete(`/api/v1/contact-lists/${id}`)],
    ['GET /:id/contacts', (api, id) => api.get(`/api/v1/contact-lists/${id}/contacts`)],
    ['POST /:id/contacts', (api, id, cid) => api.post(`/api/v1/contact-lists/${id}/contacts`, { contact_ids: [cid] })],
    ['DELETE /:id/contacts/:cid', (api, id, cid) => api.delete(`/api/v1/contact-lists/${id}/contacts/${cid}`)],
  ];

  it.each(calls)('%s answers 404 exactly as for a missing list, and the list stays as it was', async (_, call) => {
    // Prepare
    const [member] = await contacts(acme, { name: 'Member' });
    const [theirs] = await contacts(globex, { name: 'Theirs' });
    const list = await createList(acme, { name: 'Private', contact_ids: [member] });

    // Act
    const foreign = await call(globex, list.id, theirs as string);
    const missing = await call(globex, randomUUID(), theirs as string);
    const foreignMember = await call(globex, list.id, member as string);

    // Assess
    expectProblem(foreign, 404, 'contact_list.not_found');
    expectProblem(missing, 404, 'contact_list.not_found');
    expectProblem(foreignMember, 404, 'contact_list.not_found');
    expect((await acme.get(`/api/v1/contact-lists/${list.id}`)).body).toEqual(list);
    expect(await memberIds(acme, list.id)).toEqual([member]);
  });

  it("does not show another tenant's lists in GET /api/v1/contact-lists", async () => {
    // Prepare
    const list = await createList(acme, { name: 'Hidden' });

    // Act
    const { items } = await allPages(globex, '/api/v1/contact-lists', 100);

    // Assess
    expect(items.map((l: { id: string }) => l.id)).not.toContain(list.id);
  });
});

describe('the whole file', () => {
  it('never got a 5xx', () => {
    // Assess
    expect(e2e.serverErrors).toEqual([]);
  });
});
