import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LocalRuntime, loadLocalSettings, startLocalRuntime } from '../../local/local-runtime.js';
import { type Api, apiClient } from '../support/http-client.js';
import { tokenFor } from './support.js';

// Issue 4 section 3, as a user of `npm start` sees it: each domain event is one line of DATA_DIR/events.jsonl,
// derived from the table's stream, in commit order.

interface EventLine {
  source: string;
  'detail-type': string;
  time: string;
  detail: Record<string, unknown>;
}

let runtime: LocalRuntime;
let dataDir: string;
/** A client of the tenant `tenant`. */
let api: Api;
const tenant = `t-${randomUUID()}`;

async function eventsOf(): Promise<EventLine[]> {
  const text = await readFile(join(dataDir, 'events.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as EventLine);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'events-e2e-'));
  runtime = await startLocalRuntime({
    ...loadLocalSettings({}),
    PORT: 0,
    DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
    TABLE_NAME: `e2e-events-${randomUUID()}`,
    DATA_DIR: dataDir,
  });
  api = apiClient(runtime.url, { token: await tokenFor(tenant) });
});

afterAll(async () => {
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('domain events on the local runtime (events.jsonl)', () => {
  it('shows broadcast.created, scheduled, started and completed in order, with the ids in detail', async () => {
    // Prepare
    const contact = await api.request('POST', '/api/v1/contacts', { name: 'Ada', phone: '+5511999990001' });
    const list = await api.request('POST', '/api/v1/contact-lists', {
      name: 'Audience',
      contact_ids: [contact.body.id],
    });
    expect(list.status).toBe(201);
    const created = await api.request('POST', '/api/v1/broadcasts', {
      name: 'Promo',
      list_id: list.body.id,
      message_template: { type: 'text', content: 'Hi {{contact.name}}' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    // Act
    const at = new Date(Date.now() + 3_600_000).toISOString();
    expect((await api.request('POST', `/api/v1/broadcasts/${id}/schedule`, { scheduled_for: at })).status).toBe(200);
    expect((await api.request('POST', `/api/v1/broadcasts/${id}/execute`)).status).toBe(200);
    const deadline = Date.now() + 30_000;
    while ((await api.request('GET', `/api/v1/broadcasts/${id}`)).body.status !== 'completed') {
      if (Date.now() > deadline) throw new Error('the broadcast did not complete');
      await sleep(100);
    }
    await runtime.stream.drain();

    // Assess
    const events = await eventsOf();
    const ofBroadcast = events.filter((event) => event.detail.broadcast_id === id);
    const lifecycle = ofBroadcast.map((event) => event['detail-type']).filter((name) => name !== 'broadcast.progress');
    expect(lifecycle).toEqual(['broadcast.created', 'broadcast.scheduled', 'broadcast.started', 'broadcast.completed']);
    for (const event of ofBroadcast) {
      expect(event.source).toBe('broadcast-service');
      expect(event.detail).toMatchObject({ tenant_id: tenant, broadcast_id: id, occurred_at: expect.any(String) });
    }
    expect(ofBroadcast.find((e) => e['detail-type'] === 'broadcast.scheduled')?.detail).toMatchObject({
      status: 'scheduled',
      scheduled_for: at,
      list_id: list.body.id,
    });
    expect(ofBroadcast.find((e) => e['detail-type'] === 'broadcast.completed')?.detail.status).toBe('completed');
    // Progress (the default instead of per-message events): the last one counts the one message sent.
    const progress = ofBroadcast.filter((e) => e['detail-type'] === 'broadcast.progress');
    expect(progress.at(-1)?.detail).toMatchObject({ total: 1, sent: 1, failed: 0, skipped: 0, progress: 100 });
    expect(events.some((e) => e['detail-type'] === 'broadcast.message_sent')).toBe(false);
    // The list's own events came first, members aggregated into one event.
    expect(events.slice(0, 2).map((e) => [e['detail-type'], e.detail.contact_list_id])).toEqual([
      ['contact_list.created', list.body.id],
      ['contact_list.contacts_added', list.body.id],
    ]);
    expect(events[1]?.detail).toMatchObject({ count: 1, contact_ids: [contact.body.id] });
  }, 60_000);
});
