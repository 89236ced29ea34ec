import { randomUUID } from 'node:crypto';
import { ChangeMessageVisibilityCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { sendInBatches } from '../../lib/adapters/sqs/send-in-batches.js';
import type { SqsLambdaHandler } from '../../local/sqs-event-source.js';
import { consumerOptions, createQueueWithDlq, type QueueWithDlq, type RedriveBy } from '../../local/sqs-queues.js';
import { localSqsForFile } from '../support/local-sqs.js';
import { pollUntil } from '../support/poll.js';

const sqs = localSqsForFile();

function freshQueue(redriveBy: RedriveBy, maxReceiveCount: number) {
  return createQueueWithDlq(
    sqs.client,
    { name: `t-${randomUUID().slice(0, 8)}`, visibilityTimeoutSeconds: 1, maxReceiveCount },
    { redriveBy },
  );
}

/** An event source doing the redrive itself (the consumer's way), one invocation at a time. */
function startConsumer(queue: QueueWithDlq, handler: SqsLambdaHandler) {
  return sqs.startSource({ handler, batchSize: 10, maxConcurrency: 1, maxIdleDelayMs: 50, ...consumerOptions(queue) });
}

/** Everything on a queue right now, each message once (they stay hidden for 30 s after this look). */
async function drain(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const result = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
    );
    const messages = result.Messages ?? [];
    bodies.push(...messages.map((message) => message.Body ?? ''));
    if (messages.length === 0) return bodies;
  }
}

/**
 * Fails every delivery of `{"poison":true}`, succeeds the others; notes the receive count of each delivery.
 * `beforeFailing` runs on each poison record it fails (a handler that backs off, say).
 */
function poisonHandler(beforeFailing: (receiptHandle: string) => Promise<void> = async () => {}) {
  const deliveries = new Map<string, string[]>();
  return {
    deliveries,
    handler: async (event: SQSEvent) => {
      for (const record of event.Records) {
        deliveries.set(record.body, [
          ...(deliveries.get(record.body) ?? []),
          record.attributes.ApproximateReceiveCount,
        ]);
        if (record.body.includes('poison')) await beforeFailing(record.receiptHandle);
      }
      return {
        batchItemFailures: event.Records.filter((record) => record.body.includes('poison')).map((record) => ({
          itemIdentifier: record.messageId,
        })),
      };
    },
  };
}

const POISON = JSON.stringify({ poison: true });
const GOOD = JSON.stringify({ good: true });

describe('redrive to the dead-letter queue', () => {
  it('by the queue: moves a message to the DLQ after its maxReceiveCount deliveries, the others untouched', async () => {
    // Prepare
    const queue = await freshQueue('queue', 2);
    await sendInBatches(sqs.client, queue.url, [{ body: { poison: true } }, { body: { good: true } }]);
    const { deliveries, handler } = poisonHandler();
    let dead: string[] = [];

    // Act
    const source = await sqs.startSource({
      queueUrl: queue.url,
      handler,
      batchSize: 10,
      maxConcurrency: 2,
      visibilityTimeoutSeconds: 1,
      maxIdleDelayMs: 50,
    });
    await pollUntil(async () => {
      dead = [...dead, ...(await drain(queue.dlqUrl))];
      return dead.length > 0;
    });

    // Assert
    expect(dead).toEqual([POISON]);
    expect(deliveries.get(POISON)).toEqual(['1', '2']);
    expect(deliveries.get(GOOD)).toEqual(['1']);
    expect(source.stats()).toMatchObject({ messagesDeleted: 1, messagesFailed: 2, movedToDlq: 0 });
  });

  it('by the consumer: moves a message to the DLQ instead of receiving it past maxReceiveCount', async () => {
    // Prepare
    const queue = await freshQueue('consumer', 1);
    await sendInBatches(sqs.client, queue.url, [{ body: { poison: true } }, { body: { good: true } }]);
    const { deliveries, handler } = poisonHandler();

    // Act
    const source = await startConsumer(queue, handler);
    await pollUntil(() => source.stats().movedToDlq === 1);

    // Assert
    expect(await drain(queue.dlqUrl)).toEqual([POISON]);
    expect(await drain(queue.url)).toEqual([]);
    expect(deliveries.get(POISON)).toEqual(['1']);
    expect(deliveries.get(GOOD)).toEqual(['1']);
  });

  it('by the consumer: a handler that backs off with ChangeMessageVisibility still gets every try, truly counted', async () => {
    // Prepare: local-aws-sqs counts the visibility change as a receive too, so its own redrive would stop after 2
    const queue = await freshQueue('consumer', 3);
    await sendInBatches(sqs.client, queue.url, [{ body: { poison: true } }]);
    const { deliveries, handler } = poisonHandler(async (receiptHandle) => {
      await sqs.client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 }),
      );
    });

    // Act
    const source = await startConsumer(queue, handler);
    await pollUntil(() => source.stats().movedToDlq === 1);

    // Assert
    expect(deliveries.get(POISON)).toEqual(['1', '2', '3']);
    expect(await drain(queue.dlqUrl)).toEqual([POISON]);
  });
});
