import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRuntime } from '../../lib/composition-root.js';
import { aBroadcast, storeBroadcast } from '../support/builders.js';
import { type Api, type E2e, errorFields, newTenant, startE2e, tokenFor } from './support.js';

/**
 * Issue 11, section 2: a receiver's answer never comes back through the API (an execution's `error` holds the status
 * and a provider code and title of a known shape, never the body), and no URL with credentials is ever returned.
 * Private addresses are allowed here, as under `npm start`: the receiver is on 127.0.0.1. One attempt per contact, so
 * a 500 settles at once.
 */
let e2e: E2e;
let sink: Server;
let sinkUrl: string;
/** What the receiver answers, set per test. */
let answer: { status: number; body: string; type: string };

const INTERNAL =
  'internal: AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY db=postgres://admin:hunter2@10.0.3.7';

beforeAll(async () => {
  process.env.MAX_SEND_ATTEMPTS = '1';
  sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body));
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  e2e = await startE2e();
});

afterAll(async () => {
  await e2e?.runtime.stop();
  sink?.closeAllConnections();
  await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
});

async function sendOne(api: Api): Promise<{ broadcastId: string }> {
  const channel = await api.post('/api/v1/channels', {
    name: 'Hook',
    type: 'webhook',
    config: { url: sinkUrl, secret: 'whsec-e2e-0123456789abcdef' },
  });
  const contact = await api.post('/api/v1/contacts', { name: 'Ana', phone: '+5511999998888' });
  const list = await api.post('/api/v1/contact-lists', { name: 'One', contact_ids: [contact.body.id] });
  const broadcast = await api.post('/api/v1/broadcasts', {
    name: 'Errors',
    list_id: list.body.id,
    channel_id: channel.body.id,
    message_template: { type: 'text', content: 'Hi {{ contact.name }}' },
  });
  expect((await api.post(`/api/v1/broadcasts/${broadcast.body.id}/execute`)).status).toBe(200);
  return { broadcastId: broadcast.body.id };
}

/** The broadcast's executions once none is pending (a bounded wait, not a timing assertion). */
async function settled(api: Api, broadcastId: string) {
  for (let attempt = 0; attempt < 300; attempt++) {
    const reply = await api.get(`/api/v1/broadcasts/${broadcastId}/executions`);
    const items = reply.body.items as { status: string }[];
    if (items.length > 0 && items.every((e) => e.status !== 'pending' && e.status !== 'sending')) return reply;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the executions of broadcast ${broadcastId} never settled`);
}

describe("an execution's error", () => {
  it.each([
    [
      'a 500 with internal text',
      500,
      `Traceback (most recent call last):\n  ${INTERNAL}`,
      'text/plain',
      'HTTP 500 Internal Server Error',
    ],
    ['a 502 HTML page', 502, `<html><pre>${INTERNAL}</pre></html>`, 'text/html', 'HTTP 502 Bad Gateway'],
    [
      'a 403 JSON with internal fields',
      403,
      JSON.stringify({ trace: INTERNAL, env: { KEY: INTERNAL } }),
      'application/json',
      'HTTP 403 Forbidden',
    ],
  ])('%s: the status only; GET executions never shows the body', async (_, status, body, type, expected) => {
    // Prepare
    const api = e2e.api(await tokenFor(newTenant()));
    answer = { status, body, type };

    // Act
    const { broadcastId } = await sendOne(api);
    const executions = await settled(api, broadcastId);

    // Assess
    expect(executions.body.items).toEqual([expect.objectContaining({ status: 'failed', error: expected })]);
    const everything = JSON.stringify([executions.body, (await api.get(`/api/v1/broadcasts/${broadcastId}`)).body]);
    expect(everything).not.toContain('hunter2');
    expect(everything).not.toContain('wJalrXUtnFEMI');
  });

  it("a provider's error of a known shape: the status, its code and its title", async () => {
    // Prepare
    const api = e2e.api(await tokenFor(newTenant()));
    answer = {
      status: 422,
      body: JSON.stringify({
        error: { code: 'invalid_recipient', message: 'The phone number is blocked', trace: INTERNAL },
      }),
      type: 'application/json',
    };

    // Act
    const { broadcastId } = await sendOne(api);
    const executions = await settled(api, broadcastId);

    // Assess
    expect(executions.body.items).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: 'HTTP 422 Unprocessable Entity: invalid_recipient: The phone number is blocked',
      }),
    ]);
    expect(JSON.stringify(executions.body)).not.toContain('hunter2');
  });
});

describe('URLs with credentials', () => {
  it('a webhook URL with user:password@ is 422 even where private addresses are allowed', async () => {
    // Prepare
    const api = e2e.api(await tokenFor(newTenant()));

    // Act
    const reply = await api.post('/api/v1/channels', {
      name: 'Hook',
      type: 'webhook',
      config: { url: 'https://admin:hunter2@hooks.example.com/hook', secret: 'whsec-e2e-0123456789abcdef' },
    });

    // Assess
    expect(reply.status).toBe(422);
    expect(reply.body.code).toBe('channel.url_not_allowed');
    expect(JSON.stringify(reply.body)).not.toContain('hunter2');
  });

  it('a media_url with credentials is 400', async () => {
    // Prepare
    const api = e2e.api(await tokenFor(newTenant()));
    const list = await api.post('/api/v1/contact-lists', { name: 'Any' });

    // Act
    const reply = await api.post('/api/v1/broadcasts', {
      name: 'Media',
      list_id: list.body.id,
      message_template: { type: 'media', media_url: 'https://cdn:hunter2@media.example.com/a.png' },
    });

    // Assess
    expect(errorFields(reply)).toEqual(['message_template.media_url']);
  });

  it('one stored before they were refused is never returned: channel url and media_url come back without them', async () => {
    // Prepare: written as an older version of the service would have.
    const tenantId = newTenant();
    const api = e2e.api(await tokenFor(tenantId));
    const { deps } = getRuntime();
    const channelId = randomUUID();
    await deps.channels.create({
      id: channelId,
      tenantId,
      name: 'Old hook',
      type: 'webhook',
      config: { url: 'https://admin:hunter2@hooks.example.com/hook', secret: 'whsec-e2e-0123456789abcdef' },
      requiredAddress: 'any',
      isDefault: false,
      createdAt: '2025-01-15T12:00:00.000Z',
      updatedAt: '2025-01-15T12:00:00.000Z',
    });
    const broadcast = aBroadcast(tenantId, {
      messageTemplate: { type: 'media', mediaUrl: 'https://cdn:hunter2@media.example.com/a.png' },
    });
    await storeBroadcast(deps, broadcast);

    // Act
    const one = await api.get(`/api/v1/channels/${channelId}`);
    const all = await api.get('/api/v1/channels');
    const read = await api.get(`/api/v1/broadcasts/${broadcast.id}`);
    const listed = await api.get('/api/v1/broadcasts');

    // Assess
    expect(one.body.config.url).toBe('https://hooks.example.com/hook');
    expect(read.body.message_template.media_url).toBe('https://media.example.com/a.png');
    for (const reply of [one, all, read, listed]) expect(JSON.stringify(reply.body)).not.toContain('hunter2');
  });
});

describe('the whole file', () => {
  it('never got a 5xx', () => {
    expect(e2e.serverErrors).toEqual([]);
  });
});
