import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { WebhookSink } from '../support/webhook-sink.js';
import {
  type Api,
  allPages,
  type E2e,
  errorFields,
  expectProblem,
  ISO_INSTANT,
  newTenant,
  startE2e,
  tokenFor,
  UUID,
} from './support.js';

// POST /api/v1/broadcasts/{id}/test-send and GET /api/v1/broadcasts/{id}/test-sends, over HTTP, against a webhook
// receiver that de-duplicates by Idempotency-Key as a careful provider would.

const SECRET = 'whsec-test-send-0123456789abcdef';
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

let e2e: E2e;
let sink: WebhookSink;
let acme: Api;
let globex: Api;
let channelId: string;
let ana: { id: string };
let bruno: { id: string };
let olga: { id: string };
let listId: string;
let globexBroadcast: { id: string };
let globexContact: { id: string };

async function aBroadcast(api: Api = acme, fields: Record<string, unknown> = {}) {
  const reply = await api.post('/api/v1/broadcasts', {
    name: 'Black Friday',
    list_id: listId,
    channel_id: channelId,
    message_template: { type: 'text', content: 'Hi {{contact.name}}, 50% off today' },
    ...fields,
  });
  expect(reply.status).toBe(201);
  return reply.body as { id: string };
}

const testSend = (id: string, body: unknown, api: Api = acme) => api.post(`/api/v1/broadcasts/${id}/test-send`, body);

/** What a user sees of a broadcast's delivery: the broadcast, its stats and every execution. */
async function deliveryOf(id: string) {
  const [broadcast, stats, executions] = await Promise.all([
    acme.get(`/api/v1/broadcasts/${id}`),
    acme.get(`/api/v1/broadcasts/${id}/stats`),
    allPages(acme, `/api/v1/broadcasts/${id}/executions`, 100),
  ]);
  return { broadcast: broadcast.body, stats: stats.body, executions: executions.items };
}

beforeAll(async () => {
  sink = await WebhookSink.start({ secret: SECRET });
  e2e = await startE2e();
  acme = e2e.api(await tokenFor(newTenant()));
  globex = e2e.api(await tokenFor(newTenant()));
  const channel = await acme.post('/api/v1/channels', {
    name: 'CRM hook',
    type: 'webhook',
    config: { url: sink.url, secret: SECRET },
    required_address: 'phone',
  });
  expect(channel.status).toBe(201);
  channelId = channel.body.id;
  ana = (await acme.post('/api/v1/contacts', { name: 'Ana', phone: '+5511999990001' })).body;
  bruno = (await acme.post('/api/v1/contacts', { name: 'Bruno', phone: '+5511999990002' })).body;
  olga = (await acme.post('/api/v1/contacts', { name: 'Olga', phone: '+5511999990003', opted_out: true })).body;
  const list = await acme.post('/api/v1/contact-lists', { name: 'Audience', contact_ids: [ana.id, bruno.id] });
  expect(list.status).toBe(201);
  listId = list.body.id;
  globexContact = (await globex.post('/api/v1/contacts', { name: 'Gil', phone: '+5511999990009' })).body;
  const globexList = await globex.post('/api/v1/contact-lists', { name: 'G', contact_ids: [globexContact.id] });
  globexBroadcast = (
    await globex.post('/api/v1/broadcasts', {
      name: 'Globex',
      list_id: globexList.body.id,
      message_template: { type: 'text', content: 'Hi' },
    })
  ).body;
});

afterAll(async () => {
  await e2e?.runtime.stop();
  await sink?.stop();
});

describe('POST /api/v1/broadcasts/:id/test-send', () => {
  it("reaches the channel once, and neither the broadcast's real send nor its stats and executions notice it", async () => {
    // Prepare
    const broadcast = await aBroadcast();
    const seen = sink.requests.length;

    // Act: a test send of the draft, the broadcast's run, then another test send once it completed.
    const before = await testSend(broadcast.id, { contact_id: ana.id });
    expect((await acme.post(`/api/v1/broadcasts/${broadcast.id}/execute`)).status).toBe(200);
    const deadline = Date.now() + 60_000;
    while ((await acme.get(`/api/v1/broadcasts/${broadcast.id}`)).body.status !== 'completed') {
      if (Date.now() > deadline) throw new Error('the broadcast did not complete');
      await sleep(100);
    }
    const completed = await deliveryOf(broadcast.id);
    const after = await testSend(broadcast.id, { contact_id: ana.id });

    // Assess: each test send answered and reached the receiver once, under a key of its own.
    for (const reply of [before, after]) {
      expect(reply.status).toBe(201);
      expect(reply.body).toEqual({
        id: expect.stringMatching(UUID),
        broadcast_id: broadcast.id,
        contact_id: ana.id,
        channel_id: channelId,
        status: 'sent',
        message_id: expect.any(String),
        error: null,
        failure: null,
        sms_parts: null,
        message: {
          type: 'text',
          content: 'Hi Ana, 50% off today',
          template_id: null,
          variables: {},
          media_url: null,
          truncated: false,
        },
        created_at: expect.stringMatching(ISO_INSTANT),
        updated_at: expect.stringMatching(ISO_INSTANT),
      });
    }
    const requests = sink.requests.slice(seen);
    expect(requests.map((r) => [r.contactId, r.outcome, r.firstAcceptance])).toEqual(
      expect.arrayContaining([
        [ana.id, 'accepted', true],
        [bruno.id, 'accepted', true],
      ]),
    );
    expect(requests).toHaveLength(4);
    const toAna = requests.filter((r) => r.contactId === ana.id);
    // The test before the run did not make Ana's real message a repeat: three keys, three messages accepted.
    expect(new Set(toAna.map((r) => r.idempotencyKey)).size).toBe(3);
    expect(toAna.every((r) => r.firstAcceptance)).toBe(true);
    expect(toAna.filter((r) => r.idempotencyKey?.startsWith('ts_')).map((r) => r.body?.execution_id)).toEqual([
      before.body.id,
      after.body.id,
    ]);
    // Stats and executions count the broadcast's own two messages only, and stay so.
    expect(completed.stats).toMatchObject({ total_contacts: 2, sent: 2, failed: 0, skipped: 0 });
    expect(completed.executions).toHaveLength(2);
    expect(completed.executions.every((e: { status: string }) => e.status === 'sent')).toBe(true);
    expect(await deliveryOf(broadcast.id)).toEqual(completed);
  });

  it('sends in any status: a scheduled and a cancelled broadcast, which stay as they were', async () => {
    // Prepare
    const scheduled = await aBroadcast(acme, { scheduled_for: new Date(Date.now() + 86_400_000).toISOString() });
    const cancelled = await aBroadcast(acme, { scheduled_for: new Date(Date.now() + 86_400_000).toISOString() });
    expect((await acme.post(`/api/v1/broadcasts/${cancelled.id}/cancel`)).status).toBe(200);
    const before = await Promise.all([scheduled, cancelled].map((b) => acme.get(`/api/v1/broadcasts/${b.id}`)));

    // Act
    const replies = await Promise.all([scheduled, cancelled].map((b) => testSend(b.id, { contact_id: bruno.id })));

    // Assess
    expect(replies.map((r) => [r.status, r.body.status])).toEqual([
      [201, 'sent'],
      [201, 'sent'],
    ]);
    const after = await Promise.all([scheduled, cancelled].map((b) => acme.get(`/api/v1/broadcasts/${b.id}`)));
    expect(after.map((r) => r.body)).toEqual(before.map((r) => r.body));
  });

  it('answers 201 with the channel failure when the receiver refuses the message', async () => {
    // Prepare
    const broadcast = await aBroadcast();
    sink.policy = {
      respond: ({ body }) => (body.broadcast_id === broadcast.id ? { kind: 'status', status: 400 } : undefined),
    };

    // Act
    const reply = await testSend(broadcast.id, { contact_id: ana.id });

    // Assess
    sink.policy = {};
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      status: 'failed',
      failure: 'permanent',
      message_id: null,
      error: expect.any(String),
    });
    const history = await acme.get(`/api/v1/broadcasts/${broadcast.id}/test-sends`);
    expect(history.body.items).toEqual([reply.body]);
  });

  it('lets exactly 10 of 11 concurrent test sends through; the 11th is a 429 with Retry-After', async () => {
    // Prepare
    const broadcast = await aBroadcast();
    const seen = sink.requests.length;

    // Act
    const replies = await Promise.all(
      Array.from({ length: 11 }, () => testSend(broadcast.id, { contact_id: bruno.id })),
    );

    // Assess
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(10).fill(201), 429]);
    const refused = replies.find((r) => r.status === 429);
    expectProblem(refused as NonNullable<typeof refused>, 429, 'broadcast.test_send_rate_limited');
    const retryAfter = Number(refused?.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(sink.requests.length - seen).toBe(10);
    const history = await allPages(acme, `/api/v1/broadcasts/${broadcast.id}/test-sends`, 4);
    expect(history.items).toHaveLength(10);
    expect(await acme.get(`/api/v1/broadcasts/${broadcast.id}/stats`)).toMatchObject({
      body: { total_contacts: 0, sent: 0, failed: 0 },
    });
  });

  it('refuses a contact the broadcast would skip with 422 naming the reason, sending nothing', async () => {
    // Prepare
    const broadcast = await aBroadcast();
    const noPhone = (await acme.post('/api/v1/contacts', { name: 'Nadia', email: 'nadia@example.com' })).body;
    const missing = await aBroadcast(acme, { message_template: { type: 'text', content: '{{contact.custom.plan}}' } });
    const seen = sink.requests.length;

    // Act
    const optedOut = await testSend(broadcast.id, { contact_id: olga.id });
    const noAddress = await testSend(broadcast.id, { contact_id: noPhone.id });
    const missingVariable = await testSend(missing.id, { contact_id: ana.id });

    // Assess
    for (const [reply, reason] of [
      [optedOut, 'opted_out'],
      [noAddress, 'no_address'],
      [missingVariable, 'missing_variable'],
    ] as const) {
      expectProblem(reply, 422, 'broadcast.test_send_skipped');
      expect(reply.body.errors).toEqual([{ field: 'contact_id', message: reason }]);
    }
    expect(sink.requests.length).toBe(seen);
    expect((await acme.get(`/api/v1/broadcasts/${broadcast.id}/test-sends`)).body).toEqual({
      items: [],
      next_cursor: null,
    });
  });

  it("answers 404 for another tenant's broadcast or contact and for unknown ids, 400 for invalid ones; nothing sent", async () => {
    // Prepare
    const broadcast = await aBroadcast();
    const seen = sink.requests.length;

    // Act
    const replies = {
      theirBroadcast: await testSend(globexBroadcast.id, { contact_id: ana.id }),
      theirContact: await testSend(broadcast.id, { contact_id: globexContact.id }),
      unknownBroadcast: await testSend(randomUUID(), { contact_id: ana.id }),
      unknownContact: await testSend(broadcast.id, { contact_id: randomUUID() }),
      fromGlobex: await testSend(broadcast.id, { contact_id: ana.id }, globex),
      invalidBroadcast: await testSend('not-a-uuid', { contact_id: ana.id }),
    };

    // Assess
    expectProblem(replies.theirBroadcast, 404, 'broadcast.not_found');
    expectProblem(replies.theirContact, 404, 'contact.not_found');
    expectProblem(replies.unknownBroadcast, 404, 'broadcast.not_found');
    expectProblem(replies.unknownContact, 404, 'contact.not_found');
    expectProblem(replies.fromGlobex, 404, 'broadcast.not_found');
    expect(errorFields(replies.invalidBroadcast)).toEqual(['id']);
    expect(sink.requests.length).toBe(seen);
    expect((await globex.get(`/api/v1/broadcasts/${globexBroadcast.id}/test-sends`)).body.items).toEqual([]);
  });

  it('answers every malformed body with a 4xx problem, never sending (fuzzed)', async () => {
    // Prepare
    const broadcast = await aBroadcast();
    const seen = sink.requests.length;
    const bodies = fc.oneof(
      fc.anything(),
      fc.record({ contact_id: fc.anything() }),
      fc.record({ contact_id: fc.uuid(), extra: fc.anything() }),
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.record({ contact_id: fc.string() }),
    );

    // Act / Assess
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const reply = await testSend(broadcast.id, body);
        expect([400, 404, 422]).toContain(reply.status);
        expect(reply.headers.get('content-type')).toBe('application/problem+json');
      }),
      { numRuns: 60 },
    );
    const cases = await Promise.all([
      testSend(broadcast.id, undefined),
      acme.raw('POST', `/api/v1/broadcasts/${broadcast.id}/test-send`, '{"contact_id":', 'application/json'),
      testSend(broadcast.id, { contact_id: ana.id, contact_ids: [bruno.id] }),
      testSend(broadcast.id, { contact_id: [ana.id] }),
    ]);
    expect(cases.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    expect(sink.requests.length).toBe(seen);
    expect((await acme.get(`/api/v1/broadcasts/${broadcast.id}/test-sends`)).body.items).toEqual([]);
  });
});

describe('GET /api/v1/broadcasts/:id/test-sends', () => {
  it('lists the test sends newest first, page by page', async () => {
    // Prepare: three test sends, one after the other.
    const broadcast = await aBroadcast();
    const ids: string[] = [];
    for (const contact of [ana, bruno, ana]) {
      const reply = await testSend(broadcast.id, { contact_id: contact.id });
      expect(reply.status).toBe(201);
      ids.push(reply.body.id);
      await sleep(5);
    }

    // Act
    const { items, pages } = await allPages(acme, `/api/v1/broadcasts/${broadcast.id}/test-sends`, 1);

    // Assess
    expect(items.map((t: { id: string }) => t.id)).toEqual([...ids].reverse());
    expect(items.map((t: { contact_id: string }) => t.contact_id)).toEqual([ana.id, bruno.id, ana.id]);
    expect(pages).toBe(3);
  });

  it("answers 404 for another tenant's broadcast, 400 for a bad limit or cursor", async () => {
    // Prepare
    const broadcast = await aBroadcast();

    // Act
    const foreign = await globex.get(`/api/v1/broadcasts/${broadcast.id}/test-sends`);
    const badLimit = await acme.get(`/api/v1/broadcasts/${broadcast.id}/test-sends?limit=0`);
    const badCursor = await acme.get(`/api/v1/broadcasts/${broadcast.id}/test-sends?cursor=forged`);
    const unknownParameter = await acme.get(`/api/v1/broadcasts/${broadcast.id}/test-sends?status=sent`);

    // Assess
    expectProblem(foreign, 404, 'broadcast.not_found');
    expect(errorFields(badLimit)).toEqual(['limit']);
    expectProblem(badCursor, 400, 'request.invalid_cursor');
    expect(errorFields(unknownParameter)).toEqual(['status']);
  });
});

describe('the whole file', () => {
  it('never got a 5xx', () => {
    expect(e2e.serverErrors).toEqual([]);
  });
});
