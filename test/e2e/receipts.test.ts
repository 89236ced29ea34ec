import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { runItem } from '../../lib/adapters/dynamodb/broadcast-run-repository.js';
import { createDocumentClient } from '../../lib/adapters/dynamodb/document-client.js';
import { createSqsClient } from '../../lib/adapters/sqs/sqs-client.js';
import { getRuntime } from '../../lib/composition-root.js';
import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import { newRun } from '../../lib/domain/broadcast-run.js';
import { formatExecutionReference } from '../../lib/domain/execution-reference.js';
import { anExecution } from '../support/builders.js';
import { inOneSegment } from '../support/pipeline.js';
import { type AcceptedGraphMessage, WhatsAppGraphStandIn } from '../support/whatsapp-graph-stand-in.js';
import { type Api, type E2e, expectProblem, newTenant, startE2e, tokenFor } from './support.js';

// Delivery receipts end to end on the running local runtime: Meta's stand-in posts signed status webhooks to the
// public route, the receipts queue and worker apply them, and the API shows exact counters. The executions are
// written with the repositories (as a WhatsApp sender would leave them), so this needs no sender.

const APP_SECRET = 'meta-app-secret-0123456789';
const VERIFY_TOKEN = 'my-verify-token';

let e2e: E2e;
let acme: Api;
let tenantId: string;
let graph: WhatsAppGraphStandIn;

beforeAll(async () => {
  // A failed receipts message comes back after 5 s instead of 30 (the receipt that beat its send).
  e2e = await startE2e({ sqs: { queues: { receipts: { visibilityTimeoutSeconds: 5 } } } });
  tenantId = newTenant();
  acme = e2e.api(await tokenFor(tenantId));
  graph = await WhatsAppGraphStandIn.start({ accessToken: 'EAAG-token' });
});

afterAll(async () => {
  await graph?.stop();
  await e2e?.runtime.stop();
});

afterEach(() => {
  expect(e2e.serverErrors).toEqual([]);
});

async function aWhatsAppChannel(): Promise<string> {
  const reply = await acme.post('/api/v1/channels', {
    name: 'WhatsApp',
    type: 'whatsapp',
    config: {
      phone_number_id: graph.phoneNumberId,
      access_token: 'EAAG-token',
      app_secret: APP_SECRET,
      verify_token: VERIFY_TOKEN,
    },
  });
  expect(reply.status).toBe(201);
  return reply.body.id;
}

/** A broadcast (through the API) whose `count` contacts were sent (written with the repositories, as a sender would). */
async function aSentBroadcast(count: number, pending: Partial<BroadcastExecution>[] = []) {
  const list = await acme.post('/api/v1/contact-lists', { name: `l-${randomUUID()}`, is_dynamic: false });
  const broadcast = await acme.post('/api/v1/broadcasts', {
    name: 'Black Friday',
    list_id: list.body.id,
    message_template: { type: 'template', template_id: 'promo_bf', variables: { name: 'contact.name' } },
  });
  const broadcastId: string = broadcast.body.id;
  const executions = [
    ...Array.from({ length: count }, (_, i) =>
      anExecution(tenantId, broadcastId, randomUUID(), {
        status: 'sent',
        chunk: 0,
        messageId: `wamid.HBgL${i}${randomUUID().replaceAll('-', '')}`,
        sentAt: new Date().toISOString(),
        attempts: 1,
      }),
    ),
    ...pending.map((overrides) => anExecution(tenantId, broadcastId, randomUUID(), { chunk: 0, ...overrides })),
  ];
  const { deps, config } = getRuntime();
  await deps.executions.writePlanned(executions);
  // A run, so GET /executions knows the broadcast's one chunk.
  const client = createDocumentClient({
    tableName: config.TABLE_NAME,
    endpoint: config.DYNAMODB_ENDPOINT,
    region: config.AWS_REGION,
    maxAttempts: 3,
  });
  const run = inOneSegment({ ...newRun(tenantId, broadcastId, 0, new Date()), plannedChunks: 1, planDone: true });
  await client.send(new PutCommand({ TableName: config.TABLE_NAME, Item: runItem(run) }));
  client.destroy();
  return { broadcastId, executions };
}

/** What the stand-in accepted, had it been sent these executions. */
function accepted(executions: readonly BroadcastExecution[], messageIds?: string[]): AcceptedGraphMessage[] {
  return executions.map((e, i) => ({
    id: messageIds?.[i] ?? e.messageId ?? '',
    to: '5511999990001',
    type: 'template',
    reference: formatExecutionReference({
      executionId: e.id,
      broadcastId: e.broadcastId,
      chunk: e.chunk ?? 0,
      contactId: e.contactId,
    }),
    acceptedAt: Date.now(),
    seq: i + 1,
  }));
}

const callbackUrl = (channelId: string) => `${e2e.runtime.url}/api/v1/webhooks/whatsapp/${channelId}`;

/** Until the receipts queue is empty and its worker idle: every receipt posted so far has been applied or dropped. */
async function receiptsSettled(): Promise<void> {
  const sqs = createSqsClient({ region: e2e.runtime.sqs.region, endpoint: e2e.runtime.sqs.endpoint, maxAttempts: 3 });
  try {
    for (let i = 0; i < 600; i++) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: e2e.runtime.sqs.queueUrls.receipts,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const queued =
        Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
      if (queued === 0 && e2e.runtime.consumers.receipts.stats().inFlight === 0) return;
      await sleep(100);
    }
    throw new Error('the receipts queue never drained');
  } finally {
    sqs.destroy();
  }
}

async function stats(broadcastId: string) {
  const reply = await acme.get(`/api/v1/broadcasts/${broadcastId}/stats`);
  expect(reply.status).toBe(200);
  const { delivered, read, delivery_failed } = reply.body;
  return { delivered, read, delivery_failed };
}

describe('delivery receipts on the local runtime', () => {
  it('answers Meta’s verification of the channel’s webhook URL', async () => {
    // Prepare
    const channelId = await aWhatsAppChannel();
    const url = `${callbackUrl(channelId)}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=`;

    // Act
    const good = await fetch(`${url}${VERIFY_TOKEN}`);
    const bad = await fetch(`${url}not-the-token`);

    // Assess
    expect({ status: good.status, body: await good.text() }).toEqual({ status: 200, body: '1158201444' });
    expect(bad.status).toBe(403);
  });

  it('ends in exact counters from duplicated, shuffled receipts, read without delivered, failures and unknown ids', async () => {
    // Prepare: 20 messages go sent, delivered, read; 6 skip delivered; 4 fail. Every receipt is posted twice, in a
    // random order, two statuses per webhook, with 5 unknown message ids among them.
    const channelId = await aWhatsAppChannel();
    const { broadcastId, executions } = await aSentBroadcast(30);
    const full = accepted(executions.slice(0, 24));
    const readAtOnce = accepted(executions.slice(24));
    const failing = new Set(full.slice(20).map((m) => m.id));

    // Act
    const posts = [
      ...(await graph.postReceipts({
        callbackUrl: callbackUrl(channelId),
        appSecret: APP_SECRET,
        messages: full,
        failFor: (m) => (failing.has(m.id) ? { code: 131026, title: 'Message undeliverable' } : undefined),
        duplicate: true,
        shuffle: 42,
        unknownIds: 5,
        statusesPerPost: 2,
      })),
      ...(await graph.postReceipts({
        callbackUrl: callbackUrl(channelId),
        appSecret: APP_SECRET,
        messages: readAtOnce,
        skipDelivered: true,
        duplicate: true,
        shuffle: 7,
      })),
    ];
    await receiptsSettled();

    // Assess
    expect(new Set(posts.map((p) => p.responseStatus))).toEqual(new Set([200]));
    expect(await stats(broadcastId)).toEqual({ delivered: 26, read: 26, delivery_failed: 4 });
    const listed = await acme.get(`/api/v1/broadcasts/${broadcastId}/executions?limit=100`);
    const byStatus = (status: string) =>
      listed.body.items.filter((e: { delivery_status: string }) => e.delivery_status === status);
    expect(byStatus('read')).toHaveLength(26);
    expect(byStatus('failed')).toHaveLength(4);
    for (const execution of byStatus('read')) {
      expect(execution.delivered_at).toEqual(expect.any(String));
      expect(execution.read_at >= execution.delivered_at).toBe(true);
    }
    expect(byStatus('failed')[0].delivery_error).toBe('whatsapp 131026: Message undeliverable');
  });

  it('changes nothing for webhooks with a tampered signature', async () => {
    // Prepare
    const channelId = await aWhatsAppChannel();
    const { broadcastId, executions } = await aSentBroadcast(5);

    // Act
    const posts = await graph.postReceipts({
      callbackUrl: callbackUrl(channelId),
      appSecret: APP_SECRET,
      messages: accepted(executions),
      tamperSignature: true,
    });
    await receiptsSettled();

    // Assess
    expect(posts).toHaveLength(15);
    expect(new Set(posts.map((p) => p.responseStatus))).toEqual(new Set([401]));
    expect(await stats(broadcastId)).toEqual({ delivered: 0, read: 0, delivery_failed: 0 });
    const listed = await acme.get(`/api/v1/broadcasts/${broadcastId}/executions`);
    expect(listed.body.items.map((e: { delivery_status: string }) => e.delivery_status)).toEqual(Array(5).fill('sent'));
  });

  it('applies a receipt that arrived before its send was recorded, once it is', async () => {
    // Prepare: the sender is still between Meta's answer and its record when Meta's receipt comes in.
    const channelId = await aWhatsAppChannel();
    const { broadcastId, executions } = await aSentBroadcast(0, [{ status: 'sending', attempts: 1 }]);
    const sending = executions[0] as BroadcastExecution;
    const messageId = `wamid.${randomUUID()}`;
    const failedBefore = e2e.runtime.consumers.receipts.stats().messagesFailed;

    // Act
    const [post] = await graph.postReceipts({
      callbackUrl: callbackUrl(channelId),
      appSecret: APP_SECRET,
      messages: accepted([sending], [messageId]),
      statuses: ['delivered'],
    });
    for (let i = 0; i < 600 && e2e.runtime.consumers.receipts.stats().messagesFailed === failedBefore; i++)
      await sleep(50);
    const whileSending = await stats(broadcastId);
    await getRuntime().deps.executions.transition(
      { ...sending, status: 'sent', messageId, sentAt: new Date().toISOString() },
      'sending',
    );
    await receiptsSettled();

    // Assess
    expect(post?.responseStatus).toBe(200);
    expect(e2e.runtime.consumers.receipts.stats().messagesFailed).toBeGreaterThan(failedBefore);
    expect(whileSending).toEqual({ delivered: 0, read: 0, delivery_failed: 0 });
    expect(await stats(broadcastId)).toEqual({ delivered: 1, read: 0, delivery_failed: 0 });
  });

  it('answers a webhook for an unknown channel with a 404 problem', async () => {
    // Act
    const reply = await e2e.api().raw('POST', `/api/v1/webhooks/whatsapp/${randomUUID()}`, '{}', 'application/json');

    // Assess
    expectProblem(reply, 404, 'channel.not_found');
  });
});
