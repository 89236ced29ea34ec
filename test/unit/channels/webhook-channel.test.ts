import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { parseRetryAfter, WebhookChannel } from '../../../lib/adapters/channels/webhook-channel.js';
import type { OutboundMessage } from '../../../lib/ports/channel-sender.js';

const SECRET = 'whsec-0123456789abcdef';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  raw: string;
}

type Responder = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP receiver on 127.0.0.1: records what arrives and answers as the current test says. */
let server: Server;
let baseUrl: string;
let received: Received[];
let respond: Responder;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        raw: Buffer.concat(chunks).toString('utf8'),
      });
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  received = [];
  respond = (_req, res) => res.writeHead(200).end();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function aMessage(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    idempotencyKey: 'bc-1:contact-1',
    tenantId: 'acme',
    broadcastId: 'bc-1',
    executionId: 'ex-1',
    executionReference: 'x1.ex-1',
    contact: { id: 'contact-1', name: 'Ana', phone: '+5511999998888' },
    message: { type: 'text', content: 'Hi Ana, 20% off today' },
    ...overrides,
  };
}

function channel(options: { timeoutMs?: number; path?: string } = {}): WebhookChannel {
  return new WebhookChannel(
    { url: `${baseUrl}${options.path ?? '/hooks/broadcast'}`, secret: SECRET },
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
}

const answer =
  (status: number, body = '', headers: Record<string, string> = {}): Responder =>
  (_req, res) =>
    res.writeHead(status, headers).end(body);

describe('WebhookChannel', () => {
  it('POSTs the message as snake_case JSON with the idempotency key and a verifiable signature', async () => {
    // Prepare
    const message = aMessage({
      message: {
        type: 'template',
        templateId: 'promo_v2',
        variables: { name: 'Ana', discount: '50' },
        language: 'pt_BR',
      },
    });

    // Act
    const outcome = await channel().send(message);

    // Assess
    expect(outcome).toEqual({ kind: 'accepted' });
    expect(received).toHaveLength(1);
    const [request] = received as [Received];
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/broadcast');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe('bc-1:contact-1');
    expect(JSON.parse(request.raw)).toEqual({
      idempotency_key: 'bc-1:contact-1',
      tenant_id: 'acme',
      broadcast_id: 'bc-1',
      execution_id: 'ex-1',
      contact: { id: 'contact-1', name: 'Ana', email: null, phone: '+5511999998888' },
      message: {
        type: 'template',
        content: null,
        template_id: 'promo_v2',
        variables: { name: 'Ana', discount: '50' },
        media_url: null,
        language: 'pt_BR',
      },
    });
    const signature = String(request.headers['x-signature']);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const expected = createHmac('sha256', SECRET).update(request.raw).digest();
    expect(timingSafeEqual(Buffer.from(signature.slice('sha256='.length), 'hex'), expected)).toBe(true);
  });

  it('sends the same body, key and signature when the same message is sent again', async () => {
    // Prepare
    const webhook = channel();

    // Act
    await webhook.send(aMessage());
    await webhook.send(aMessage());

    // Assess
    const [first, second] = received as [Received, Received];
    expect(second.raw).toBe(first.raw);
    expect(second.headers['idempotency-key']).toBe(first.headers['idempotency-key']);
    expect(second.headers['x-signature']).toBe(first.headers['x-signature']);
  });

  it('keeps the message_id of a 2xx JSON answer as the provider message id', async () => {
    // Prepare
    respond = answer(202, JSON.stringify({ message_id: 'wamid.HBgM123', status: 'queued' }), {
      'content-type': 'application/json',
    });

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: 'wamid.HBgM123' });
  });

  it.each([
    ['an empty 204', 204, ''],
    ['a 200 that is not JSON', 200, 'OK'],
    ['a 200 with JSON but no message_id', 200, '{"ok":true}'],
    ['a 200 with a JSON array', 200, '[1,2]'],
  ])('accepts %s without a provider message id', async (_case, status, body) => {
    // Prepare
    respond = answer(status, body);

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'accepted' });
  });

  it.each([408, 429, 500, 502, 503, 504])('classifies HTTP %i as transient', async (status) => {
    // Prepare
    respond = answer(status, 'try later');

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      reason: expect.stringMatching(new RegExp(`^HTTP ${status}\\b`)),
      ...(status === 429 ? { throttled: true } : {}),
    });
  });

  it('honours Retry-After in seconds on a 429', async () => {
    // Prepare
    respond = answer(429, '', { 'retry-after': '7' });

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      reason: expect.stringContaining('429'),
      retryAfterMs: 7000,
      throttled: true,
    });
  });

  it('honours Retry-After as an HTTP date on a 503', async () => {
    // Prepare
    const at = new Date(Date.now() + 60_000).toUTCString();
    respond = answer(503, '', { 'retry-after': at });

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome.kind).toBe('transient');
    const { retryAfterMs } = outcome as { retryAfterMs?: number };
    expect(retryAfterMs).toBeGreaterThan(55_000);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it.each([400, 401, 403, 404, 410, 413, 422])(
    'classifies HTTP %i as permanent, with the status and the reason',
    async (status) => {
      // Prepare
      respond = answer(status, '{"error":"invalid recipient"}');

      // Act
      const outcome = await channel().send(aMessage());

      // Assess
      expect(outcome).toEqual({
        kind: 'permanent',
        reason: expect.stringMatching(new RegExp(`^HTTP ${status}\\b.*invalid recipient`)),
      });
    },
  );

  it('truncates a long answer to a short, single-line reason', async () => {
    // Prepare
    respond = answer(400, `line one\nline two\r\n\t${'x'.repeat(100_000)}`);

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome.kind).toBe('permanent');
    const { reason } = outcome as { reason: string };
    expect(reason.length).toBeLessThanOrEqual(200);
    expect(reason).toMatch(/^HTTP 400 Bad Request: line one line two x+…$/);
  });

  it('does not follow a redirect: the signature is for the configured URL, so it is permanent', async () => {
    // Prepare
    respond = (req, res) => {
      if (req.url === '/hooks/broadcast') res.writeHead(307, { location: `${baseUrl}/elsewhere` }).end();
      else res.writeHead(200).end();
    };

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'permanent', reason: expect.stringContaining('HTTP 307') });
    expect(received.map((r) => r.url)).toEqual(['/hooks/broadcast']);
  });

  it('classifies a receiver that does not answer in time as transient, within the timeout', async () => {
    // Prepare
    respond = () => undefined; // never answers
    const started = Date.now();

    // Act
    const outcome = await channel({ timeoutMs: 200 }).send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'transient', reason: 'timeout: no answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('classifies a refused connection as transient', async () => {
    // Prepare
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const webhook = new WebhookChannel({ url: `http://127.0.0.1:${port}/hook`, secret: SECRET });

    // Act
    const outcome = await webhook.send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'transient', reason: 'connection failed: ECONNREFUSED' });
  });

  it('classifies a connection the receiver drops as transient', async () => {
    // Prepare
    respond = (req) => req.socket.destroy();

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'transient', reason: expect.stringMatching(/^connection failed: /) });
  });

  it('honours idempotency keys, and never shows its secret', async () => {
    // Prepare
    const webhook = channel();
    respond = (req, res) => res.writeHead(401).end(`bad signature: ${JSON.stringify(req.headers)}`);

    // Act
    const outcome = await webhook.send(aMessage());

    // Assess
    expect(webhook.honoursIdempotencyKey).toBe(true);
    for (const shown of [
      inspect(webhook, { depth: 10, showHidden: true }),
      JSON.stringify(webhook),
      JSON.stringify(outcome),
    ]) {
      expect(shown).not.toContain(SECRET);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-15T12:00:00Z');

  it.each([
    [null, undefined],
    ['0', 0],
    ['120', 120_000],
    ['Wed, 15 Jan 2025 12:00:30 GMT', 30_000],
    ['Wed, 15 Jan 2025 11:00:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
  ])('reads %p as %p ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
