import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sendInBatches } from '../../lib/adapters/sqs/send-in-batches.js';
import type { RunningSqsEventSource, SqsEventSourceOptions } from '../../local/sqs-event-source.js';
import { createQueueWithDlq } from '../../local/sqs-queues.js';
import { localSqsForFile } from '../support/local-sqs.js';
import { pollUntil } from '../support/poll.js';

const sqs = localSqsForFile();

/** A queue of its own per test, with a 1 s visibility timeout so redeliveries come back fast. */
function freshQueue(maxReceiveCount = 10) {
  return createQueueWithDlq(
    sqs.client,
    { name: `t-${randomUUID().slice(0, 8)}`, visibilityTimeoutSeconds: 1, maxReceiveCount },
    { redriveBy: 'queue' },
  );
}

function sendBodies(queueUrl: string, bodies: readonly unknown[]) {
  return sendInBatches(
    sqs.client,
    queueUrl,
    bodies.map((body) => ({ body })),
  );
}

async function start(
  options: Pick<SqsEventSourceOptions, 'queueUrl' | 'handler'> & Partial<SqsEventSourceOptions>,
): Promise<RunningSqsEventSource> {
  return sqs.startSource({
    batchSize: 10,
    maxConcurrency: 2,
    visibilityTimeoutSeconds: 1,
    maxIdleDelayMs: 50,
    onError: () => {},
    ...options,
  });
}

const waitFor = (condition: () => boolean) => pollUntil(condition, { intervalMs: 20 });

/** Every delivery of every message, by the message's own `n`. */
function deliveryLog() {
  const deliveries = new Map<number, string[]>();
  return {
    deliveries,
    record(event: SQSEvent) {
      for (const record of event.Records) {
        const { n } = JSON.parse(record.body) as { n: number };
        deliveries.set(n, [...(deliveries.get(n) ?? []), record.attributes.ApproximateReceiveCount]);
      }
    },
    countOf: (n: number) => deliveries.get(n)?.length ?? 0,
  };
}

const numbered = (count: number) => Array.from({ length: count }, (_, n) => ({ n }));

describe('startSqsEventSource', () => {
  it('hands a middy handler real SQS records and a Lambda context', async () => {
    // Prepare
    const queue = await freshQueue();
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"hello":"world"}',
        MessageAttributes: { tenant: { DataType: 'String', StringValue: 't-1' } },
      }),
    );
    const seen: { event: SQSEvent; remainingMs: number; context: Context }[] = [];
    const handler = middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
      seen.push({ event, remainingMs: context.getRemainingTimeInMillis(), context });
      return { batchItemFailures: [] };
    });

    // Act
    const source = await start({ queueUrl: queue.url, handler, functionTimeoutSeconds: 30 });
    await waitFor(() => source.stats().messagesDeleted === 1);

    // Assert
    const [only] = seen;
    const record = only?.event.Records[0];
    expect(only?.event.Records).toHaveLength(1);
    expect(record).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: '{"hello":"world"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      messageAttributes: {
        tenant: { stringValue: 't-1', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
    });
    expect(only?.remainingMs).toBeGreaterThan(29_000);
    expect(only?.remainingMs).toBeLessThanOrEqual(30_000);
    expect(only?.context.awsRequestId).toEqual(expect.any(String));
  });

  it('never puts more than batchSize messages in one event, and handles each message once', async () => {
    // Prepare
    const queue = await freshQueue();
    await sendBodies(queue.url, numbered(25));
    const sizes: number[] = [];
    const log = deliveryLog();

    // Act
    const source = await start({
      queueUrl: queue.url,
      batchSize: 4,
      handler: async (event) => {
        sizes.push(event.Records.length);
        log.record(event);
      },
    });
    await waitFor(() => source.stats().messagesDeleted === 25);

    // Assert
    expect(Math.max(...sizes)).toBe(4);
    expect([...log.deliveries.keys()].sort((a, b) => a - b)).toEqual(numbered(25).map(({ n }) => n));
    expect([...log.deliveries.values()].every((counts) => counts.length === 1)).toBe(true);
  });

  it('fills a batch above 10 with several receives', async () => {
    // Prepare
    const queue = await freshQueue();
    await sendBodies(queue.url, numbered(30));
    const sizes: number[] = [];

    // Act
    const source = await start({
      queueUrl: queue.url,
      batchSize: 15,
      maxConcurrency: 1,
      handler: async (event) => {
        sizes.push(event.Records.length);
      },
    });
    await waitFor(() => source.stats().messagesDeleted === 30);

    // Assert
    expect(Math.max(...sizes)).toBe(15);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('deletes the successes and redelivers only the messages reported in batchItemFailures', async () => {
    // Prepare
    const queue = await freshQueue();
    await sendBodies(queue.url, numbered(6));
    const log = deliveryLog();

    // Act: the odd ones fail their first attempt
    const source = await start({
      queueUrl: queue.url,
      handler: async (event) => {
        log.record(event);
        return {
          batchItemFailures: event.Records.filter(
            (record) => JSON.parse(record.body).n % 2 === 1 && record.attributes.ApproximateReceiveCount === '1',
          ).map((record) => ({ itemIdentifier: record.messageId })),
        };
      },
    });
    await waitFor(() => source.stats().messagesDeleted === 6);

    // Assert
    expect([0, 2, 4].map(log.countOf)).toEqual([1, 1, 1]);
    expect([1, 3, 5].map((n) => log.deliveries.get(n))).toEqual([
      ['1', '2'],
      ['1', '2'],
      ['1', '2'],
    ]);
    expect(source.stats()).toMatchObject({ messagesFailed: 3, messagesDeleted: 6, handlerErrors: 0 });
  });

  it('redelivers the whole batch when the handler throws', async () => {
    // Prepare
    const queue = await freshQueue();
    await sendBodies(queue.url, numbered(5));
    const log = deliveryLog();

    // Act: every first attempt throws
    const source = await start({
      queueUrl: queue.url,
      handler: async (event) => {
        log.record(event);
        if (event.Records.some((record) => record.attributes.ApproximateReceiveCount === '1')) throw new Error('boom');
      },
    });
    await waitFor(() => source.stats().messagesDeleted === 5);

    // Assert
    expect([0, 1, 2, 3, 4].map((n) => log.deliveries.get(n))).toEqual(Array(5).fill(['1', '2']));
    expect(source.stats()).toMatchObject({ messagesFailed: 5, messagesDeleted: 5 });
    expect(source.stats().handlerErrors).toBeGreaterThanOrEqual(1);
  });

  it('fails the whole batch when an itemIdentifier names no message of the batch, as Lambda does', async () => {
    // Prepare
    const queue = await freshQueue();
    await sendBodies(queue.url, numbered(3));
    const log = deliveryLog();

    // Act
    const source = await start({
      queueUrl: queue.url,
      maxConcurrency: 1,
      handler: async (event) => {
        log.record(event);
        const first = event.Records.some((record) => record.attributes.ApproximateReceiveCount === '1');
        return { batchItemFailures: first ? [{ itemIdentifier: 'not-a-message-of-this-batch' }] : [] };
      },
    });
    await waitFor(() => source.stats().messagesDeleted === 3);

    // Assert
    expect([0, 1, 2].map(log.countOf)).toEqual([2, 2, 2]);
  });

  it('never runs more than maxConcurrency invocations at once', async () => {
    // Prepare
    const queue = await freshQueue();
    await sendBodies(queue.url, numbered(30));
    let current = 0;
    let peak = 0;

    // Act
    const source = await start({
      queueUrl: queue.url,
      batchSize: 1,
      maxConcurrency: 3,
      visibilityTimeoutSeconds: 10,
      handler: async () => {
        current++;
        peak = Math.max(peak, current);
        await sleep(30);
        current--;
      },
    });
    await waitFor(() => source.stats().messagesDeleted === 30);

    // Assert
    expect(peak).toBe(3);
    expect(source.stats()).toMatchObject({ peakConcurrency: 3, invocations: 30, inFlight: 0 });
  });

  it('stop() waits for the invocations in flight, settles their messages and invokes nothing after', async () => {
    // Prepare
    const queue = await freshQueue();
    await sendBodies(queue.url, numbered(4));
    let current = 0;
    let started = 0;
    const source = await start({
      queueUrl: queue.url,
      batchSize: 1,
      maxConcurrency: 2,
      visibilityTimeoutSeconds: 10,
      handler: async () => {
        started++;
        current++;
        await sleep(300);
        current--;
      },
    });
    await waitFor(() => current === 2);

    // Act
    await source.stop();

    // Assert
    expect(current).toBe(0);
    expect(source.stats()).toMatchObject({ inFlight: 0, messagesDeleted: 2 });
    const startedAtStop = started;
    await sendBodies(queue.url, numbered(2));
    await sleep(300);
    expect(started).toBe(startedAtStop);
  });

  it('with duplicateDeliveryRate 1 hands every message to two overlapping invocations', async () => {
    // Prepare
    const queue = await freshQueue();
    await sendBodies(queue.url, numbered(3));
    const log = deliveryLog();
    let current = 0;
    let peak = 0;

    // Act
    const source = await start({
      queueUrl: queue.url,
      maxConcurrency: 2,
      visibilityTimeoutSeconds: 10,
      duplicateDeliveryRate: 1,
      handler: async (event) => {
        log.record(event);
        current++;
        peak = Math.max(peak, current);
        await sleep(100);
        current--;
      },
    });
    await waitFor(() => [0, 1, 2].every((n) => log.countOf(n) === 2) && source.stats().messagesDeleted === 3);

    // Assert
    expect([0, 1, 2].map((n) => log.deliveries.get(n))).toEqual(Array(3).fill(['1', '1']));
    expect(peak).toBe(2);
    expect(source.stats()).toMatchObject({ duplicatesDelivered: 3, messagesReceived: 3, messagesDeleted: 3 });
  });
});
