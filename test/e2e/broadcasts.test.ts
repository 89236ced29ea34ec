import { randomUUID } from 'node:crypto';
import { MAX_RATE_LIMIT } from '../../lib/domain/broadcast.js';
import { pollUntil } from '../support/poll.js';
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
/** Lists of acme and globex that broadcasts can target. */
let acmeList: { id: string };
let globexList: { id: string };

const NEXT_YEAR = new Date().getUTCFullYear() + 1;
const inDays = (days: number) => new Date(Date.now() + days * 24 * 3600 * 1000).toISOString();
const text = { type: 'text', content: 'Hi {{contact.name}}' };
/** About 0.9 MB of variables: under the 1 MiB body limit, over DynamoDB's 400 KB item limit. */
const manyVariables = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`v${i}`, 'x'.repeat(2000)]));

async function freshTenant(): Promise<{ api: Api; list: { id: string } }> {
  const api = await e2e.tenantApi();
  const list = (await api.post('/api/v1/contact-lists', { name: 'Audience' })).body;
  return { api, list };
}

async function draft(api: Api = acme, listId: string = acmeList.id, fields: Record<string, unknown> = {}) {
  const reply = await api.post('/api/v1/broadcasts', {
    name: 'Draft',
    list_id: listId,
    message_template: text,
    ...fields,
  });
  expect(reply.status).toBe(201);
  return reply.body;
}

async function scheduled(api: Api = acme, listId: string = acmeList.id) {
  const created = await draft(api, listId, { name: 'Scheduled', scheduled_for: inDays(3) });
  expect(created.status).toBe('scheduled');
  return created;
}

const read = async (id: string, api: Api = acme) => (await api.get(`/api/v1/broadcasts/${id}`)).body;

beforeAll(async () => {
  acme = await e2e.tenantApi();
  globex = await e2e.tenantApi();
  acmeList = (await acme.post('/api/v1/contact-lists', { name: 'Acme audience' })).body;
  globexList = (await globex.post('/api/v1/contact-lists', { name: 'Globex audience' })).body;
});

describe("the seed's examples", () => {
  it('Example 1: creates the immediate promotion as a draft, and execute starts it', async () => {
    // Prepare
    const list = await acme.post('/api/v1/contact-lists', {
      name: 'Active Customers',
      is_dynamic: true,
      filters: {
        pipeline_id: randomUUID(),
        status_id: randomUUID(),
        tags: ['customer', 'active'],
      },
    });

    // Act
    const created = await acme.post('/api/v1/broadcasts', {
      name: 'Black Friday Promotion',
      list_id: list.body.id,
      message_template: {
        type: 'template',
        template_id: 'promo_bf',
        variables: {
          name: 'contact.name',
          discount: '50',
        },
      },
      rate_limit: 100,
    });
    const executed = await acme.post(`/api/v1/broadcasts/${created.body.id}/execute`);

    // Assess
    expect(list.status).toBe(201);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID),
      name: 'Black Friday Promotion',
      list_id: list.body.id,
      channel_id: null,
      message_template: {
        type: 'template',
        content: null,
        template_id: 'promo_bf',
        variables: { name: 'contact.name', discount: '50' },
        media_url: null,
        language: null,
        subject: null,
        html: null,
      },
      status: 'draft',
      status_reason: null,
      scheduled_for: null,
      timezone: 'UTC',
      started_at: null,
      completed_at: null,
      cancelled_at: null,
      rate_limit: 100,
      total_contacts: 0,
      sent_count: 0,
      failed_count: 0,
      skipped_count: 0,
      pending_count: 0,
      created_at: expect.stringMatching(ISO_INSTANT),
      updated_at: created.body.created_at,
    });
    expect(executed.status).toBe(200);
    expect(executed.body).toMatchObject({
      id: created.body.id,
      status: 'running',
      started_at: expect.stringMatching(ISO_INSTANT),
    });
  });

  it('Example 2: creates the weekly newsletter directly as scheduled', async () => {
    // Prepare
    const list = await acme.post('/api/v1/contact-lists', {
      name: 'Newsletter Subscribers',
      is_dynamic: true,
      filters: {
        tags: ['newsletter'],
      },
    });

    // Act
    const created = await acme.post('/api/v1/broadcasts', {
      name: 'Weekly Newsletter',
      list_id: list.body.id,
      message_template: {
        type: 'template',
        template_id: 'newsletter_weekly',
      },
      scheduled_for: `${NEXT_YEAR}-01-20T10:00:00Z`,
      rate_limit: 200,
    });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toEqual(
      expect.objectContaining({
        name: 'Weekly Newsletter',
        list_id: list.body.id,
        message_template: {
          type: 'template',
          content: null,
          template_id: 'newsletter_weekly',
          variables: {},
          media_url: null,
          language: null,
          subject: null,
          html: null,
        },
        status: 'scheduled',
        scheduled_for: `${NEXT_YEAR}-01-20T10:00:00.000Z`,
        rate_limit: 200,
      }),
    );
    expect(await read(created.body.id)).toEqual(created.body);
  });

  it('Example 3: creates the cart recovery text broadcast as scheduled, unlimited by default', async () => {
    // Prepare
    const list = await acme.post('/api/v1/contact-lists', {
      name: 'Abandoned Carts Today',
      is_dynamic: true,
      filters: {
        custom_fields: {
          cart_status: 'abandoned',
          abandoned_date: 'today',
        },
      },
    });

    // Act
    const created = await acme.post('/api/v1/broadcasts', {
      name: 'Cart Recovery 2h',
      list_id: list.body.id,
      message_template: {
        type: 'text',
        content: 'Hi {{name}}! Your cart is waiting. Complete now and get 10% OFF!',
      },
      scheduled_for: `${NEXT_YEAR}-01-15T14:00:00Z`,
    });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toEqual(
      expect.objectContaining({
        name: 'Cart Recovery 2h',
        message_template: expect.objectContaining({
          type: 'text',
          content: 'Hi {{name}}! Your cart is waiting. Complete now and get 10% OFF!',
        }),
        status: 'scheduled',
        scheduled_for: `${NEXT_YEAR}-01-15T14:00:00.000Z`,
        rate_limit: 0,
      }),
    );
  });

  it("answers the seed's literal, now past, scheduled_for with 422 broadcast.schedule_in_past, creating nothing", async () => {
    // Prepare
    const { api, list } = await freshTenant();

    // Act
    const reply = await api.post('/api/v1/broadcasts', {
      name: 'Weekly Newsletter',
      list_id: list.id,
      message_template: { type: 'template', template_id: 'newsletter_weekly' },
      scheduled_for: '2025-01-20T10:00:00Z',
      rate_limit: 200,
    });

    // Assess
    expectProblem(reply, 422, 'broadcast.schedule_in_past');
    expect((await api.get('/api/v1/broadcasts')).body).toEqual({ items: [], next_cursor: null });
  });
});

describe('POST /api/v1/broadcasts', () => {
  it('stores channel_id and a media template', async () => {
    // Prepare
    const createdChannel = await acme.post('/api/v1/channels', { name: 'Log', type: 'log', config: {} });
    const channel = (createdChannel.body as { id: string }).id;

    // Act
    const created = await draft(acme, acmeList.id, {
      channel_id: channel,
      message_template: { type: 'media', media_url: 'https://cdn.example.com/promo.jpg', content: 'See this' },
    });

    // Assess
    expect(created.channel_id).toBe(channel);
    const unknown = await acme.post('/api/v1/broadcasts', {
      name: 'Unknown channel',
      list_id: acmeList.id,
      channel_id: randomUUID(),
      message_template: { type: 'text', content: 'Hi' },
    });
    expectProblem(unknown, 422, 'broadcast.unknown_channel');
    expect(created.message_template).toEqual({
      type: 'media',
      content: 'See this',
      template_id: null,
      variables: {},
      media_url: 'https://cdn.example.com/promo.jpg',
      language: null,
      subject: null,
      html: null,
    });
    expect(await read(created.id)).toEqual(created);
  });

  it('accepts rate_limit 0 (unlimited) and the documented maximum', async () => {
    // Act
    const unlimited = await draft(acme, acmeList.id, { rate_limit: 0 });
    const maximum = await draft(acme, acmeList.id, { rate_limit: MAX_RATE_LIMIT });

    // Assess
    expect([unlimited.rate_limit, maximum.rate_limit]).toEqual([0, MAX_RATE_LIMIT]);
  });

  it("answers 422 broadcast.unknown_list for another tenant's list exactly as for a missing one, creating nothing", async () => {
    // Prepare
    const { api } = await freshTenant();

    // Act
    const foreign = await api.post('/api/v1/broadcasts', { name: 'X', list_id: globexList.id, message_template: text });
    const missing = await api.post('/api/v1/broadcasts', { name: 'X', list_id: randomUUID(), message_template: text });

    // Assess
    expectProblem(foreign, 422, 'broadcast.unknown_list');
    expectProblem(missing, 422, 'broadcast.unknown_list');
    expect(foreign.body.errors).toEqual([expect.objectContaining({ field: 'list_id' })]);
    expect((await api.get('/api/v1/broadcasts')).body.items).toEqual([]);
  });

  it.each([
    [
      'missing required fields',
      { name: undefined, list_id: undefined, message_template: undefined },
      ['list_id', 'message_template', 'name'],
    ],
    ["the seed's placeholder list id", { list_id: 'list-uuid' }, ['list_id']],
    ['an invalid channel_id', { channel_id: 'whatsapp' }, ['channel_id']],
    ['a negative rate_limit', { rate_limit: -1 }, ['rate_limit']],
    ['a rate_limit above the documented maximum', { rate_limit: MAX_RATE_LIMIT + 1 }, ['rate_limit']],
    ['a fractional rate_limit', { rate_limit: 1.5 }, ['rate_limit']],
    ['a rate_limit given as a string', { rate_limit: '100' }, ['rate_limit']],
    ['an unknown message type', { message_template: { type: 'sms', content: 'x' } }, ['message_template.type']],
    ['a text message without content', { message_template: { type: 'text' } }, ['message_template.content']],
    ['a template without template_id', { message_template: { type: 'template' } }, ['message_template.template_id']],
    [
      'a template language that is not a language code',
      { message_template: { type: 'template', template_id: 'promo_bf', language: 'pt-BR' } },
      ['message_template.language'],
    ],
    [
      'a language on a text message',
      { message_template: { type: 'text', content: 'Hi', language: 'en_US' } },
      ['message_template.language'],
    ],
    [
      'a media message with a non-http URL',
      { message_template: { type: 'media', media_url: 'ftp://cdn.example.com/a.jpg' } },
      ['message_template.media_url'],
    ],
    [
      'a variable that is not a string',
      { message_template: { type: 'template', template_id: 't', variables: { discount: 50 } } },
      ['message_template.variables.discount'],
    ],
    ['a scheduled_for that is not a date-time', { scheduled_for: 'next monday' }, ['scheduled_for']],
    ['a scheduled_for without a zone', { scheduled_for: `${NEXT_YEAR}-01-20T10:00:00` }, ['scheduled_for']],
    [
      'more template variables than one stored broadcast can hold',
      { message_template: { type: 'template', template_id: 't', variables: manyVariables } },
      ['message_template.variables'],
    ],
    ['an unknown field', { priority: 'high' }, ['priority']],
    ['an unknown template field', { message_template: { ...text, footer: 'bye' } }, ['message_template.footer']],
  ])('rejects %s with 400 and per-field errors, creating nothing', async (_, fields, errors) => {
    // Prepare
    const { api, list } = await freshTenant();
    const body = { name: 'Bad', list_id: list.id, message_template: text, ...fields };

    // Act
    const reply = await api.post('/api/v1/broadcasts', body);

    // Assess
    expect(errorFields(reply)).toEqual(errors);
    expect((await api.get('/api/v1/broadcasts')).body.items).toEqual([]);
  });
});

describe('GET /api/v1/broadcasts', () => {
  let api: Api;
  let drafts: { id: string }[];
  let planned: { id: string };

  beforeAll(async () => {
    const tenant = await freshTenant();
    api = tenant.api;
    drafts = [await draft(api, tenant.list.id), await draft(api, tenant.list.id)];
    planned = await scheduled(api, tenant.list.id);
  });

  const idsOf = (items: { id: string }[]) => items.map((b) => b.id).sort();

  it("answers the tenant's broadcasts", async () => {
    // Act
    const reply = await api.get('/api/v1/broadcasts');

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.next_cursor).toBeNull();
    expect(idsOf(reply.body.items)).toEqual(idsOf([...drafts, planned]));
  });

  it('filters by status', async () => {
    // Act
    const onlyScheduled = await api.get('/api/v1/broadcasts?status=scheduled');
    const onlyDrafts = await api.get('/api/v1/broadcasts?status=draft');
    const none = await api.get('/api/v1/broadcasts?status=cancelled');

    // Assess
    expect(idsOf(onlyScheduled.body.items)).toEqual([planned.id]);
    expect(idsOf(onlyDrafts.body.items)).toEqual(idsOf(drafts));
    expect(none.body).toEqual({ items: [], next_cursor: null });
  });

  it('pages through every broadcast exactly once with limit=1', async () => {
    // Act
    const { items, pages } = await allPages(api, '/api/v1/broadcasts', 1);

    // Assess
    expect(items).toHaveLength(3);
    expect(idsOf(items)).toEqual(idsOf([...drafts, planned]));
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['status=sent', ['status']],
    ['limit=0', ['limit']],
    ['list_id=x', ['list_id']],
  ])('rejects the query %s with 400 and per-field errors', async (query, fields) => {
    // Act
    const reply = await api.get(`/api/v1/broadcasts?${query}`);

    // Assess
    expect(errorFields(reply)).toEqual(fields);
  });
});

describe('GET /api/v1/broadcasts/:id', () => {
  it('answers the broadcast, 404 broadcast.not_found for an unknown id and 400 for an invalid one', async () => {
    // Prepare
    const created = await draft();

    // Act
    const found = await acme.get(`/api/v1/broadcasts/${created.id}`);
    const unknown = await acme.get(`/api/v1/broadcasts/${randomUUID()}`);
    const invalid = await acme.get('/api/v1/broadcasts/black-friday');

    // Assess
    expect(found.status).toBe(200);
    expect(found.body).toEqual(created);
    expectProblem(unknown, 404, 'broadcast.not_found');
    expect(errorFields(invalid)).toEqual(['id']);
  });
});

describe('PUT /api/v1/broadcasts/:id', () => {
  it('updates a draft and answers 200 with it', async () => {
    // Prepare
    const created = await draft();
    const otherList = (await acme.post('/api/v1/contact-lists', { name: 'Other audience' })).body;
    const channel = (await acme.post('/api/v1/channels', { name: 'Log', type: 'log', config: {} })).body.id;

    // Act
    const reply = await acme.put(`/api/v1/broadcasts/${created.id}`, {
      name: 'Renamed',
      list_id: otherList.id,
      channel_id: channel,
      message_template: { type: 'template', template_id: 'promo_v2', variables: { discount: '60' }, language: 'pt_BR' },
      rate_limit: 300,
    });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      ...created,
      name: 'Renamed',
      list_id: otherList.id,
      channel_id: channel,
      message_template: {
        type: 'template',
        content: null,
        template_id: 'promo_v2',
        variables: { discount: '60' },
        media_url: null,
        language: 'pt_BR',
        subject: null,
        html: null,
      },
      rate_limit: 300,
      updated_at: expect.stringMatching(ISO_INSTANT),
    });
    expect(await read(created.id)).toEqual(reply.body);
  });

  it("answers 422 broadcast.unknown_list for another tenant's list, changing nothing", async () => {
    // Prepare
    const created = await draft();

    // Act
    const reply = await acme.put(`/api/v1/broadcasts/${created.id}`, { list_id: globexList.id });

    // Assess
    expectProblem(reply, 422, 'broadcast.unknown_list');
    expect(await read(created.id)).toEqual(created);
  });

  it('answers 409 broadcast.not_draft for a scheduled broadcast, changing nothing', async () => {
    // Prepare
    const created = await scheduled();

    // Act
    const reply = await acme.put(`/api/v1/broadcasts/${created.id}`, { name: 'Too late' });

    // Assess
    expectProblem(reply, 409, 'broadcast.not_draft');
    expect(await read(created.id)).toEqual(created);
  });

  it.each([
    ['an empty body', {}, ['body']],
    ['a negative rate_limit', { rate_limit: -5 }, ['rate_limit']],
    ['a rate_limit above the documented maximum', { rate_limit: MAX_RATE_LIMIT + 1 }, ['rate_limit']],
    ['an invalid list_id', { list_id: 'list-uuid' }, ['list_id']],
    ['a wrong type', { name: { en: 'Promo' } }, ['name']],
    ['an invalid template', { message_template: { type: 'media' } }, ['message_template.media_url']],
    [
      'more template variables than one stored broadcast can hold',
      { message_template: { type: 'template', template_id: 't', variables: manyVariables } },
      ['message_template.variables'],
    ],
    ['a status, which PUT does not take', { name: 'X', status: 'running' }, ['status']],
  ])('rejects %s with 400 and per-field errors, changing nothing', async (_, body, fields) => {
    // Prepare
    const created = await draft();

    // Act
    const reply = await acme.put(`/api/v1/broadcasts/${created.id}`, body);

    // Assess
    expect(errorFields(reply)).toEqual(fields);
    expect(await read(created.id)).toEqual(created);
  });

  it('answers 404 for an unknown broadcast and 400 for an invalid id', async () => {
    // Act
    const unknown = await acme.put(`/api/v1/broadcasts/${randomUUID()}`, { name: 'X' });
    const invalid = await acme.put('/api/v1/broadcasts/1', { name: 'X' });

    // Assess
    expectProblem(unknown, 404, 'broadcast.not_found');
    expect(errorFields(invalid)).toEqual(['id']);
  });
});

describe('DELETE /api/v1/broadcasts/:id', () => {
  it('deletes a draft: 204, then 404, and its list can be deleted', async () => {
    // Prepare
    const list = (await acme.post('/api/v1/contact-lists', { name: 'Only for this one' })).body;
    const created = await draft(acme, list.id);

    // Act
    const reply = await acme.delete(`/api/v1/broadcasts/${created.id}`);

    // Assess
    expect(reply.status).toBe(204);
    expect(reply.body).toBe('');
    expectProblem(await acme.get(`/api/v1/broadcasts/${created.id}`), 404, 'broadcast.not_found');
    expect((await acme.delete(`/api/v1/contact-lists/${list.id}`)).status).toBe(204);
  });

  it('answers 409 broadcast.not_draft for a scheduled broadcast, which stays', async () => {
    // Prepare
    const created = await scheduled();

    // Act
    const reply = await acme.delete(`/api/v1/broadcasts/${created.id}`);

    // Assess
    expectProblem(reply, 409, 'broadcast.not_draft');
    expect(await read(created.id)).toEqual(created);
  });

  it('answers 404 for an unknown broadcast and 400 for an invalid id', async () => {
    // Act
    const unknown = await acme.delete(`/api/v1/broadcasts/${randomUUID()}`);
    const invalid = await acme.delete('/api/v1/broadcasts/abc');

    // Assess
    expectProblem(unknown, 404, 'broadcast.not_found');
    expect(errorFields(invalid)).toEqual(['id']);
  });
});

describe('POST /api/v1/broadcasts/:id/schedule', () => {
  it('schedules a draft: 200 with status scheduled and scheduled_for in UTC', async () => {
    // Prepare
    const created = await draft();

    // Act
    const reply = await acme.post(`/api/v1/broadcasts/${created.id}/schedule`, {
      scheduled_for: `${NEXT_YEAR}-03-01T09:30:00+02:00`,
    });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      ...created,
      status: 'scheduled',
      scheduled_for: `${NEXT_YEAR}-03-01T07:30:00.000Z`,
      updated_at: expect.stringMatching(ISO_INSTANT),
    });
    expect(await read(created.id)).toEqual(reply.body);
  });

  it('answers 409 broadcast.invalid_transition to a second schedule, keeping the first time', async () => {
    // Prepare
    const created = await scheduled();

    // Act
    const reply = await acme.post(`/api/v1/broadcasts/${created.id}/schedule`, { scheduled_for: inDays(10) });

    // Assess
    expectProblem(reply, 409, 'broadcast.invalid_transition');
    expect(await read(created.id)).toEqual(created);
  });

  it('lets exactly one of two concurrent schedules of one draft win; the other gets 409', async () => {
    // Prepare
    const drafts = await Promise.all([draft(), draft(), draft()]);
    const times = [inDays(4), inDays(5)];

    // Act
    const races = await Promise.all(
      drafts.map((d) =>
        Promise.all(times.map((at) => acme.post(`/api/v1/broadcasts/${d.id}/schedule`, { scheduled_for: at }))),
      ),
    );

    // Assess
    for (const [i, replies] of races.entries()) {
      expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
      const winner = replies.find((r) => r.status === 200) as Reply;
      const loser = replies.find((r) => r.status === 409) as Reply;
      expectProblem(loser, 409, 'broadcast.invalid_transition');
      expect(await read(drafts[i].id)).toEqual(winner.body);
    }
  });

  it('answers 422 broadcast.schedule_in_past for a time not in the future; the broadcast stays a draft', async () => {
    // Prepare
    const created = await draft();

    // Act
    const past = await acme.post(`/api/v1/broadcasts/${created.id}/schedule`, {
      scheduled_for: '2025-01-20T10:00:00Z',
    });
    const now = await acme.post(`/api/v1/broadcasts/${created.id}/schedule`, {
      scheduled_for: new Date().toISOString(),
    });

    // Assess
    expectProblem(past, 422, 'broadcast.schedule_in_past');
    expectProblem(now, 422, 'broadcast.schedule_in_past');
    expect(past.body.errors).toEqual([expect.objectContaining({ field: 'scheduled_for' })]);
    expect(await read(created.id)).toEqual(created);
  });

  it.each([
    ['a missing scheduled_for', {}, ['scheduled_for']],
    ['a scheduled_for that is not a date-time', { scheduled_for: 'soon' }, ['scheduled_for']],
    ['a scheduled_for that is a number', { scheduled_for: 1767225600000 }, ['scheduled_for']],
    ['an unknown field', { scheduled_for: inDays(2), timezone: 'UTC' }, ['timezone']],
  ])('rejects %s with 400 and per-field errors; the broadcast stays a draft', async (_, body, fields) => {
    // Prepare
    const created = await draft();

    // Act
    const reply = await acme.post(`/api/v1/broadcasts/${created.id}/schedule`, body);

    // Assess
    expect(errorFields(reply)).toEqual(fields);
    expect(await read(created.id)).toEqual(created);
  });

  it('answers 400 without a body', async () => {
    // Prepare
    const created = await draft();

    // Act
    const reply = await acme.post(`/api/v1/broadcasts/${created.id}/schedule`);

    // Assess
    expectProblem(reply, 400, 'request.validation_failed');
    expect(await read(created.id)).toEqual(created);
  });
});

describe('POST /api/v1/broadcasts/:id/unschedule', () => {
  it('turns a scheduled broadcast back into a draft, which can be edited again', async () => {
    // Prepare
    const created = await scheduled();

    // Act
    const reply = await acme.post(`/api/v1/broadcasts/${created.id}/unschedule`);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      ...created,
      status: 'draft',
      scheduled_for: null,
      updated_at: expect.stringMatching(ISO_INSTANT),
    });
    expect(await read(created.id)).toEqual(reply.body);
    expect((await acme.put(`/api/v1/broadcasts/${created.id}`, { name: 'Editable' })).status).toBe(200);
  });

  it('answers 409 broadcast.invalid_transition for a draft', async () => {
    // Prepare
    const created = await draft();

    // Act
    const reply = await acme.post(`/api/v1/broadcasts/${created.id}/unschedule`);

    // Assess
    expectProblem(reply, 409, 'broadcast.invalid_transition');
    expect(await read(created.id)).toEqual(created);
  });
});

describe('POST /api/v1/broadcasts/:id/cancel', () => {
  it('cancels a scheduled broadcast: 200 with status cancelled and cancelled_at', async () => {
    // Prepare
    const created = await scheduled();

    // Act
    const reply = await acme.post(`/api/v1/broadcasts/${created.id}/cancel`);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      ...created,
      status: 'cancelled',
      cancelled_at: expect.stringMatching(ISO_INSTANT),
      updated_at: expect.stringMatching(ISO_INSTANT),
    });
    expect(await read(created.id)).toEqual(reply.body);
  });

  it('leaves a cancelled broadcast final: cancel, schedule, unschedule → 409; PUT, DELETE → 409', async () => {
    // Prepare
    const created = await scheduled();
    const cancelled = (await acme.post(`/api/v1/broadcasts/${created.id}/cancel`)).body;
    const path = `/api/v1/broadcasts/${created.id}`;

    // Act
    const again = await acme.post(`${path}/cancel`);
    const schedule = await acme.post(`${path}/schedule`, { scheduled_for: inDays(2) });
    const unschedule = await acme.post(`${path}/unschedule`);
    const put = await acme.put(path, { name: 'Revived' });
    const remove = await acme.delete(path);

    // Assess
    expectProblem(again, 409, 'broadcast.invalid_transition');
    expectProblem(schedule, 409, 'broadcast.invalid_transition');
    expectProblem(unschedule, 409, 'broadcast.invalid_transition');
    expectProblem(put, 409, 'broadcast.not_draft');
    expectProblem(remove, 409, 'broadcast.not_draft');
    expect(await read(created.id)).toEqual(cancelled);
  });

  it('answers 409 broadcast.invalid_transition for a draft', async () => {
    // Prepare
    const created = await draft();

    // Act
    const reply = await acme.post(`/api/v1/broadcasts/${created.id}/cancel`);

    // Assess
    expectProblem(reply, 409, 'broadcast.invalid_transition');
    expect(await read(created.id)).toEqual(created);
  });
});

describe('POST /api/v1/broadcasts/:id/execute', () => {
  it('starts a draft and a scheduled broadcast (200, running); a second execute is 409 and starts nothing', async () => {
    // Prepare
    const drafted = await draft();
    const planned = await scheduled();

    // Act
    const replies = [
      await acme.post(`/api/v1/broadcasts/${drafted.id}/execute`),
      await acme.post(`/api/v1/broadcasts/${planned.id}/execute`),
    ];
    const again = await acme.post(`/api/v1/broadcasts/${drafted.id}/execute`);

    // Assess
    for (const reply of replies) expect(reply.body).toMatchObject({ status: 'running' });
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    expectProblem(again, 409, 'broadcast.invalid_transition');
  });

  it('answers 404 broadcast.not_found for an unknown broadcast', async () => {
    // Act
    const reply = await acme.post(`/api/v1/broadcasts/${randomUUID()}/execute`);

    // Assess
    expectProblem(reply, 404, 'broadcast.not_found');
  });
});

describe('GET /api/v1/broadcasts/:id/stats', () => {
  it('answers the counters, progress and status of the broadcast', async () => {
    // Prepare
    const created = await draft();
    const planned = await scheduled();
    await acme.post(`/api/v1/broadcasts/${planned.id}/cancel`);

    // Act
    const draftStats = await acme.get(`/api/v1/broadcasts/${created.id}/stats`);
    const cancelledStats = await acme.get(`/api/v1/broadcasts/${planned.id}/stats`);

    // Assess
    const zero = {
      total_contacts: 0,
      pending: 0,
      sending: 0,
      sent: 0,
      failed: 0,
      skipped: 0,
      progress_percent: 0,
      delivered: 0,
      read: 0,
      delivery_failed: 0,
      started_at: null,
      completed_at: null,
    };
    expect(draftStats.status).toBe(200);
    expect(draftStats.body).toEqual({ ...zero, status: 'draft' });
    expect(cancelledStats.body).toEqual({ ...zero, status: 'cancelled' });
  });

  it('answers progress_percent 100 for a broadcast on an empty list once it completed', async () => {
    // Prepare
    const { api, list } = await freshTenant();
    const created = await draft(api, list.id);

    // Act
    const executed = await api.post(`/api/v1/broadcasts/${created.id}/execute`);
    await pollUntil(async () => (await read(created.id, api)).status === 'completed', {
      timeoutMs: 20_000,
      what: 'the broadcast on an empty list completes',
    });
    const stats = await api.get(`/api/v1/broadcasts/${created.id}/stats`);

    // Assess
    expect(executed.status).toBe(200);
    expect(stats.body).toMatchObject({ status: 'completed', total_contacts: 0, pending: 0, progress_percent: 100 });
  });

  it('answers 404 for an unknown broadcast and 400 for an invalid id', async () => {
    // Act
    const unknown = await acme.get(`/api/v1/broadcasts/${randomUUID()}/stats`);
    const invalid = await acme.get('/api/v1/broadcasts/stats/stats');

    // Assess
    expectProblem(unknown, 404, 'broadcast.not_found');
    expect(errorFields(invalid)).toEqual(['id']);
  });
});

describe('GET /api/v1/broadcasts/:id/executions', () => {
  it('answers an empty page for a broadcast that never ran', async () => {
    // Prepare
    const created = await draft();

    // Act
    const all = await acme.get(`/api/v1/broadcasts/${created.id}/executions`);
    const sent = await acme.get(`/api/v1/broadcasts/${created.id}/executions?status=sent&limit=10`);

    // Assess
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ items: [], next_cursor: null });
    expect(sent.body).toEqual({ items: [], next_cursor: null });
  });

  it.each([
    ['status=done', ['status']],
    ['limit=1001', ['limit']],
  ])('rejects the query %s with 400 and per-field errors', async (query, fields) => {
    // Prepare
    const created = await draft();

    // Act
    const reply = await acme.get(`/api/v1/broadcasts/${created.id}/executions?${query}`);

    // Assess
    expect(errorFields(reply)).toEqual(fields);
  });

  it('answers 404 for an unknown broadcast', async () => {
    // Act
    const reply = await acme.get(`/api/v1/broadcasts/${randomUUID()}/executions`);

    // Assess
    expectProblem(reply, 404, 'broadcast.not_found');
  });
});

describe('broadcasts of another tenant', () => {
  const calls: [string, 'draft' | 'scheduled', (api: Api, id: string) => Promise<Reply>][] = [
    ['GET /:id', 'draft', (api, id) => api.get(`/api/v1/broadcasts/${id}`)],
    ['PUT /:id', 'draft', (api, id) => api.put(`/api/v1/broadcasts/${id}`, { name: 'Hijacked' })],
    ['DELETE /:id', 'draft', (api, id) => api.delete(`/api/v1/broadcasts/${id}`)],
    [
      'POST /:id/schedule',
      'draft',
      (api, id) => api.post(`/api/v1/broadcasts/${id}/schedule`, { scheduled_for: inDays(1) }),
    ],
    ['POST /:id/unschedule', 'scheduled', (api, id) => api.post(`/api/v1/broadcasts/${id}/unschedule`)],
    ['POST /:id/cancel', 'scheduled', (api, id) => api.post(`/api/v1/broadcasts/${id}/cancel`)],
    ['POST /:id/execute', 'draft', (api, id) => api.post(`/api/v1/broadcasts/${id}/execute`)],
    ['GET /:id/stats', 'draft', (api, id) => api.get(`/api/v1/broadcasts/${id}/stats`)],
    ['GET /:id/executions', 'draft', (api, id) => api.get(`/api/v1/broadcasts/${id}/executions`)],
  ];

  it.each(calls)(
    '%s answers 404 exactly as for a missing broadcast, and it stays as it was',
    async (_, state, call) => {
      // Prepare
      const victim = state === 'draft' ? await draft() : await scheduled();

      // Act
      const foreign = await call(globex, victim.id);
      const missing = await call(globex, randomUUID());

      // Assess
      expectProblem(foreign, 404, 'broadcast.not_found');
      expectProblem(missing, 404, 'broadcast.not_found');
      expect(await read(victim.id)).toEqual(victim);
    },
  );

  it("does not show another tenant's broadcasts in GET /api/v1/broadcasts", async () => {
    // Prepare
    const victim = await draft();

    // Act
    const { items } = await allPages(globex, '/api/v1/broadcasts', 100);

    // Assess
    expect(items.map((b: { id: string }) => b.id)).not.toContain(victim.id);
  });
});

describe('the whole file', () => {
  it('never got a 5xx', () => {
    // Assess
    expect(e2e.serverErrors).toEqual([]);
  });
});
