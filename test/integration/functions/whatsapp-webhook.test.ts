import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { handler } from '../../../functions/whatsapp-webhook.js';
import { hubSignatureOf } from '../../../lib/adapters/channels/whatsapp/webhook-signature.js';
import type { Channel } from '../../../lib/domain/channel.js';
import { logger } from '../../../lib/observability/logger.js';
import type { ReceiptsMessage } from '../../../lib/ports/receipts.js';
import { createChannel } from '../../../lib/use-cases/channel-commands.js';
import { newTenantId } from '../../support/dynamodb.js';
import { type HandlerRuntime, startHandlerRuntime } from '../../support/handler-runtime.js';
import {
  expectProblem,
  type HttpRequest,
  httpLambdaContext,
  httpReply,
  publicHttpApiEvent,
} from '../../support/lambda-events.js';
import { statusWebhookBody, type WebhookStatus } from '../../support/whatsapp-graph-stand-in.js';

const ROUTE = '/api/v1/webhooks/whatsapp/{channel_id}';
const APP_SECRET = 'app-secret-0123456789abcdef';
const VERIFY_TOKEN = 'verify-token-of-this-channel';

let runtime: HandlerRuntime;
let warned: jest.SpiedFunction<typeof logger.warn>;

beforeAll(async () => {
  runtime = await startHandlerRuntime();
  // Every refused call is logged; the tests below make hundreds of them.
  warned = jest.spyOn(logger, 'warn').mockImplementation(() => {});
});

afterAll(async () => {
  warned.mockRestore();
  await runtime.stop();
});

const invoke = async (request: Omit<HttpRequest, 'route'>) =>
  httpReply(await handler(publicHttpApiEvent({ ...request, route: ROUTE }), httpLambdaContext('whatsapp-webhook')));

async function aWhatsAppChannel(tenantId = newTenantId(), secrets = { appSecret: APP_SECRET }): Promise<Channel> {
  return createChannel(runtime.deps(), tenantId, {
    name: 'WhatsApp',
    type: 'whatsapp',
    config: {
      phoneNumberId: '100000000000001',
      accessToken: 'EAAG-token',
      appSecret: secrets.appSecret,
      verifyToken: VERIFY_TOKEN,
      apiVersion: 'v23.0',
    },
  });
}

const statuses = (count: number, status: WebhookStatus['status'] = 'delivered'): WebhookStatus[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `wamid.${i}-${randomUUID()}`,
    status,
    timestamp: '1767225600',
    recipient_id: '5511999990001',
    biz_opaque_callback_data: `x1.${randomUUID()}.${randomUUID()}.0.${randomUUID()}`,
  }));

const bodyOf = (list: WebhookStatus[]) => JSON.stringify(statusWebhookBody(list, { phoneNumberId: '100000000000001' }));

function post(channelId: string, body: string, signature: string | undefined, extra: Partial<HttpRequest> = {}) {
  return invoke({
    method: 'POST',
    pathParameters: { channel_id: channelId },
    body,
    ...(signature === undefined ? {} : { headers: { 'x-hub-signature-256': signature } }),
    ...extra,
  });
}

const queued = async () => (await runtime.take('receipts')) as ReceiptsMessage[];

describe('functions/whatsapp-webhook.ts: GET (Meta verifying the URL)', () => {
  const verify = (channelId: string, query: Record<string, string>) =>
    invoke({ method: 'GET', pathParameters: { channel_id: channelId }, query });

  it('answers the challenge as plain text when the verify token is the channel’s', async () => {
    // Prepare
    const channel = await aWhatsAppChannel();

    // Act
    const reply = await verify(channel.id, {
      'hub.mode': 'subscribe',
      'hub.verify_token': VERIFY_TOKEN,
      'hub.challenge': '1158201444',
    });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(reply.body).toBe('1158201444');
  });

  it.each([
    ['another token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' }],
    ['another mode', { 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' }],
    ['no token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }],
    ['nothing', {}],
  ])('refuses %s with a 403 problem', async (_what, query) => {
    // Prepare
    const channel = await aWhatsAppChannel();

    // Act
    const reply = await verify(channel.id, query);

    // Assess
    expectProblem(reply, 403, 'webhook.verification_failed');
    expect(JSON.stringify(reply.body)).not.toContain(VERIFY_TOKEN);
  });

  it('answers an unknown id, another type’s channel and a non-id with the same 404', async () => {
    // Prepare
    const logChannel = await createChannel(runtime.deps(), newTenantId(), { name: 'log', type: 'log', config: {} });
    const query = { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' };

    // Act
    const replies = await Promise.all(
      [randomUUID(), logChannel.id, 'not-an-id', '../..'].map((id) => verify(id, query)),
    );

    // Assess
    for (const reply of replies) expectProblem(reply, 404, 'channel.not_found');
    expect(new Set(replies.map((reply) => reply.body.title))).toEqual(new Set(['Channel not found']));
  });
});

describe('functions/whatsapp-webhook.ts: POST (status notifications)', () => {
  it('queues the receipts of a signed notification for the channel’s tenant, without the recipients’ numbers', async () => {
    // Prepare
    const channel = await aWhatsAppChannel();
    const list = [...statuses(2), ...statuses(1, 'read')];
    const body = bodyOf(list);

    // Act
    const reply = await post(channel.id, body, hubSignatureOf(body, APP_SECRET));

    // Assess
    expect(reply).toMatchObject({ status: 200, body: { received: 3 } });
    const messages = await queued();
    expect(messages).toEqual([
      {
        tenantId: channel.tenantId,
        channelId: channel.id,
        receipts: list.map((s) => ({
          messageId: s.id,
          status: s.status,
          timestamp: '2026-01-01T00:00:00.000Z',
          reference: s.biz_opaque_callback_data,
        })),
      },
    ]);
    expect(JSON.stringify(messages)).not.toContain('5511999990001');
  });

  it('checks the signature over the decoded bytes of a base64 body, as API Gateway may hand it over', async () => {
    // Prepare
    const channel = await aWhatsAppChannel();
    const body = bodyOf([{ ...statuses(1)[0], recipient_id: 'é' } as WebhookStatus]);

    // Act
    const reply = await post(channel.id, body, hubSignatureOf(Buffer.from(body, 'utf8'), APP_SECRET), {
      base64: true,
    });

    // Assess
    expect(reply.status).toBe(200);
    expect(await queued()).toHaveLength(1);
  });

  it.each([
    ['no signature', () => undefined],
    [
      'a tampered signature',
      (body: string) => hubSignatureOf(body, APP_SECRET).replace(/.$/, (c) => (c === '0' ? '1' : '0')),
    ],
    ['another app’s signature', (body: string) => hubSignatureOf(body, 'another-app-secret')],
    ['the signature of another body', () => hubSignatureOf('{}', APP_SECRET)],
    ['a signature in upper case', (body: string) => hubSignatureOf(body, APP_SECRET).toUpperCase()],
  ])('answers %s with a 401 problem and queues nothing', async (_what, sign) => {
    // Prepare
    const channel = await aWhatsAppChannel();
    const body = bodyOf(statuses(2));

    // Act
    const reply = await post(channel.id, body, sign(body));

    // Assess
    expectProblem(reply, 401, 'webhook.invalid_signature');
    expect(await queued()).toEqual([]);
  });

  it('answers a signed body that is not JSON with a 400 problem, and one without statuses with a 200', async () => {
    // Prepare
    const channel = await aWhatsAppChannel();
    const inbound = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [] }] });

    // Act
    const malformed = await post(channel.id, '{"object":', hubSignatureOf('{"object":', APP_SECRET));
    const noStatuses = await post(channel.id, inbound, hubSignatureOf(inbound, APP_SECRET));

    // Assess
    expectProblem(malformed, 400, 'request.malformed_json');
    expect(noStatuses).toMatchObject({ status: 200, body: { received: 0 } });
    expect(await queued()).toEqual([]);
  });

  it('answers 404 for an unknown or non-WhatsApp channel, whatever the signature, and queues nothing', async () => {
    // Prepare
    const logChannel = await createChannel(runtime.deps(), newTenantId(), { name: 'log', type: 'log', config: {} });
    const body = bodyOf(statuses(1));

    // Act
    const replies = await Promise.all(
      [randomUUID(), logChannel.id, 'x'].map((id) => post(id, body, hubSignatureOf(body, APP_SECRET))),
    );

    // Assess
    for (const reply of replies) expectProblem(reply, 404, 'channel.not_found');
    expect(await queued()).toEqual([]);
  });

  it('splits a large notification into queue messages of at most 100 receipts', async () => {
    // Prepare
    const channel = await aWhatsAppChannel();
    const body = bodyOf(statuses(250));

    // Act
    const reply = await post(channel.id, body, hubSignatureOf(body, APP_SECRET));

    // Assess
    expect(reply).toMatchObject({ status: 200, body: { received: 250 } });
    const sizes = (await queued()).map((m) => m.receipts.length).sort((a, b) => b - a);
    expect(sizes).toEqual([100, 100, 50]);
  });

  it('answers a body over the limit with a 413 problem', async () => {
    // Prepare
    const channel = await aWhatsAppChannel();
    const body = 'x'.repeat(1024 * 1024 + 1);

    // Act
    const reply = await post(channel.id, body, hubSignatureOf(body, APP_SECRET));

    // Assess
    expectProblem(reply, 413, 'request.too_large');
  });

  it('answers 401 to any body without its signature, 200 or 400 (never a 5xx) to any signed one (fuzz)', async () => {
    // Prepare
    const channel = await aWhatsAppChannel();

    // Act / Assess
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.json(), fc.constant(bodyOf(statuses(1)))),
        fc.oneof(fc.constant(undefined), fc.string(), fc.stringMatching(/^sha256=[0-9a-f]{64}$/)),
        async (body, signature) => {
          const reply = await post(channel.id, body, signature);
          expect(reply.status).toBe(401);
        },
      ),
      { numRuns: 40 },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json()), async (body) => {
        const reply = await post(channel.id, body, hubSignatureOf(body, APP_SECRET));
        expect([200, 400]).toContain(reply.status);
      }),
      { numRuns: 40 },
    );
    expect(await queued()).toEqual([]);
  });
});
