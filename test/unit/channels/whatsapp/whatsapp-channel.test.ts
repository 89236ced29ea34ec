import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { DefaultChannelSenderFactory } from '../../../../lib/adapters/channels/channel-sender-factory.js';
import { WhatsAppChannel } from '../../../../lib/adapters/channels/whatsapp/whatsapp-channel.js';
import type { Channel } from '../../../../lib/domain/channel.js';
import { classifySend } from '../../../../lib/domain/send-outcome.js';
import type { OutboundMessage, SendOutcome } from '../../../../lib/ports/channel-sender.js';
import { GRAPH_ERRORS, type GraphErrorAnswer, WhatsAppGraphStandIn } from '../../../support/whatsapp-graph-stand-in.js';

const TOKEN = 'EAAG-unit-token-0123456789';
const VERSION = 'v23.0';
const REFERENCE =
  'x1.0b0e8f35-2c61-4a3e-9b5c-3f1e2d4c5b6a.1c1e8f35-2c61-4a3e-9b5c-3f1e2d4c5b6a.0.2d1e8f35-2c61-4a3e-9b5c-3f1e2d4c5b6a';

let standIn: WhatsAppGraphStandIn;

beforeEach(async () => {
  standIn = await WhatsAppGraphStandIn.start({
    accessToken: TOKEN,
    templates: {
      promo_bf: { body: ['name', 'discount'] },
      spring_sale: { body: 2, languages: ['pt_BR'] },
      order_ready: { body: 1, header: 'image' },
    },
  });
});

afterEach(async () => {
  await standIn.stop();
});

function aChannel(options: { timeoutMs?: number; token?: string; phoneNumberId?: string; baseUrl?: string } = {}) {
  return new WhatsAppChannel(
    {
      phoneNumberId: options.phoneNumberId ?? standIn.phoneNumberId,
      accessToken: options.token ?? TOKEN,
      apiVersion: VERSION,
    },
    { baseUrl: options.baseUrl ?? standIn.baseUrl, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) },
  );
}

/** `phone: null`: a contact without one. */
function aMessage(message: OutboundMessage['message'], phone: string | null = '+5511999998888'): OutboundMessage {
  return {
    idempotencyKey: 'bc_0123',
    tenantId: 'acme',
    broadcastId: 'bc-1',
    executionId: 'ex-1',
    executionReference: REFERENCE,
    contact: { id: 'contact-1', name: 'Ana', ...(phone === null ? {} : { phone }) },
    message,
  };
}

/** Every request answered with `answer`. */
function failWith(answer: GraphErrorAnswer): void {
  standIn.faults = [{ match: () => true, answer }];
}

describe('WhatsAppChannel: what it sends', () => {
  it('posts a text message to the phone number, with the token and the execution reference', async () => {
    // Prepare
    const channel = aChannel();

    // Act
    const outcome = await channel.send(aMessage({ type: 'text', content: 'Hi Ana! 50% off' }));

    // Assess
    expect(standIn.malformed()).toEqual([]);
    const [request] = standIn.requests;
    expect(request).toMatchObject({ method: 'POST', path: `/${VERSION}/${standIn.phoneNumberId}/messages` });
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '5511999998888',
      biz_opaque_callback_data: REFERENCE,
      type: 'text',
      text: { body: 'Hi Ana! 50% off' },
    });
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: standIn.accepted[0]?.id });
    expect(standIn.accepted[0]?.id).toMatch(/^wamid\./);
  });

  it('sends a template with named parameters in en_US when the broadcast names no language', async () => {
    // Prepare
    const message = aMessage({ type: 'template', templateId: 'promo_bf', variables: { name: 'Ana', discount: '50' } });

    // Act
    const outcome = await aChannel().send(message);

    // Assess
    expect(outcome.kind).toBe('accepted');
    expect(standIn.requests[0]?.body).toMatchObject({
      type: 'template',
      template: {
        name: 'promo_bf',
        language: { code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana', parameter_name: 'name' },
              { type: 'text', text: '50', parameter_name: 'discount' },
            ],
          },
        ],
      },
    });
  });

  it("sends a template in the broadcast's language, positional parameters in numeric order", async () => {
    // Prepare
    const message = aMessage({
      type: 'template',
      templateId: 'spring_sale',
      language: 'pt_BR',
      variables: { '2': '30%', '1': 'Ana' },
    });

    // Act
    const outcome = await aChannel().send(message);

    // Assess: the stand-in knows spring_sale in pt_BR only, with two positional parameters.
    expect(outcome.kind).toBe('accepted');
    expect(standIn.requests[0]?.body).toMatchObject({
      template: {
        name: 'spring_sale',
        language: { code: 'pt_BR' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana' },
              { type: 'text', text: '30%' },
            ],
          },
        ],
      },
    });
  });

  it("sends a template's media as a header parameter of its kind", async () => {
    // Prepare
    const message = aMessage({
      type: 'template',
      templateId: 'order_ready',
      variables: { '1': 'Ana' },
      mediaUrl: 'https://cdn.example.com/order.png',
    });

    // Act
    const outcome = await aChannel().send(message);

    // Assess
    expect(outcome.kind).toBe('accepted');
    expect(standIn.requests[0]?.body).toMatchObject({
      template: {
        components: [
          { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/order.png' } }] },
          { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
        ],
      },
    });
  });

  it.each([
    ['https://cdn.example.com/promo.jpg', 'image', { link: 'https://cdn.example.com/promo.jpg', caption: 'See this' }],
    ['https://cdn.example.com/clip.mp4', 'video', { link: 'https://cdn.example.com/clip.mp4', caption: 'See this' }],
    [
      'https://cdn.example.com/files/catalog.pdf',
      'document',
      { link: 'https://cdn.example.com/files/catalog.pdf', caption: 'See this', filename: 'catalog.pdf' },
    ],
  ])('sends media %s as a %s message with the rendered caption', async (mediaUrl, type, object) => {
    // Act
    const outcome = await aChannel().send(aMessage({ type: 'media', mediaUrl, content: 'See this' }));

    // Assess
    expect(outcome.kind).toBe('accepted');
    expect(standIn.malformed()).toEqual([]);
    expect(standIn.requests[0]?.body).toEqual(expect.objectContaining({ type, [type]: object }));
  });

  it('says it cannot de-duplicate: Graph has no idempotency key', () => {
    // Act, Assess
    expect(aChannel().honoursIdempotencyKey).toBe(false);
  });

  it('never shows the access token: not in the adapter, not in an outcome', async () => {
    // Prepare
    const channel = aChannel();
    standIn.accessToken = 'another-token';

    // Act
    const outcome = await channel.send(aMessage({ type: 'text', content: 'Hi' }));

    // Assess
    for (const shown of [
      inspect(channel, { depth: 10, showHidden: true }),
      JSON.stringify(channel),
      JSON.stringify(outcome),
    ])
      expect(shown).not.toContain(TOKEN);
  });
});

describe('WhatsAppChannel: what Meta answers', () => {
  it.each<[string, GraphErrorAnswer, SendOutcome]>([
    [
      'throughput (130429)',
      GRAPH_ERRORS.throughput,
      { kind: 'transient', throttled: true, reason: expect.stringMatching(/^whatsapp 130429: Rate limit hit/) },
    ],
    [
      'the pair rate limit (131056)',
      GRAPH_ERRORS.pairRateLimit,
      { kind: 'transient', retryAfterMs: 6000, reason: expect.stringMatching(/^whatsapp 131056/) },
    ],
    [
      'something went wrong (131000, HTTP 500)',
      GRAPH_ERRORS.somethingWentWrong,
      { kind: 'transient', reason: 'whatsapp 131000: Something went wrong' },
    ],
    [
      'undeliverable (131026)',
      GRAPH_ERRORS.undeliverable,
      { kind: 'permanent', reason: 'whatsapp 131026: Message Undeliverable' },
    ],
    [
      're-engagement (131047)',
      GRAPH_ERRORS.reEngagement,
      { kind: 'permanent', reason: expect.stringMatching(/^whatsapp 131047: Re-engagement message/) },
    ],
    [
      'a parameter count mismatch (132000)',
      GRAPH_ERRORS.templateParameterCount,
      { kind: 'permanent', reason: expect.stringMatching(/^whatsapp 132000/) },
    ],
    [
      'a locked account (131031)',
      GRAPH_ERRORS.accountLocked,
      { kind: 'channel', reason: 'whatsapp 131031: Business Account locked' },
    ],
    [
      'a missing template (132001)',
      GRAPH_ERRORS.templateMissing,
      { kind: 'channel', reason: 'whatsapp 132001: Template name does not exist in the translation' },
    ],
  ])('classifies %s', async (_what, answer, expected) => {
    // Prepare
    failWith(answer);

    // Act
    const outcome = await aChannel().send(aMessage({ type: 'text', content: 'Hi' }));

    // Assess
    expect(outcome).toEqual(expected);
    expect(standIn.requests).toHaveLength(1);
  });

  it('honours a Retry-After that asks for longer', async () => {
    // Prepare: a proxy in front of Graph that says how long to wait.
    const proxy = await aServer((_request, response) =>
      response
        .writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' })
        .end(JSON.stringify({ error: { code: 130429, message: '(#130429) Rate limit hit' } })),
    );

    // Act
    const outcome = await aChannel({ baseUrl: proxy.url }).send(aMessage({ type: 'text', content: 'Hi' }));
    await proxy.stop();

    // Assess
    expect(outcome).toMatchObject({ kind: 'transient', throttled: true, retryAfterMs: 30_000 });
  });

  it('makes an expired token the channel problem (190), with the code', async () => {
    // Prepare: the token was valid when the channel was made.
    const channel = aChannel();
    standIn.accessToken = 'the-renewed-token';

    // Act
    const outcome = await channel.send(aMessage({ type: 'text', content: 'Hi' }));

    // Assess
    expect(outcome).toEqual({
      kind: 'channel',
      reason: expect.stringMatching(/^whatsapp 190: Error validating access token/),
    });
    expect(standIn.requests[0]?.outcome).toBe('unauthorized');
  });

  it('makes a phone number id Graph does not know the channel problem (100, subcode 33)', async () => {
    // Act
    const outcome = await aChannel({ phoneNumberId: '999999999' }).send(aMessage({ type: 'text', content: 'Hi' }));

    // Assess
    expect(outcome).toEqual({
      kind: 'channel',
      reason: expect.stringMatching(/^whatsapp 100: Unsupported post request/),
    });
  });

  it('answers that Meta would accept a template the stand-in knows, and pauses on one it does not', async () => {
    // Prepare
    const known = aMessage({ type: 'template', templateId: 'promo_bf', variables: { name: 'Ana', discount: '5' } });
    const unknown = aMessage({ type: 'template', templateId: 'promo_bf', language: 'pt_BR', variables: { name: 'A' } });

    // Act
    const outcomes = [await aChannel().send(known), await aChannel().send(unknown)];

    // Assess: promo_bf exists in every language here, but not with one parameter: 132000 fails that contact only.
    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'permanent']);
  });

  it('keeps an accepted send accepted when the answer has no message id', async () => {
    // Prepare
    const proxy = await aServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"messaging_product":"whatsapp"}'),
    );

    // Act
    const outcome = await aChannel({ baseUrl: proxy.url }).send(aMessage({ type: 'text', content: 'Hi' }));
    await proxy.stop();

    // Assess
    expect(outcome).toEqual({ kind: 'accepted' });
  });

  it('does not follow a redirect: the base URL is wrong for every contact, so it is the channel problem', async () => {
    // Prepare
    const proxy = await aServer((_request, response) =>
      response.writeHead(301, { location: `${standIn.baseUrl}/elsewhere` }).end(),
    );

    // Act
    const outcome = await aChannel({ baseUrl: proxy.url }).send(aMessage({ type: 'text', content: 'Hi' }));
    await proxy.stop();

    // Assess
    expect(outcome).toEqual({ kind: 'channel', reason: expect.stringContaining('WHATSAPP_API_BASE_URL') });
    expect(standIn.requests).toEqual([]);
  });
});

describe('WhatsAppChannel: a message Meta would refuse as it stands', () => {
  it.each<[string, OutboundMessage]>([
    ['a contact without a phone', aMessage({ type: 'text', content: 'Hi' }, null)],
    ['a phone that is not E.164', aMessage({ type: 'text', content: 'Hi' }, '+0123')],
    ['a text over 4096 characters', aMessage({ type: 'text', content: 'x'.repeat(4097) })],
    [
      'positional variables with a gap',
      aMessage({ type: 'template', templateId: 'promo_bf', variables: { '1': 'a', '3': 'c' } }),
    ],
  ])('fails %s for that contact, without a request', async (_what, message) => {
    // Act
    const outcome = await aChannel().send(message);

    // Assess
    expect(outcome).toEqual({ kind: 'permanent', reason: expect.stringMatching(/^whatsapp: /) });
    expect(standIn.requests).toEqual([]);
  });
});

describe('WhatsAppChannel: no answer', () => {
  it('calls a timeout unknown, never a retry: Meta may have the message (and here it does)', async () => {
    // Prepare: Meta answers after the adapter stopped waiting.
    standIn.latencyMs = 400;
    const channel = aChannel({ timeoutMs: 100 });

    // Act
    const outcome = await channel.send(aMessage({ type: 'text', content: 'Hi' }));
    await standIn.waitFor((s) => s.accepted.length === 1, 5000, 'the late acceptance');

    // Assess: the pipeline fails the contact as outcome_unknown rather than send a second message.
    expect(outcome).toEqual({ kind: 'unknown', reason: expect.stringContaining('may have been sent') });
    const verdict = classifySend({ outcome }, 1, channel.honoursIdempotencyKey, {
      maxSendAttempts: 8,
      retryBaseMs: 1000,
    });
    expect(verdict).toMatchObject({ next: 'failed', reason: 'outcome_unknown' });
  });

  it('calls a connection cut after the request was written unknown', async () => {
    // Prepare: a server that reads the whole request, then drops the connection without answering.
    let received = 0;
    const dropper = await aServer((request, response) => {
      received++;
      request.socket.destroy();
      response.destroy();
    });

    // Act
    const outcome = await aChannel({ baseUrl: dropper.url }).send(aMessage({ type: 'text', content: 'Hi' }));
    await dropper.stop();

    // Assess
    expect(received).toBe(1);
    expect(outcome).toEqual({ kind: 'unknown', reason: expect.stringContaining('may have been sent') });
  });

  it('retries a refused connection: nothing was sent', async () => {
    // Prepare: a port nobody listens on any more.
    const gone = await aServer(() => undefined);
    await gone.stop();

    // Act
    const outcome = await aChannel({ baseUrl: gone.url }).send(aMessage({ type: 'text', content: 'Hi' }));

    // Assess
    expect(outcome).toEqual({ kind: 'transient', reason: 'whatsapp: connection failed before sending: ECONNREFUSED' });
    expect(classifySend({ outcome }, 1, false, { maxSendAttempts: 8, retryBaseMs: 1000 })).toMatchObject({
      next: 'retry',
    });
  });
});

describe('DefaultChannelSenderFactory: whatsapp', () => {
  const whatsApp = (config: Record<string, unknown>): Channel => ({
    id: 'c0a80101-0000-4000-8000-000000000001',
    tenantId: 'acme',
    name: 'WhatsApp',
    type: 'whatsapp',
    config,
    requiredAddress: 'phone',
    isDefault: false,
    createdAt: '2025-01-15T12:00:00.000Z',
    updatedAt: '2025-01-15T12:00:00.000Z',
  });

  it('builds a sender that posts to the configured base URL with the stored credentials', async () => {
    // Prepare
    const factory = new DefaultChannelSenderFactory({ whatsapp: { baseUrl: `${standIn.baseUrl}/` } });
    const channel = whatsApp({
      phoneNumberId: standIn.phoneNumberId,
      accessToken: TOKEN,
      appSecret: 'app-secret-0123',
      verifyToken: 'verify-0123',
      apiVersion: 'v21.0',
    });

    // Act
    const outcome = await factory.senderFor(channel).send(aMessage({ type: 'text', content: 'Hi' }));

    // Assess
    expect(outcome.kind).toBe('accepted');
    expect(standIn.requests[0]?.path).toBe(`/v21.0/${standIn.phoneNumberId}/messages`);
  });

  it('refuses a stored config without a token, without showing it', () => {
    // Prepare
    const factory = new DefaultChannelSenderFactory();

    // Act
    const build = () => factory.senderFor(whatsApp({ phoneNumberId: '123', accessToken: '' }));

    // Assess
    expect(build).toThrow(/has no access token/);
  });
});

/** A plain HTTP server on 127.0.0.1 that answers with `handle` once the request is read. */
async function aServer(
  handle: (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => handle(request, response));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
