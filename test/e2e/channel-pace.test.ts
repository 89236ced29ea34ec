import { randomUUID } from 'node:crypto';
import { getRuntime } from '../../lib/composition-root.js';
import { DECREASE_COOLDOWN_MS } from '../../lib/domain/channel-pace.js';
import { type Api, type E2e, expectProblem, newTenant, startE2e, tokenFor } from './support.js';

// GET /api/v1/channels/{id} shows how fast a capped channel sends now (issue section 3): its cap, or less for a while
// after the provider throttled it (AIMD), and when that was. The throttles are recorded as the sender records them.

let e2e: E2e;
let tenant: string;
let api: Api;

beforeAll(async () => {
  e2e = await startE2e();
  tenant = newTenant();
  api = e2e.api(await tokenFor(tenant));
});

afterEach(() => {
  expect(e2e.serverErrors).toEqual([]);
});

afterAll(async () => {
  await e2e?.runtime.stop();
});

async function aChannel(fields: Record<string, unknown>): Promise<{ id: string }> {
  const reply = await api.post('/api/v1/channels', {
    name: 'Hook',
    type: 'webhook',
    config: { url: 'https://crm.example.com/hooks/broadcast', secret: 'whsec-e2e-0123456789abcdef' },
    ...fields,
  });
  expect(reply.status).toBe(201);
  return reply.body;
}

/** A throttle at `atMs` as the sender records it: the provider answered 429 for a send on this channel. */
function throttled(channelId: string, capPerSecond: number, atMs: number) {
  return getRuntime().deps.channelPace.recordThrottle({ tenantId: tenant, channelId }, capPerSecond, atMs);
}

describe('GET /api/v1/channels/{id}: the effective pace', () => {
  it('shows a capped channel at its cap until the provider throttles it, then lower, with when', async () => {
    // Prepare
    const channel = await aChannel({ max_messages_per_second: 40 });
    const before = (await api.get(`/api/v1/channels/${channel.id}`)).body;
    const now = Date.now();

    // Act
    await throttled(channel.id, 40, now);
    const after = (await api.get(`/api/v1/channels/${channel.id}`)).body;
    await throttled(channel.id, 40, now + DECREASE_COOLDOWN_MS / 2);
    const sameBurst = (await api.get(`/api/v1/channels/${channel.id}`)).body;

    // Assess: halved once (20, recovering by 4/s from there); a second throttle of the same burst changes nothing.
    expect(before).toMatchObject({
      max_messages_per_second: 40,
      effective_messages_per_second: 40,
      throttled_at: null,
    });
    expect(after.max_messages_per_second).toBe(40);
    expect(after.effective_messages_per_second).toBeGreaterThanOrEqual(20);
    expect(after.effective_messages_per_second).toBeLessThan(30);
    expect(after.throttled_at).toBe(new Date(now).toISOString());
    expect(sameBurst.throttled_at).toBe(after.throttled_at);
    const listed = (await api.get('/api/v1/channels?limit=1000')).body.items.find(
      (c: { id: string }) => c.id === channel.id,
    );
    expect(listed).toMatchObject({ max_messages_per_second: 40, throttled_at: after.throttled_at });
  });

  it('shows no pace for a channel without a cap', async () => {
    // Act
    const channel = await aChannel({});
    const reply = await api.get(`/api/v1/channels/${channel.id}`);

    // Assess
    expect(reply.body).toMatchObject({
      max_messages_per_second: null,
      effective_messages_per_second: null,
      throttled_at: null,
    });
  });

  it('answers 404 for another tenant’s channel and for an unknown one, revealing no pace', async () => {
    // Prepare
    const channel = await aChannel({ max_messages_per_second: 10 });
    await throttled(channel.id, 10, Date.now());
    const other = e2e.api(await tokenFor(newTenant()));

    // Act
    const foreign = await other.get(`/api/v1/channels/${channel.id}`);
    const unknown = await api.get(`/api/v1/channels/${randomUUID()}`);

    // Assess
    expectProblem(foreign, 404, 'channel.not_found');
    expectProblem(unknown, 404, 'channel.not_found');
    expect(foreign.body).not.toHaveProperty('throttled_at');
    expect(foreign.body).not.toHaveProperty('effective_messages_per_second');
  });
});
