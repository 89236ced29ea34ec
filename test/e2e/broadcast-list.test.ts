import { pollUntil } from '../support/poll.js';
import { type Api, aListOfContacts, e2eForFile } from './support.js';

// GET /api/v1/broadcasts shows a started broadcast's counters as GET /api/v1/broadcasts/{id} does: they live on the
// broadcast's run, not on the broadcast item the list pages through.

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
