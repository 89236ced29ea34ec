import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../lib/adapters/sqs/sqs-client.js';
import { getRuntime, resetRuntime } from '../../lib/composition-root.js';
import type { Broadcast } from '../../lib/domain/broadcast.js';
import type { Contact } from '../../lib/domain/contact.js';
import type { PipelineMessage } from '../../lib/ports/message-queue.js';
import type { UseCaseDeps } from '../../lib/use-cases/deps.js';
import { type LocalSqsOptions, type RunningLocalSqs, startLocalSqs } from '../../local/sqs-local.js';
import { aBroadcast, aContact, aStaticList } from './builders.js';
import { createTestTable, dynamoDbEndpoint, newTenantId, type TestTable } from './dynamodb.js';
import { setEnv } from './env.js';
import { TENANT_CLAIM } from './lambda-events.js';
import { TEST_SECRET_KEY } from './secrets.js';
import { sharedForFile } from './shared-for-file.js';

export type QueueName =
  | 'pipeline'
  | 'send'
  | 'receipts'
  | 'events'
  | 'pipelineDlq'
  | 'sendDlq'
  | 'receiptsDlq'
  | 'eventsDlq';

/** What a handler test runs the functions against: the environment the CDK would set, pointed at local services. */
export interface HandlerRuntime {
  table: TestTable;
  sqs: RunningLocalSqs;
  sqsClient: SQSClient;
  /** DATA_DIR: where the log channel appends outbox.jsonl and the local event publisher events.jsonl. */
  dataDir: string;
  /** The dependencies the handlers run with (the composition root's own), to seed data and look at it. */
  deps(): UseCaseDeps;
  /** Every message now visible on the queue (JSON bodies parsed), in the order received; they are deleted from it. */
  take(queue: QueueName): Promise<unknown[]>;
  stop(): Promise<void>;
}

/**
 * A fresh table on DynamoDB Local, the local SQS server with the pipeline and send queues, and the environment of
 * a deployed function (lib/config.ts) pointing at them; `env` adds or overrides variables, `queues` changes the
 * queues' settings. The composition root is reset, so the handler's next invocation builds its runtime from this
 * environment, as a cold start would.
 */
export async function startHandlerRuntime(
  options: { env?: Record<string, string>; queues?: LocalSqsOptions['queues'] } = {},
): Promise<HandlerRuntime> {
  const table = await createTestTable();
  const sqs = await startLocalSqs({ ...(options.queues ? { queues: options.queues } : {}) });
  const dataDir = mkdtempSync(join(tmpdir(), 'broadcast-handlers-'));
  const sqsClient = createSqsClient({ region: sqs.region, endpoint: sqs.endpoint, maxAttempts: 3 });
  const restoreEnv = setEnv({
    TABLE_NAME: table.tableName,
    DYNAMODB_ENDPOINT: dynamoDbEndpoint(),
    AWS_REGION: sqs.region,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    PIPELINE_QUEUE_URL: sqs.queueUrls.pipeline,
    SEND_QUEUE_URL: sqs.queueUrls.send,
    RECEIPTS_QUEUE_URL: sqs.queueUrls.receipts,
    TENANT_CLAIM,
    DEFAULT_CHANNEL: 'log',
    DATA_DIR: dataDir,
    LOCAL_SECRET_KEY: TEST_SECRET_KEY,
    ...options.env,
  });
  resetRuntime();
  return {
    table,
    sqs,
    sqsClient,
    dataDir,
    deps: () => getRuntime().deps,
    take: (queue) => takeMessages(sqsClient, sqs.queueUrls[queue]),
    async stop() {
      resetRuntime();
      restoreEnv();
      sqsClient.destroy();
      await sqs.stop();
      await table.release();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The handler runtime of a test file: started before its first test and stopped after its last (see sharedForFile). */
export function handlerRuntimeForFile(options: Parameters<typeof startHandlerRuntime>[0] = {}): HandlerRuntime {
  return sharedForFile(
    () => startHandlerRuntime(options),
    (runtime) => runtime.stop(),
  );
}

async function takeMessages(client: SQSClient, queueUrl: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
    );
    if (Messages.length === 0) return bodies;
    for (const message of Messages) {
      bodies.push(parsed(message.Body ?? ''));
      await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

/** A JSON body parsed; anything else (a malformed message on its way to the DLQ) as the string it is. */
function parsed(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/**
 * A new tenant's static list of contacts with these names and a stored broadcast to it: a draft at no rate limit
 * unless `fields` say otherwise.
 */
export async function aStoredBroadcast(
  deps: UseCaseDeps,
  names: readonly string[] = ['Ana'],
  fields: Partial<Broadcast> = {},
): Promise<{ tenantId: string; contacts: Contact[]; broadcast: Broadcast }> {
  const tenantId = newTenantId();
  const contacts = names.map((name) => aContact(tenantId, { name }));
  const list = aStaticList(tenantId);
  const broadcast = aBroadcast(tenantId, { listId: list.id, rateLimit: 0, ...fields });
  for (const contact of contacts) await deps.contacts.create(contact);
  await deps.contactLists.create(
    list,
    contacts.map((contact) => contact.id),
  );
  await deps.broadcasts.create(broadcast);
  return { tenantId, contacts, broadcast };
}

/**
 * The broadcast is running, and the call that started it planned its first chunk and released it: the chunk is on the
 * send queue (taken off it) and the pacer's loop has moved on to its next tick (lib/use-cases/set-run-going.ts).
 */
export async function expectJustStarted(runtime: HandlerRuntime, tenantId: string, broadcastId: string): Promise<void> {
  expect(await runtime.deps().broadcasts.findById(tenantId, broadcastId)).toMatchObject({ status: 'running' });
  // The first chunk planned (of the first segment that has anyone in it), released.
  expect(await runtime.take('send')).toEqual([
    expect.objectContaining({ tenantId, broadcastId, chunk: expect.any(Number) }),
  ]);
  const run = await runtime.deps().runs.get(tenantId, broadcastId);
  expect(run).toMatchObject({ pacerTick: 1, releasedChunks: 1 });
  // The planner of every segment with more to plan is queued.
  const steps = (await runtime.take('pipeline')) as PipelineMessage[];
  const planned = steps.flatMap((step) => (step.type === 'plan' ? [step.segment] : []));
  const unfinished = (run?.segmentWatch ?? []).flatMap((deadline, segment) => (deadline === 0 ? [] : [segment]));
  expect(planned.sort((a, b) => a - b)).toEqual(unfinished);
}
