import { setTimeout as sleep } from 'node:timers/promises';
import { type LocalRuntime, startLocalRuntime } from '../../local/local-runtime.js';
import { apiClient } from '../support/http-client.js';
import { type Api, aListOfContacts, type E2e, newTenant, startE2e, tokenFor } from './support.js';

// Issue 4 section 1, as a user of `npm start` sees it: scheduled broadcasts fire by themselves, on time, once.

let e2e: E2e;
/** The runtime the tests talk to (the restart test replaces it). */
let runtime: LocalRuntime;
let tenant: string;
let api: Api;
let listId: string;
const savedSweep = process.env.SCHEDULE_SWEEP_SECONDS;

const inMs = (ms: number) => new Date(Date.now() + ms);

beforeAll(async () => {
  // A sweep every second, so the lost-schedule test does not wait for the default five.
  process.env.SCHEDULE_SWEEP_SECONDS = '1';
  e2e = await startE2e();
  runtime = e2e.runtime;
  tenant = newTenant();
  api = e2e.api(await tokenFor(tenant));
  ({ listId } = await aListOfContacts(api));
});

afterAll(async () => {
  await runtime?.stop();
  if (savedSweep === undefined) delete process.env.SCHEDULE_SWEEP_SECONDS;
  else process.env.SCHEDULE_SWEEP_SECONDS = savedSweep;
});

async function scheduledAt(at: Date, fields: Record<string, unknown> = {}, on: Api = api) {
  const reply = await on.post('/api/v1/broadcasts', {
    name: 'Flash sale',
    list_id: listId,
    message_template: { type: 'text', content: 'Hi {{contact.name}}, today is {{current_date}}' },
    scheduled_for: at.toISOString(),
    ...fields,
  });
  expect(reply.status).toBe(201);
  expect(reply.body.status).toBe('scheduled');
  return reply.body;
}

/** Polls the broadcast every 100 ms until `done` holds; fails with the last state after `timeoutMs`. */
async function waitFor(id: string, done: (b: Record<string, unknown>) => boolean, timeoutMs: number, on: Api = api) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await on.get(`/api/v1/broadcasts/${id}`);
    if (reply.status === 200 && done(reply.body)) return reply.body;
    if (Date.now() > deadline) throw new Error(`broadcast ${id} still ${JSON.stringify(reply.body)}`);
    await sleep(100);
  }
}

const executionsOf = async (id: string, on: Api = api) =>
  (await on.get(`/api/v1/broadcasts/${id}/executions`)).body.items as { status: string }[];

describe('scheduled broadcasts on the local runtime', () => {
  it('starts a broadcast scheduled 3 s ahead within 2 s of its time, in its time zone, and completes it', async () => {
    // Prepare
    const at = inMs(5000);
    const created = await scheduledAt(at, { timezone: 'America/Sao_Paulo' });
    expect(created.timezone).toBe('America/Sao_Paulo');

    // Act
    const started = await waitFor(created.id, (b) => b.status !== 'scheduled', 10_000);
    const completed = await waitFor(created.id, (b) => b.status === 'completed', 30_000);

    // Assess
    expect(started.status).toMatch(/^(running|completed)$/);
    const lateness = Date.parse(started.started_at as string) - at.getTime();
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(completed).toMatchObject({
      sent_count: 1,
      failed_count: 0,
      skipped_count: 0,
      scheduled_for: at.toISOString(),
    });
    expect((await executionsOf(created.id)).map((e) => e.status)).toEqual(['sent']);
  }, 120_000);

  it('takes the time zone on create and on PUT of a draft (IANA; UTC by default), and refuses an unknown one', async () => {
    // Prepare
    const body = { name: 'Zoned', list_id: listId, message_template: { type: 'text', content: 'Hi' } };

    // Act
    const plain = await api.post('/api/v1/broadcasts', body);
    const zoned = await api.put(`/api/v1/broadcasts/${plain.body.id}`, { timezone: 'Asia/Kolkata' });
    const unknown = await api.post('/api/v1/broadcasts', { ...body, timezone: 'Mars/Olympus_Mons' });

    // Assess
    expect(plain.body.timezone).toBe('UTC');
    expect(zoned.body.timezone).toBe('Asia/Kolkata');
    expect((await api.get(`/api/v1/broadcasts/${plain.body.id}`)).body.timezone).toBe('Asia/Kolkata');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: { field: string }) => e.field)).toEqual(['timezone']);
  });

  it('never fires an unscheduled or a cancelled broadcast', async () => {
    // Prepare
    const at = inMs(5000);
    const unscheduled = await scheduledAt(at);
    const cancelled = await scheduledAt(at);

    // Act
    expect((await api.post(`/api/v1/broadcasts/${unscheduled.id}/unschedule`)).body.status).toBe('draft');
    expect((await api.post(`/api/v1/broadcasts/${cancelled.id}/cancel`)).body.status).toBe('cancelled');
    await sleep(at.getTime() - Date.now() + 2500); // past the time, and past two sweeps

    // Assess
    expect((await api.get(`/api/v1/broadcasts/${unscheduled.id}`)).body).toMatchObject({
      status: 'draft',
      started_at: null,
    });
    expect((await api.get(`/api/v1/broadcasts/${cancelled.id}`)).body).toMatchObject({
      status: 'cancelled',
      started_at: null,
    });
    expect(await executionsOf(unscheduled.id)).toEqual([]);
    expect(await executionsOf(cancelled.id)).toEqual([]);
  }, 120_000);

  it('starts, through the sweeper, a broadcast whose schedule was lost', async () => {
    // Prepare: the timer is dropped behind the service's back, as a lost EventBridge schedule would be.
    const at = inMs(5000);
    const created = await scheduledAt(at);
    await runtime.scheduler.unschedule(tenant, created.id);

    // Act
    const completed = await waitFor(created.id, (b) => b.status === 'completed', 30_000);

    // Assess
    const lateness = Date.parse(completed.started_at as string) - at.getTime();
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect((await executionsOf(created.id)).map((e) => e.status)).toEqual(['sent']);
  }, 120_000);

  it('fires, once, a broadcast scheduled across a restart (same table, as with DATA_DIR)', async () => {
    // Prepare
    const at = inMs(5000);
    const created = await scheduledAt(at);
    const settings = runtime.settings;

    // Act: stop, then start again on the same table; the new scheduler re-arms from the table (with the
    // sweeper an hour away, only the re-armed timer can start it).
    await runtime.stop();
    process.env.SCHEDULE_SWEEP_SECONDS = '3600';
    runtime = await startLocalRuntime({ ...settings, PORT: 0 });
    const restarted = apiClient(runtime.url, { token: await tokenFor(tenant) });
    const completed = await waitFor(created.id, (b) => b.status === 'completed', 30_000, restarted);

    // Assess
    const lateness = Date.parse(completed.started_at as string) - at.getTime();
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect((await executionsOf(created.id, restarted)).map((e) => e.status)).toEqual(['sent']);
  }, 120_000);
});
