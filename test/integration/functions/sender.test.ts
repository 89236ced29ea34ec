import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { handler } from '../../../functions/sender.js';
import { paceBroadcast } from '../../../lib/use-cases/pace-broadcast.js';
import { startBroadcast } from '../../../lib/use-cases/run-lifecycle.js';
import { type RunningSqsEventSource, startSqsEventSource } from '../../../local/sqs-event-source.js';
import { aStoredBroadcast, handlerRuntimeForFile } from '../../support/handler-runtime.js';
import { lambdaContext, sqsEvent } from '../../support/lambda-events.js';
import { allExecutions, planAll } from '../../support/pipeline.js';

/** Receives before the DLQ: two, each failed delivery back after one second, so a poison message dies fast. */
const SEND_QUEUE = { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 };

// One planning segment: the two contacts then share one chunk, the one this file sends.
const runtime = handlerRuntimeForFile({ queues: { send: SEND_QUEUE }, env: { PLAN_SEGMENTS: '1' } });
let source: RunningSqsEventSource | undefined;

afterEach(async () => {
  await source?.stop();
  source = undefined;
});

const deliver = (bodies: readonly unknown[]) =>
  handler(sqsEvent(bodies, runtime.sqs.queues.send.arn), lambdaContext('sender'));

/** A started, planned and paced broadcast to two contacts through the stage's log channel: its chunk message. */
async function aReleasedChunk() {
  const deps = runtime.deps();
  const { tenantId, broadcast } = await aStoredBroadcast(deps, ['Ana', 'Bia']);
  await startBroadcast(deps, tenantId, broadcast.id);
  await planAll(deps, tenantId, broadcast.id);
  await paceBroadcast(deps, tenantId, broadcast.id, (await deps.runs.get(tenantId, broadcast.id))?.pacerTick ?? 0);
  await runtime.take('pipeline');
  const [chunk] = await runtime.take('send');
  if (!chunk) throw new Error(`the pacer released no chunk for ${broadcast.id}`);
  return { tenantId, broadcastId: broadcast.id, chunk };
}

describe('functions/sender.ts', () => {
  it('sends a chunk: every execution sent, the broadcast completed', async () => {
    // Prepare
    const { tenantId, broadcastId, chunk } = await aReleasedChunk();

    // Act
    const response = await deliver([chunk]);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const executions = await allExecutions(runtime.deps(), tenantId, broadcastId);
    expect(executions.map((execution) => execution.status)).toEqual(['sent', 'sent']);
    expect(await runtime.deps().broadcasts.findById(tenantId, broadcastId)).toMatchObject({
      status: 'completed',
      sent: 2,
    });
  });

  it('reports a malformed record as failed and still sends the chunk of the others', async () => {
    // Prepare
    const { tenantId, broadcastId, chunk } = await aReleasedChunk();
    const event = sqsEvent(['not json', { ...(chunk as object), chunk: -1 }, chunk], runtime.sqs.queues.send.arn);
    const [notJson, negativeChunk] = event.Records.map((record) => record.messageId);

    // Act
    const response = await handler(event, lambdaContext('sender'));

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([notJson, negativeChunk]);
    expect(await runtime.deps().broadcasts.findById(tenantId, broadcastId)).toMatchObject({ status: 'completed' });
  });

  it('leaves a malformed message on the queue until, after its receives, it is in the DLQ', async () => {
    // Prepare
    await runtime.sqsClient.send(
      new SendMessageCommand({ QueueUrl: runtime.sqs.queueUrls.send, MessageBody: '{"tenantId":"acme"' }),
    );

    // Act: the send queue's event source, as Lambda polls it, with the real handler
    source = await startSqsEventSource({
      client: runtime.sqsClient,
      handler,
      batchSize: 10,
      maxConcurrency: 1,
      maxIdleDelayMs: 50,
      ...runtime.sqs.consumers.send,
    });
    const dead = await eventually(() => runtime.take('sendDlq'));

    // Assess
    expect(dead).toEqual(['{"tenantId":"acme"']);
    expect(source.stats()).toMatchObject({
      messagesDeleted: 0,
      messagesFailed: SEND_QUEUE.maxReceiveCount,
      movedToDlq: 1,
    });
  });
});

/** Polls until `read` returns something (at most 15 s). */
async function eventually<T>(read: () => Promise<T[]>): Promise<T[]> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const found = await read();
    if (found.length > 0) return found;
    await sleep(50);
  }
  throw new Error('nothing arrived in time');
}
