import { setTimeout as sleep } from 'node:timers/promises';
import { getRuntime, resetRuntime } from '../../lib/composition-root.js';
import {
  type Api,
  aListOfContacts,
  type E2e,
  expectProblem,
  newTenant,
  type Reply,
  startE2e,
  tokenFor,
} from './support.js';

// The stage's cap on broadcast rates (MAX_RATE_PER_MINUTE, the stage's maxRatePerMinute), over HTTP: a rate_limit
// above it is refused with 422 at create, edit, schedule and start, and the refusal changes nothing.

const CAP = 600;
const LOWERED_CAP = 300;
const savedCap = process.env.MAX_RATE_PER_MINUTE;

let e2e: E2e;
let tenant: string;
let api: Api;
let listId: string;

/**
 * A redeploy with another cap, as the next cold start sees it: the environment changes and the runtime is read again.
 * The local runtime's queues, consumers and scheduler stay as they are.
 */
function deployCap(cap: number): void {
  process.env.MAX_RATE_PER_MINUTE = String(cap);
  resetRuntime();
}

beforeAll(async () => {
  process.env.MAX_RATE_PER_MINUTE = String(CAP);
  e2e = await startE2e();
  tenant = newTenant();
  api = e2e.api(await tokenFor(tenant));
  ({ listId } = await aListOfContacts(api));
});

afterEach(() => {
  deployCap(CAP);
  expect(e2e.serverErrors).toEqual([]);
});

afterAll(async () => {
  await e2e?.runtime.stop();
  if (savedCap === undefined) delete process.env.MAX_RATE_PER_MINUTE;
  else process.env.MAX_RATE_PER_MINUTE = savedCap;
  resetRuntime();
});

const create = (fields: Record<string, unknown>) =>
  api.post('/api/v1/broadcasts', {
    name: 'Rated',
    list_id: listId,
    message_template: { type: 'text', content: 'Hi {{contact.name}}' },
    ...fields,
  });

async function aDraft(rateLimit: number) {
  const reply = await create({ rate_limit: rateLimit });
  expect(reply.status).toBe(201);
  return reply.body;
}

const read = async (id: string) => (await api.get(`/api/v1/broadcasts/${id}`)).body;

function expectCapRefusal(reply: Reply, cap: number): void {
  expectProblem(reply, 422, 'broadcast.rate_limit_above_cap');
  expect(reply.body.errors).toEqual([{ field: 'rate_limit', message: expect.stringContaining(String(cap)) }]);
}

describe("a broadcast's rate_limit against the stage's cap", () => {
  it('creates broadcasts at the cap and unlimited ones (0)', async () => {
    // Act
    const replies = [await create({ rate_limit: CAP }), await create({ rate_limit: 0 })];

    // Assess
    expect(replies.map((reply) => [reply.status, reply.body.rate_limit])).toEqual([
      [201, CAP],
      [201, 0],
    ]);
  });

  it('refuses to create one above the cap, and stores nothing', async () => {
    // Prepare
    const tenantApi = e2e.api(await tokenFor(newTenant()));
    const list = (await tenantApi.post('/api/v1/contact-lists', { name: 'Empty' })).body;

    // Act
    const reply = await tenantApi.post('/api/v1/broadcasts', {
      name: 'Too fast',
      list_id: list.id,
      message_template: { type: 'text', content: 'Hi' },
      rate_limit: CAP + 1,
    });

    // Assess
    expectCapRefusal(reply, CAP);
    expect((await tenantApi.get('/api/v1/broadcasts')).body.items).toEqual([]);
  });

  it('refuses to edit one above the cap, and leaves it as it was', async () => {
    // Prepare
    const draft = await aDraft(100);

    // Act
    const reply = await api.put(`/api/v1/broadcasts/${draft.id}`, { rate_limit: CAP + 1, name: 'Renamed' });

    // Assess
    expectCapRefusal(reply, CAP);
    expect(await read(draft.id)).toEqual(draft);
  });

  it('paces an unlimited broadcast at the cap: asking for unlimited is no way around it', async () => {
    // Prepare
    const draft = await aDraft(0);

    // Act
    const executed = await api.post(`/api/v1/broadcasts/${draft.id}/execute`);

    // Assess
    expect(executed.status).toBe(200);
    const run = await getRuntime().deps.runs.get(tenant, draft.id);
    expect(run).toMatchObject({ rateLimit: CAP, slotSpacingMs: expect.any(Number) });
  });

  it('refuses to execute one whose rate the cap was lowered below since, and leaves it a draft', async () => {
    // Prepare
    const draft = await aDraft(LOWERED_CAP + 100);
    deployCap(LOWERED_CAP);

    // Act
    const reply = await api.post(`/api/v1/broadcasts/${draft.id}/execute`);

    // Assess
    expectCapRefusal(reply, LOWERED_CAP);
    expect(await read(draft.id)).toEqual(draft);
    expect((await api.get(`/api/v1/broadcasts/${draft.id}/executions`)).body.items).toEqual([]);
  });

  it('still edits a broadcast above a lowered cap when the edit leaves its rate alone', async () => {
    // Prepare
    const draft = await aDraft(LOWERED_CAP + 100);
    deployCap(LOWERED_CAP);

    // Act
    const renamed = await api.put(`/api/v1/broadcasts/${draft.id}`, { name: 'Renamed' });
    const slowed = await api.put(`/api/v1/broadcasts/${draft.id}`, { rate_limit: LOWERED_CAP });
    const executed = await api.post(`/api/v1/broadcasts/${draft.id}/execute`);

    // Assess
    expect([renamed.status, slowed.status, executed.status]).toEqual([200, 200, 200]);
    expect(executed.body).toMatchObject({ status: 'running', rate_limit: LOWERED_CAP });
  });

  it('refuses to schedule one above a lowered cap, and leaves it a draft', async () => {
    // Prepare
    const draft = await aDraft(LOWERED_CAP + 100);
    deployCap(LOWERED_CAP);

    // Act
    const reply = await api.post(`/api/v1/broadcasts/${draft.id}/schedule`, {
      scheduled_for: new Date(Date.now() + 86_400_000).toISOString(),
    });

    // Assess
    expectCapRefusal(reply, LOWERED_CAP);
    expect(await read(draft.id)).toEqual(draft);
  });

  it('refuses a trigger_broadcast automation event for one above a lowered cap, and leaves it a draft', async () => {
    // Prepare
    const draft = await aDraft(LOWERED_CAP + 100);
    deployCap(LOWERED_CAP);

    // Act
    const reply = await api.post('/api/v1/automation/events', {
      source: 'automation',
      'detail-type': 'trigger_broadcast',
      detail: { tenant_id: tenant, broadcast_id: draft.id },
    });

    // Assess
    expectProblem(reply, 422, 'broadcast.rate_limit_above_cap');
    expect(await read(draft.id)).toEqual(draft);
  });

  it('fails a scheduled broadcast at its time when the cap was lowered below its rate meanwhile', async () => {
    // Prepare
    const created = await create({
      rate_limit: LOWERED_CAP + 100,
      scheduled_for: new Date(Date.now() + 1500).toISOString(),
    });
    expect(created.body.status).toBe('scheduled');
    deployCap(LOWERED_CAP);

    // Act: the local scheduler's timer puts the start message on the pipeline queue at its time.
    let broadcast = created.body;
    for (let polls = 0; broadcast.status === 'scheduled' && polls < 200; polls++) {
      await sleep(100);
      broadcast = await read(created.body.id);
    }

    // Assess
    expect(broadcast).toMatchObject({
      status: 'failed',
      status_reason: 'start_failed: broadcast.rate_limit_above_cap',
      sent_count: 0,
    });
  });
});
