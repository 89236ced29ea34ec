import { randomUUID } from 'node:crypto';
import { pollUntil } from '../support/poll.js';
import { type Api, aListOfContacts, e2eForFile, errorFields, expectProblem } from './support.js';

// What an operator reads of broadcasts: the list (with the counters of the single read: they live on the
// broadcast's run, not on the broadcast item the list pages through) and the per-minute timeline.

const e2e = e2eForFile();
let api: Api;

beforeAll(async () => {
  api = await e2e.tenantApi();
});

afterEach(() => {
  expect(e2e.serverErrors).toEqual([]);
});

describe('GET /api/v1/broadcasts', () => {
  it('shows the same counters and status as the single read, for a completed broadcast and a draft', async () => {
    // Prepare
    const { listId } = await aListOfContacts(api, [
      { name: 'Ada', phone: '+5511999990001' },
      { name: 'Bob', phone: '+5511999990002' },
      { name: 'Cy', phone: '+5511999990003' },
    ]);
    const create = (name: string) =>
      api.post('/api/v1/broadcasts', { name, list_id: listId, message_template: { type: 'text', content: 'Hi' } });
    const started = (await create('Started')).body;
    const idle = (await create('Idle')).body;
    expect((await api.post(`/api/v1/broadcasts/${started.id}/execute`)).status).toBe(200);
    await pollUntil(async () => (await api.get(`/api/v1/broadcasts/${started.id}`)).body.status === 'completed', {
      timeoutMs: 30_000,
      what: 'the broadcast completing',
    });

    // Act
    const list = await api.get('/api/v1/broadcasts');

    // Assess
    expect(list.status).toBe(200);
    const listed = new Map(list.body.items.map((b: { id: string }) => [b.id, b]));
    expect(listed.get(started.id)).toEqual((await api.get(`/api/v1/broadcasts/${started.id}`)).body);
    expect(listed.get(started.id)).toMatchObject({ total_contacts: 3, sent_count: 3, pending_count: 0 });
    expect(listed.get(idle.id)).toEqual((await api.get(`/api/v1/broadcasts/${idle.id}`)).body);
  }, 60_000);
});

async function completedBroadcast(people: { name: string; phone: string }[]) {
  const { listId } = await aListOfContacts(api, people);
  const created = await api.post('/api/v1/broadcasts', {
    name: 'Timeline',
    list_id: listId,
    message_template: { type: 'text', content: 'Hi {{contact.name}}' },
  });
  expect((await api.post(`/api/v1/broadcasts/${created.body.id}/execute`)).status).toBe(200);
  await pollUntil(async () => (await api.get(`/api/v1/broadcasts/${created.body.id}`)).body.status === 'completed', {
    timeoutMs: 30_000,
    what: 'the broadcast completing',
  });
  return created.body as { id: string };
}

describe('GET /api/v1/broadcasts/{id}/timeline', () => {
  it('answers per-minute buckets, ordered by start, that add up to the counters of the run', async () => {
    // Prepare
    const broadcast = await completedBroadcast([
      { name: 'Ada', phone: '+5511999990011' },
      { name: 'Bob', phone: '+5511999990012' },
      { name: 'Cy', phone: '+5511999990013' },
      { name: 'Di', phone: '+5511999990014' },
    ]);

    // Act
    const reply = await api.get(`/api/v1/broadcasts/${broadcast.id}/timeline`);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ broadcast_id: broadcast.id, bucket_seconds: 60, buckets: expect.any(Array) });
    const { buckets } = reply.body as { buckets: { start: string; sent: number; failed: number; skipped: number }[] };
    expect(buckets.length).toBeGreaterThanOrEqual(1);
    const starts = buckets.map((b) => b.start);
    expect(starts).toEqual([...starts].sort());
    for (const bucket of buckets) {
      expect(Object.keys(bucket).sort()).toEqual(['failed', 'sent', 'skipped', 'start']);
      expect(new Date(bucket.start).getTime() % 60_000).toBe(0);
      expect(new Date(bucket.start).toISOString()).toBe(bucket.start);
    }
    const stats = (await api.get(`/api/v1/broadcasts/${broadcast.id}/stats`)).body;
    const total = (key: 'sent' | 'failed') => buckets.reduce((sum, b) => sum + b[key], 0);
    expect({ sent: total('sent'), failed: total('failed') }).toEqual({ sent: stats.sent, failed: stats.failed });
    expect(stats.sent).toBe(4);
  }, 60_000);

  it('answers no buckets for a broadcast never started, 404 for an unknown one and 400 for an invalid id', async () => {
    // Prepare
    const { listId } = await aListOfContacts(api);
    const draft = (
      await api.post('/api/v1/broadcasts', {
        name: 'Draft',
        list_id: listId,
        message_template: { type: 'text', content: 'Hi' },
      })
    ).body;

    // Act
    const idle = await api.get(`/api/v1/broadcasts/${draft.id}/timeline`);
    const unknown = await api.get(`/api/v1/broadcasts/${randomUUID()}/timeline`);
    const invalid = await api.get('/api/v1/broadcasts/not-an-id/timeline');

    // Assess
    expect(idle.body).toEqual({ broadcast_id: draft.id, bucket_seconds: 60, buckets: [] });
    expectProblem(unknown, 404, 'broadcast.not_found');
    expect(errorFields(invalid)).toEqual(['id']);
  });
});
