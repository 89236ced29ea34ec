import { randomUUID } from 'node:crypto';
import { pollUntil } from '../support/poll.js';
import { type Api, allPages, e2eForFile, errorFields, expectProblem } from './support.js';

// POST /api/v1/broadcasts/{id}/preflight over HTTP: what a run would do, then what the run does.

const e2e = e2eForFile();
let api: Api;

beforeAll(async () => {
  api = await e2e.tenantApi();
});

afterEach(() => {
  expect(e2e.serverErrors).toEqual([]);
});

const plan = { custom_fields: { plan: 'gold' } };
const PEOPLE = [
  { name: 'Ada', email: 'ada@example.com', ...plan },
  { name: 'Bob', email: 'bob@example.com', ...plan },
  { name: 'Cleo', email: 'cleo@example.com', ...plan },
  { name: 'Olga', email: 'olga@example.com', opted_out: true, ...plan },
  { name: 'Sue', email: 'sue@example.com', suppressions: { email: { reason: 'bounce' } }, ...plan },
  { name: 'Nora', phone: '+5511999990001', ...plan },
  { name: 'Mia', email: 'mia@example.com' },
];

async function aBroadcast(fields: Record<string, unknown> = {}) {
  const ids: string[] = [];
  for (const person of PEOPLE) ids.push((await api.ok('POST', '/api/v1/contacts', person)).id);
  const list = await api.ok('POST', '/api/v1/contact-lists', { name: 'Audience', contact_ids: ids });
  // A channel that needs an e-mail, so it honours e-mail suppressions.
  const channel = await api.ok('POST', '/api/v1/channels', {
    name: 'Mail log',
    type: 'log',
    required_address: 'email',
  });
  return api.ok('POST', '/api/v1/broadcasts', {
    name: 'Plans',
    list_id: list.id,
    channel_id: channel.id,
    message_template: { type: 'text', content: 'Hi {{contact.name}}, your plan: {{contact.custom.plan}}' },
    rate_limit: 600,
    ...fields,
  });
}

describe('POST /api/v1/broadcasts/{id}/preflight', () => {
  it('forecasts exactly what the run then does, sending nothing itself', async () => {
    // Prepare
    const broadcast = await aBroadcast();

    // Act
    const preflight = await api.post(`/api/v1/broadcasts/${broadcast.id}/preflight`);
    const untouched = await api.get(`/api/v1/broadcasts/${broadcast.id}`);
    await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
    // A cap, not a timing: 5 s alone, past 30 s beside the other worker's suites in CI.
    await pollUntil(async () => (await api.get(`/api/v1/broadcasts/${broadcast.id}`)).body.status === 'completed', {
      timeoutMs: 90_000,
      what: 'the broadcast completing',
    });

    // Assess
    expect(preflight.status).toBe(200);
    expect(preflight.body).toEqual({
      broadcast_id: broadcast.id,
      audience_size: 7,
      would_send: 3,
      would_skip: { opted_out: 1, suppressed: 1, no_address: 1, missing_variable: 1 },
      effective_rate_per_minute: 600,
      limited_by: 'broadcast_rate',
      estimated_duration_seconds: 1,
      estimated_cost_usd: expect.any(Number),
    });
    expect(preflight.body.estimated_cost_usd).toBeGreaterThan(0);
    expect(untouched.body).toMatchObject({ status: 'draft', total_contacts: 0, sent_count: 0 });
    const { items } = await allPages(api, `/api/v1/broadcasts/${broadcast.id}/executions`, 100);
    const byOutcome: Record<string, number> = {};
    for (const e of items as { status: string; reason: string | null }[]) {
      const key = e.status === 'skipped' ? (e.reason as string) : e.status;
      byOutcome[key] = (byOutcome[key] ?? 0) + 1;
    }
    expect(byOutcome).toEqual({ sent: preflight.body.would_send, ...preflight.body.would_skip });
    const stats = (await api.get(`/api/v1/broadcasts/${broadcast.id}/stats`)).body;
    expect(stats).toMatchObject({ total_contacts: preflight.body.audience_size, sent: 3, skipped: 4, failed: 0 });
  }, 120_000);

  it("is limited by the channel's cap below the broadcast's rate, for a scheduled broadcast too", async () => {
    // Prepare
    const broadcast = await aBroadcast({ rate_limit: 0, scheduled_for: '2099-01-01T00:00:00Z' });
    const channel = await api.ok('POST', '/api/v1/channels', {
      name: 'Slow',
      type: 'log',
      required_address: 'email',
      max_messages_per_second: 1,
    });
    const unscheduled = await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/unschedule`);
    await api.ok('PUT', `/api/v1/broadcasts/${unscheduled.id}`, { channel_id: channel.id });
    await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/schedule`, { scheduled_for: '2099-01-01T00:00:00Z' });

    // Act
    const reply = await api.post(`/api/v1/broadcasts/${broadcast.id}/preflight`, {});

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      would_send: 3,
      effective_rate_per_minute: 60,
      limited_by: 'channel_cap',
      estimated_duration_seconds: 3,
    });
  });

  it('answers 409 for a completed broadcast, 404 for an unknown one, 400 for an invalid id or a body with fields', async () => {
    // Prepare
    const broadcast = await aBroadcast();
    await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
    await pollUntil(async () => (await api.get(`/api/v1/broadcasts/${broadcast.id}`)).body.status === 'completed', {
      timeoutMs: 90_000,
    });

    // Act
    const finished = await api.post(`/api/v1/broadcasts/${broadcast.id}/preflight`);
    const unknown = await api.post(`/api/v1/broadcasts/${randomUUID()}/preflight`);
    const invalid = await api.post('/api/v1/broadcasts/nope/preflight');
    const withFields = await api.post(`/api/v1/broadcasts/${broadcast.id}/preflight`, { dry: true });

    // Assess
    expectProblem(finished, 409, 'broadcast.invalid_transition');
    expectProblem(unknown, 404, 'broadcast.not_found');
    expect(errorFields(invalid)).toEqual(['id']);
    expect(errorFields(withFields)).toEqual(['dry']);
  }, 120_000);
});
