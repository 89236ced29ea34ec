import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import {
  type HostResolver,
  OutboundUrlGuard,
  type ResolvedAddress,
} from '../../../lib/adapters/channels/outbound-url-guard.js';
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

/** The receiver is on 127.0.0.1: these tests run with private addresses allowed, as `npm start` does. */
const local = new OutboundUrlGuard({ allowPrivate: true, requireHttps: false });

function channel(options: { timeoutMs?: number; path?: string } = {}): WebhookChannel {
  return new WebhookChannel(
    { url: `${baseUrl}${options.path ?? '/hooks/broadcast'}`, secret: SECRET },
    { guard: local, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) },
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
        subject: null,
        html: null,
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

  it('keeps a long answer that is no known error shape out of the reason', async () => {
    // Prepare
    respond = answer(400, `line one\nline two\r\n\t${'x'.repeat(100_000)}`);

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'permanent', reason: 'HTTP 400 Bad Request' });
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
    const webhook = new WebhookChannel({ url: `http://127.0.0.1:${port}/hook`, secret: SECRET }, { guard: local });

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

describe('WebhookChannel: what an error says (issue 11)', () => {
  const INTERNAL = 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG db-password=hunter2 at /srv/app/internal.js:42';

  it.each([
    ['a stack trace', 500, `Error: boom\n    ${INTERNAL}`, 'HTTP 500 Internal Server Error'],
    [
      'an HTML error page',
      502,
      `<html><body><h1>Bad gateway</h1><pre>${INTERNAL}</pre></body></html>`,
      'HTTP 502 Bad Gateway',
    ],
    ['a metadata document', 404, `{"AccessKeyId":"ASIA0000","SecretAccessKey":"${INTERNAL}"}`, 'HTTP 404 Not Found'],
    ['JSON of no known shape', 400, `{"debug":{"trace":"${INTERNAL}"}}`, 'HTTP 400 Bad Request'],
  ])('never copies %s into the reason: only the status', async (_, status, body, expected) => {
    // Prepare
    respond = answer(status, body, { 'content-type': 'text/plain' });

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome).toEqual(expect.objectContaining({ reason: expected }));
    expect(JSON.stringify(outcome)).not.toContain('hunter2');
  });

  it("ignores the server's own reason phrase, which it writes freely", async () => {
    // Prepare
    respond = (_req, res) => res.writeHead(503, `leaked ${INTERNAL}`).end();

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'transient', reason: 'HTTP 503 Service Unavailable' });
  });

  it.each([
    [
      '{"error":{"code":"E4012","message":"Recipient blocked the sender","stack":"SECRET"}}',
      'E4012: Recipient blocked the sender',
    ],
    ['{"error":{"code":131026,"message":"Message undeliverable"}}', '131026: Message undeliverable'],
    ['{"code":"invalid_phone","message":"Phone number is not valid"}', 'invalid_phone: Phone number is not valid'],
    ['{"error":"invalid_token","error_description":"The token expired"}', 'invalid_token: The token expired'],
    ['{"type":"about:blank","title":"Unknown recipient","status":422,"detail":"SECRET"}', 'Unknown recipient'],
    ['{"errors":[{"code":"blocked","detail":"Contact opted out"}]}', 'blocked: Contact opted out'],
  ])('keeps the code and title of a known error shape: %s', async (body, expected) => {
    // Prepare
    respond = answer(422, body, { 'content-type': 'application/json' });

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'permanent', reason: `HTTP 422 Unprocessable Entity: ${expected}` });
  });

  it('strips control characters from a title and keeps the reason within 200 characters', async () => {
    // Prepare
    const title = `Bad\u0000 \u001b[31mrecipient\u202e\n${'y'.repeat(500)}`;
    respond = answer(400, JSON.stringify({ code: 'E1\u0007', message: title }));

    // Act
    const outcome = await channel().send(aMessage());

    // Assess
    const { reason } = outcome as { reason: string };
    expect(reason.length).toBeLessThanOrEqual(200);
    expect(reason).toMatch(/^HTTP 400 Bad Request: Bad \[31mrecipient y+…$/);
  });
});

describe('WebhookChannel: where it may connect (issue 11)', () => {
  /** A resolver whose answers the test sets, counting the questions. */
  const resolverOf = (...answers: ResolvedAddress[][]) => {
    const asked: string[] = [];
    const resolve: HostResolver = async (hostname) => {
      asked.push(hostname);
      return answers[Math.min(asked.length, answers.length) - 1] ?? [];
    };
    return { resolve, asked };
  };
  const strict = (resolve?: HostResolver) =>
    new OutboundUrlGuard({ allowPrivate: false, requireHttps: false, ...(resolve ? { resolve } : {}) });
  const port = () => new URL(baseUrl).port;

  it('refuses a loopback URL by default, sending nothing: a permanent failure naming why', async () => {
    // Prepare
    const webhook = new WebhookChannel({ url: `${baseUrl}/hooks/broadcast`, secret: SECRET });

    // Act
    const outcome = await webhook.send(aMessage());

    // Assess
    expect(outcome).toEqual({
      kind: 'permanent',
      reason: 'the URL is not allowed: 127.0.0.1 is not a public address (loopback)',
    });
    expect(received).toEqual([]);
  });

  it('refuses at send time a host name that now resolves to 127.0.0.1, sending nothing', async () => {
    // Prepare
    const { resolve } = resolverOf([{ address: '127.0.0.1', family: 4 }]);
    const webhook = new WebhookChannel(
      { url: `http://hooks.example.com:${port()}/hooks/broadcast`, secret: SECRET },
      { guard: strict(resolve) },
    );

    // Act
    const outcome = await webhook.send(aMessage());

    // Assess
    expect(outcome).toEqual({
      kind: 'permanent',
      reason: 'the URL is not allowed: hooks.example.com resolves to 127.0.0.1, not a public address (loopback)',
    });
    expect(received).toEqual([]);
  });

  it('refuses a name with one internal address among public ones', async () => {
    // Prepare
    const { resolve } = resolverOf([
      { address: '93.184.216.34', family: 4 },
      { address: 'fd00:ec2::254', family: 6 },
    ]);
    const webhook = new WebhookChannel(
      { url: 'https://hooks.example.com/hook', secret: SECRET },
      { guard: strict(resolve) },
    );

    // Act
    const outcome = await webhook.send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'permanent', reason: expect.stringContaining('fd00:ec2::254') });
  });

  it('connects to the address it checked: a name that answers public, then 127.0.0.1, never reaches 127.0.0.1', async () => {
    // Prepare: a rebinding DNS server: the check hears a public address, any later question hears loopback.
    const { resolve, asked } = resolverOf(
      [{ address: '93.184.216.34', family: 4 }],
      [{ address: '127.0.0.1', family: 4 }],
    );
    const webhook = new WebhookChannel(
      { url: `http://rebind.example.com:${port()}/hooks/broadcast`, secret: SECRET },
      { guard: strict(resolve), timeoutMs: 300 },
    );

    // Act
    const outcome = await webhook.send(aMessage());

    // Assess: the one lookup was the check's; the connection went to 93.184.216.34 (unreachable here) or timed out.
    expect(asked).toEqual(['rebind.example.com']);
    expect(received).toEqual([]);
    expect(outcome.kind).toBe('transient');
  });

  it('connects to the addresses the guard vetted, not where DNS says, keeping the URL as Host', async () => {
    // Prepare: a guard that vetted 127.0.0.1 for a name DNS does not know (a stand-in for a public address).
    class VettedToLoopback extends OutboundUrlGuard {
      override async vet(url: string) {
        return { url: new URL(url), addresses: [{ address: '127.0.0.1', family: 4 as const }] };
      }
    }
    const webhook = new WebhookChannel(
      { url: `http://hooks.unknown-name.invalid:${port()}/hooks/broadcast`, secret: SECRET },
      { guard: new VettedToLoopback({ allowPrivate: false, requireHttps: false }) },
    );

    // Act
    const outcome = await webhook.send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'accepted' });
    expect(received.map((r) => r.headers.host)).toEqual([`hooks.unknown-name.invalid:${port()}`]);
  });

  it.each([
    ['credentials', 'https://user:pass@hooks.example.com/', 'credentials in the URL'],
    ['plain http where https is required', 'http://hooks.example.com/', 'only https'],
  ])('refuses a stored URL with %s at send time', async (_, url, expected) => {
    // Prepare
    const guard = new OutboundUrlGuard({ allowPrivate: true, requireHttps: true });
    const webhook = new WebhookChannel({ url, secret: SECRET }, { guard });

    // Act
    const outcome = await webhook.send(aMessage());

    // Assess
    expect(outcome).toEqual({ kind: 'permanent', reason: expect.stringContaining(expected) });
  });

  it('a name that does not resolve is a transient failure', async () => {
    // Prepare
    const resolve: HostResolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const webhook = new WebhookChannel(
      { url: 'https://nowhere.example.com/hook', secret: SECRET },
      { guard: strict(resolve) },
    );

    // Act
    const outcome = await webhook.send(aMessage());

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      reason: 'connection failed: nowhere.example.com did not resolve: ENOTFOUND',
    });
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
