import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lib/adapters/dynamodb/document-client.js';
import { createTableInput } from '../../lib/adapters/dynamodb/table-definition.js';
import { clampDelaySeconds, MAX_DELAY_SECONDS } from '../../lib/adapters/sqs/send-in-batches.js';
import { buildDeps } from '../../lib/composition-root.js';
import { loadConfig } from '../../lib/config.js';
import type { Broadcast } from '../../lib/domain/broadcast.js';
import type { BroadcastScheduler } from '../../lib/ports/broadcast-scheduler.js';
import type { DelayedMessage, MessageQueue, PipelineMessage, SendChunkMessage } from '../../lib/ports/message-queue.js';
import type { Clock } from '../../lib/ports/runtime.js';
import type { UseCaseDeps } from '../../lib/use-cases/deps.js';
import { TEST_SECRET_KEY } from './secrets.js';
import { sharedForFile } from './shared-for-file.js';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Set by global-setup.ts (Jest starts its workers afterwards, so they inherit it). */
export function dynamoDbEndpoint(): string {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run these tests with Jest, project "integration"');
  return endpoint;
}

export interface TestTable {
  tableName: string;
  /**
   * Its DynamoDB stream (NEW_AND_OLD_IMAGES, as in AWS): what the event publisher reads. Only on a table made with
   * `{ stream: true }`.
   */
  streamArn?: string;
  client: DynamoDBDocumentClient;
  /**
   * Done with it: its clients are closed. The table stays in DynamoDB Local, which keeps it in memory until the run
   * ends: deleting a table of thousands of items returns at once but keeps DynamoDB Local at a full core for tens of
   * seconds after (measured: 20 s of CPU in the 20 s after a scenario's table), slowing whatever runs then.
   */
  release(): Promise<void>;
}

export interface TestTableOptions {
  /**
   * With the production table's stream, for the tests that read it (PublishedEvents). Off by default: DynamoDB Local
   * writes about 6 times slower to a table with a stream created after other tables' streams took many records
   * (measured: 172 writes/s against 1,100 without a stream), and a test run creates a table per file.
   */
  stream?: boolean;
}

/** The table of a test file: created before its first test and released after its last (see sharedForFile). */
export function testTableForFile(options: TestTableOptions = {}): TestTable {
  return sharedForFile(
    () => createTestTable(options),
    (table) => table.release(),
  );
}

/** A fresh, uniquely named table with the production shape, ACTIVE when this resolves. One per test file. */
export async function createTestTable(options: TestTableOptions = {}): Promise<TestTable> {
  const endpoint = dynamoDbEndpoint();
  const tableName = `test-${randomUUID()}`;
  const admin = new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS });
  const { StreamSpecification, ...withoutStream } = createTableInput(tableName);
  await admin.send(new CreateTableCommand(options.stream ? { ...withoutStream, StreamSpecification } : withoutStream));
  let streamArn: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const { Table } = await admin.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    streamArn = Table?.LatestStreamArn;
    if (Table?.TableStatus === 'ACTIVE' && indexesActive && (streamArn || !options.stream)) break;
    if (attempt >= 100) throw new Error(`table ${tableName} did not become ACTIVE`);
    await sleep(100);
  }
  const client = createDocumentClient({ tableName, endpoint, region: REGION, maxAttempts: 3 });
  return {
    tableName,
    ...(streamArn ? { streamArn } : {}),
    client,
    async release() {
      client.destroy();
      admin.destroy();
    },
  };
}

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  private current: number;
  constructor(start = '2025-01-15T12:00:00.000Z') {
    this.current = Date.parse(start);
  }
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = Date.parse(iso);
  }
  advance(ms: number): void {
    this.current += ms;
  }
  /** What the code under test waited for, in order (ms). */
  readonly slept: number[] = [];
  /** A wait passes at once: the clock moves on by it. */
  async sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.current += ms;
  }
}

/**
 * Keeps what the use cases put on the queues, for assertions or to drive the pipeline by hand. Each delay is kept
 * as SQS would hold the message: rounded up to whole seconds, at most 900 s.
 */
export class RecordingQueue implements MessageQueue {
  readonly maxDelaySeconds = MAX_DELAY_SECONDS;
  readonly pipeline: { message: PipelineMessage; delaySeconds: number }[] = [];
  readonly chunks: DelayedMessage<SendChunkMessage>[] = [];
  async sendPipeline(message: PipelineMessage, delaySeconds = 0): Promise<void> {
    this.pipeline.push({ message, delaySeconds: clampDelaySeconds(delaySeconds) });
  }
  async sendChunks(messages: readonly DelayedMessage<SendChunkMessage>[]): Promise<void> {
    this.chunks.push(
      ...messages.map(({ body, delaySeconds }) =>
        delaySeconds === undefined ? { body } : { body, delaySeconds: clampDelaySeconds(delaySeconds) },
      ),
    );
  }
}

export type SchedulerCall =
  | { op: 'schedule'; tenantId: string; broadcastId: string; scheduledFor: string | undefined; timezone?: string }
  | { op: 'unschedule'; tenantId: string; broadcastId: string };

/** Keeps what the use cases asked of the scheduler, in order; `failing` makes every call throw (after recording). */
export class RecordingScheduler implements BroadcastScheduler {
  readonly calls: SchedulerCall[] = [];
  failing: Error | undefined;
  async schedule(broadcast: Broadcast): Promise<void> {
    this.calls.push({
      op: 'schedule',
      tenantId: broadcast.tenantId,
      broadcastId: broadcast.id,
      scheduledFor: broadcast.scheduledFor,
      ...(broadcast.timezone ? { timezone: broadcast.timezone } : {}),
    });
    if (this.failing) throw this.failing;
  }
  async unschedule(tenantId: string, broadcastId: string): Promise<void> {
    this.calls.push({ op: 'unschedule', tenantId, broadcastId });
    if (this.failing) throw this.failing;
  }
  /** The calls about one broadcast. */
  callsFor(broadcastId: string): SchedulerCall[] {
    return this.calls.filter((call) => call.broadcastId === broadcastId);
  }
}

export interface TestDeps extends UseCaseDeps {
  clock: TestClock;
  queue: RecordingQueue;
  scheduler: RecordingScheduler;
}

/**
 * The production adapters on the test table, built by the composition root itself, with a test clock, a
 * recording queue in place of SQS and a recording scheduler in place of EventBridge Scheduler. The domain events
 * these deps cause are read from the table's stream: see published-events.ts.
 */
export function buildTestDeps(
  table: TestTable,
  clock = new TestClock(),
  overrides: Partial<UseCaseDeps> = {},
): TestDeps {
  const config = loadConfig({
    TABLE_NAME: table.tableName,
    DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
    DEFAULT_CHANNEL: 'log',
    LOCAL_SECRET_KEY: TEST_SECRET_KEY,
    // Use-case tests take the planner's and the pacer's steps themselves, one at a time, from a start that only
    // queues them; the start that takes the first ones at once is tested on its own (test/integration/set-run-going.test.ts).
    FIRST_CHUNK_AT_START: 'false',
    // One planning segment: a run's chunks then number 0, 1, 2... as the tests read them; the segments are tested on
    // their own (test/integration/plan-segments.test.ts).
    PLAN_SEGMENTS: '1',
  });
  return {
    ...buildDeps(config),
    queue: new RecordingQueue(),
    scheduler: new RecordingScheduler(),
    clock,
    ...overrides,
  } as TestDeps;
}

/** Every raw item of one partition, storage attributes included: to check how data is laid out. */
export async function rawPartition(table: TestTable, pk: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** A tenant id no other test uses, so tests sharing a table never see each other's data. */
export function newTenantId(): string {
  return `tenant-${randomUUID()}`;
}
