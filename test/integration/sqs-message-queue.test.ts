import { randomUUID } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type EntryRetryPolicy, SqsBatchSendError } from '../../lib/adapters/sqs/send-in-batches.js';
import { createSqsClient } from '../../lib/adapters/sqs/sqs-client.js';
import { SqsMessageQueue } from '../../lib/adapters/sqs/sqs-message-queue.js';
import type { SendChunkMessage } from '../../lib/ports/message-queue.js';
import { type RunningLocalSqs, startLocalSqs } from '../../local/sqs-local.js';
import { createQueueWithDlq } from '../../local/sqs-queues.js';

let sqs: RunningLocalSqs;
const clients: SQSClient[] = [];

beforeAll(async () => {
  sqs = await startLocalSqs();
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await sqs.stop();
});

const NO_WAIT: EntryRetryPolicy = { maxAttempts: 3, baseDelayMs: 1, sleep: async () => {} };

/** A client of its own, so the observing or fault-injecting middleware of one test stays in that test. */
function newClient(): SQSClient {
  const client = createSqsClient({ region: sqs.region, endpoint: sqs.endpoint, maxAttempts: 3 });
  clients.push(client);
  return client;
}

async function freshQueues(client: SQSClient) {
  const name = `t-${randomUUID().slice(0, 8)}`;
  const settings = { visibilityTimeoutSeconds: 30, maxReceiveCount: 5 };
  const pipeline = await createQueueWithDlq(client, { name: `${name}-pipeline`, ...settings }, { redriveBy: 'queue' });
  const send = await createQueueWithDlq(client, { name: `${name}-send`, ...settings }, { redriveBy: 'queue' });
  return { pipeline: pipeline.url, send: send.url };
}

/** The entry counts of every SendMessageBatch the client makes (add it before refuseEntries, to see all). */
function observeBatches(client: SQSClient): number[] {
  const sizes: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SendMessageBatchCommand') {
        sizes.push((args.input as SendMessageBatchCommandInput).Entries?.length ?? 0);
      }
      return next(args);
    },
    { step: 'initialize', name: 'observeBatches' },
  );
  return sizes;
}

/**
 * Fault injection on the real server: entries `refuse` picks are not sent and come back in `Failed`, as SQS
 * reports an entry it could not take (SenderFault false: worth retrying).
 */
function refuseEntries(client: SQSClient, refuse: (body: string, call: number) => boolean): void {
  let call = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      call++;
      const input = args.input as SendMessageBatchCommandInput;
      const entries = input.Entries ?? [];
      const refused = entries.filter((entry) => refuse(entry.MessageBody ?? '', call));
      const kept = entries.filter((entry) => !refused.includes(entry));
      const result =
        kept.length > 0
          ? await next({ ...args, input: { ...input, Entries: kept } })
          : { output: { Successful: [], Failed: [], $metadata: {} } as SendMessageBatchCommandOutput, response: {} };
      const output = result.output as SendMessageBatchCommandOutput;
      output.Failed = [
        ...(output.Failed ?? []),
        ...refused.map((entry) => ({ Id: entry.Id, Code: 'InternalError', SenderFault: false, Message: 'injected' })),
      ];
      return result;
    },
    { step: 'initialize', name: 'refuseEntries' },
  );
}

/** Receives until `count` messages came or the time is up, noting when each arrived. */
async function receive(client: SQSClient, queueUrl: string, count: number, timeoutMs: number) {
  const received: { message: Message; at: number }[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) {
    const result = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
    );
    const at = Date.now();
    received.push(...(result.Messages ?? []).map((message) => ({ message, at })));
  }
  return received;
}

const chunk = (n: number): SendChunkMessage => ({ tenantId: 'tenant-a', broadcastId: 'b-1', chunk: n });

describe('SqsMessageQueue', () => {
  it('sends more than 10 messages in batches of at most 10, JSON bodies, each message once', async () => {
    // Prepare
    const client = newClient();
    const urls = await freshQueues(client);
    const batches = observeBatches(client);
    const queue = new SqsMessageQueue(client, urls, NO_WAIT);

    // Act
    await queue.sendChunks(Array.from({ length: 23 }, (_, n) => ({ body: chunk(n) })));

    // Assert
    expect(batches).toEqual([10, 10, 3]);
    const received = await receive(client, urls.send, 23, 3000);
    const chunks = received.map(({ message }) => JSON.parse(message.Body ?? '') as SendChunkMessage);
    expect(chunks.map((c) => c.chunk).sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, n) => n));
    expect(chunks[0]).toEqual({ tenantId: 'tenant-a', broadcastId: 'b-1', chunk: expect.any(Number) });
  });

  it('honours each message its own delay, on both queues: a delayed one is not delivered before it', async () => {
    // Prepare
    const client = newClient();
    const urls = await freshQueues(client);
    const queue = new SqsMessageQueue(client, urls, NO_WAIT);
    const sentAt = Date.now();

    // Act
    await queue.sendChunks([
      ...Array.from({ length: 11 }, (_, n) => ({ body: chunk(n) })),
      { body: chunk(100), delaySeconds: 2 },
      { body: chunk(101), delaySeconds: 1.2 },
    ]);
    await queue.sendPipeline({ type: 'pace', tenantId: 'tenant-a', broadcastId: 'b-1', tick: 3 }, 1);

    // Assert
    const [chunks, steps] = await Promise.all([
      receive(client, urls.send, 13, 5000),
      receive(client, urls.pipeline, 1, 3000),
    ]);
    const arrival = (n: number) => chunks.find(({ message }) => JSON.parse(message.Body ?? '').chunk === n)?.at ?? 0;
    expect(chunks).toHaveLength(13);
    expect(arrival(0) - sentAt).toBeLessThan(1000);
    expect(arrival(100) - sentAt).toBeGreaterThanOrEqual(1950);
    // Rounded up, never down: 1.2 s becomes 2 s.
    expect(arrival(101) - sentAt).toBeGreaterThanOrEqual(1950);
    const [step] = steps;
    expect(JSON.parse(step?.message.Body ?? '')).toEqual({
      type: 'pace',
      tenantId: 'tenant-a',
      broadcastId: 'b-1',
      tick: 3,
    });
    expect((step?.at ?? 0) - sentAt).toBeGreaterThanOrEqual(950);
  });

  it('clamps delays to the 0..900 s SQS accepts, and says so as its maxDelaySeconds', async () => {
    // Prepare
    const client = newClient();
    const urls = await freshQueues(client);
    const queue = new SqsMessageQueue(client, urls, NO_WAIT);

    // Act
    await queue.sendChunks([
      { body: chunk(1), delaySeconds: -5 },
      { body: chunk(2), delaySeconds: 5000 },
    ]);

    // Assert
    const received = await receive(client, urls.send, 2, 500);
    expect(received.map(({ message }) => JSON.parse(message.Body ?? '').chunk)).toEqual([1]);
    const attributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: urls.send, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
    );
    expect(attributes.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(queue.maxDelaySeconds).toBe(900);
  });

  it('retries the entries SQS refused, and only those', async () => {
    // Prepare
    const client = newClient();
    const urls = await freshQueues(client);
    const batches = observeBatches(client);
    refuseEntries(client, (body, call) => call === 1 && [3, 7].includes(JSON.parse(body).chunk));
    const queue = new SqsMessageQueue(client, urls, NO_WAIT);

    // Act
    await queue.sendChunks(Array.from({ length: 10 }, (_, n) => ({ body: chunk(n) })));

    // Assert
    expect(batches).toEqual([10, 2]);
    const received = await receive(client, urls.send, 10, 3000);
    expect(received.map(({ message }) => JSON.parse(message.Body ?? '').chunk).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(await receive(client, urls.send, 1, 200)).toEqual([]);
  });

  it('throws, naming the refusal, when an entry is still refused after every attempt', async () => {
    // Prepare
    const client = newClient();
    const urls = await freshQueues(client);
    const batches = observeBatches(client);
    refuseEntries(client, (body) => JSON.parse(body).chunk === 4);
    const queue = new SqsMessageQueue(client, urls, NO_WAIT);

    // Act
    const sending = queue.sendChunks(Array.from({ length: 5 }, (_, n) => ({ body: chunk(n) })));

    // Assert
    await expect(sending).rejects.toThrow(SqsBatchSendError);
    await expect(sending).rejects.toThrow(/1 message\(s\).*InternalError/);
    expect(batches).toEqual([5, 1, 1]);
  });
});
