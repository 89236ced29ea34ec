import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Api, aListOfContacts, e2eForFile, errorFields, expectProblem, newTenant, tokenFor } from './support.js';

// Issue 4 section 2, as a user of `npm start` sees it: POST /api/v1/automation/events triggers broadcasts.

const e2e = e2eForFile();
let tenant: string;
let api: Api;
let listId: string;
let contactIds: string[];

/** Tests that wait for a broadcast to complete (the local pipeline's pacer runs on a timer). */
const SLOW = 30_000;

beforeAll(async () => {
  tenant = newTenant();
  api = e2e.api(await tokenFor(tenant));
  ({ listId, contactIds } = await aListOfContacts(api, [
    { name: 'Ada', phone: '+5511999990001' },
    { name: 'Bob', phone: '+5511999990002' },
  ]));
}, 120_000);

afterEach(() => {
  expect(e2e.serverErrors).toEqual([]);
});

async function aBroadcast(fields: Record<string, unknown> = {}) {
  const reply = await api.post('/api/v1/broadcasts', {
    name: 'Welcome',
    list_id: listId,
    message_template: { type: 'text', content: 'Welcome {{contact.name}}' },
    ...fields,
  });
  expect(reply.status).toBe(201);
  return reply.body;
}

const event = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  source: 'automation',
  'detail-type': 'trigger_broadcast',
  detail: { tenant_id: tenant, ...detail },
  ...extra,
});

async function until(id: string, status: string) {
  for (let i = 0; i < 250; i++) {
    const reply = await api.get(`/api/v1/broadcasts/${id}`);
    if (reply.body.status === status) return reply.body;
    await sleep(100);
  }
  throw new Error(`broadcast ${id} never became ${status}`);
}

describe('POST /api/v1/automation/events', () => {
  it(
    'starts a draft broadcast, which completes',
    async () => {
      const broadcast = await aBroadcast();

      const reply = await api.post('/api/v1/automation/events', event({ broadcast_id: broadcast.id }));

      expect(reply.status).toBe(202);
      expect(reply.body).toEqual({ result: 'started', broadcast_id: broadcast.id });
      expect(await until(broadcast.id, 'completed')).toMatchObject({ total_contacts: 2, sent_count: 2 });
    },
    SLOW,
  );

  it(
    'leaves a scheduled broadcast scheduled, unless override_schedule',
    async () => {
      const broadcast = await aBroadcast({ scheduled_for: new Date(Date.now() + 3_600_000).toISOString() });

      const left = await api.post('/api/v1/automation/events', event({ broadcast_id: broadcast.id }));
      expect(left.body).toEqual({ result: 'left_scheduled', broadcast_id: broadcast.id });
      expect((await api.get(`/api/v1/broadcasts/${broadcast.id}`)).body.status).toBe('scheduled');

      const started = await api.post(
        '/api/v1/automation/events',
        event({ broadcast_id: broadcast.id, override_schedule: true }),
      );
      expect(started.body).toEqual({ result: 'started', broadcast_id: broadcast.id });
      await until(broadcast.id, 'completed');
    },
    SLOW,
  );

  it(
    'sends to the given contacts only, once per event id, through a child broadcast',
    async () => {
      const template = await aBroadcast();
      const body = event({ broadcast_id: template.id, contact_ids: [contactIds[1]] }, { id: randomUUID() });

      const reply = await api.post('/api/v1/automation/events', body);
      const duplicate = await api.post('/api/v1/automation/events', body);

      expect(reply.status).toBe(202);
      expect(reply.body.result).toBe('started');
      expect(duplicate.body).toEqual({
        result: 'ignored',
        broadcast_id: reply.body.broadcast_id,
        reason: 'duplicate_event',
      });
      const child = await until(reply.body.broadcast_id, 'completed');
      expect(child).toMatchObject({ name: 'Welcome · automation', total_contacts: 1, sent_count: 1 });
      const executions = await api.get(`/api/v1/broadcasts/${child.id}/executions`);
      expect(executions.body.items.map((e: { contact_id: string }) => e.contact_id)).toEqual([contactIds[1]]);
      expect((await api.get(`/api/v1/broadcasts/${template.id}`)).body.status).toBe('draft');
    },
    SLOW,
  );

  it('refuses an event for another tenant with 403, whatever it names', async () => {
    const broadcast = await aBroadcast();
    const other = await e2e.tenantApi();

    const reply = await other.post('/api/v1/automation/events', event({ broadcast_id: broadcast.id }));

    expectProblem(reply, 403, 'automation.tenant_mismatch');
    expect((await api.get(`/api/v1/broadcasts/${broadcast.id}`)).body.status).toBe('draft');
  });

  it('answers bad input with 4xx', async () => {
    const broadcast = await aBroadcast();
    expect(errorFields(await api.post('/api/v1/automation/events', event({ broadcast_id: 'x' })))).toEqual([
      'detail.broadcast_id',
    ]);
    expect(
      errorFields(await api.post('/api/v1/automation/events', event({ broadcast_id: broadcast.id, contact_ids: [] }))),
    ).toEqual(['detail.contact_ids']);
    expectProblem(
      await api.post('/api/v1/automation/events', event({ broadcast_id: broadcast.id }, { source: 'crm' })),
      422,
      'automation.unsupported_event',
    );
    expectProblem(
      await api.post('/api/v1/automation/events', event({ broadcast_id: broadcast.id }, { 'detail-type': 'other' })),
      422,
      'automation.unsupported_event',
    );
    expectProblem(
      await api.post('/api/v1/automation/events', event({ broadcast_id: randomUUID() })),
      404,
      'broadcast.not_found',
    );
    expectProblem(
      await e2e.api().post('/api/v1/automation/events', event({ broadcast_id: broadcast.id })),
      401,
      'auth.unauthorized',
    );
  });

  it(
    'ignores a broadcast that has finished, with the reason',
    async () => {
      const broadcast = await aBroadcast();
      await api.post(`/api/v1/broadcasts/${broadcast.id}/execute`);
      await until(broadcast.id, 'completed');

      const reply = await api.post('/api/v1/automation/events', event({ broadcast_id: broadcast.id }));

      expect(reply.body).toEqual({ result: 'ignored', broadcast_id: broadcast.id, reason: 'broadcast_completed' });
    },
    SLOW,
  );
});
