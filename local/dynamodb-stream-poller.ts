import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../lib/observability/logger.js';
import { retry } from '../lib/retry.js';
import { localClient, NotReadyError } from './dynamodb-local.js';
import { lambdaStreamRecord } from './dynamodb-local-stream-record.js';
import { invocationContext } from './sqs-lambda-event.js';

export type DynamoDbStreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

export interface DynamoDbStreamPollerOptions {
  endpoint: string;
  tableName: string;
  handler: DynamoDbStreamHandler;
  functionName?: string;
  /**
   * The event source's filter: only the records it lets through reach the handler; the others are read past, as
   * Lambda drops them before any invocation. @default every record
   */
  filter?: (record: DynamoDBRecord) => boolean;
  /** Records per invocation, like the event source's batchSize. @default 100 */
  batchSize?: number;
  /** Pause between polls of an idle shard. @default 200 */
  pollIntervalMs?: number;
  /** Pause before a failed batch is retried. @default 1000 */
  retryDelayMs?: number;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface RunningDynamoDbStreamPoller {
  streamArn: string;
  /** Waits until every record written so far has been handed to the handler (for tests). */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface StreamRecordWire extends DynamoDBRecord {
  dynamodb: NonNullable<DynamoDBRecord['dynamodb']>;
}

/**
 * The DynamoDB Streams event source, locally: reads the table's stream from DynamoDB Local (the Streams API on the
 * same endpoint) shard by shard, parents before children, and invokes the handler with the event Lambda would
 * build, one batch at a time, in stream order. A batch the handler fails (batchItemFailures or a throw) is retried
 * from the failed sequence number, never skipped. A table made before streams were on gets its stream enabled.
 * Starts at LATEST: `npm start` publishes what commits from now on, and a restart does not publish old changes again.
 */
export async function startDynamoDbStreamPoller(
  options: DynamoDbStreamPollerOptions,
): Promise<RunningDynamoDbStreamPoller> {
  const api = new StreamsApi(options.endpoint, options.region ?? 'us-east-1', options.credentials);
  const streamArn = await ensureStream(options.endpoint, options.tableName);
  const region = options.region ?? 'us-east-1';
  const functionName = options.functionName ?? 'event-publisher';
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 200;
  const retryDelayMs = options.retryDelayMs ?? 1000;

  /** Open shards and where to read next; a closed shard is dropped once read to its end. */
  const iterators = new Map<string, string>();
  const finished = new Set<string>();
  const known = new Set<string>();
  const discover = async (initial: boolean) => {
    const shards = await api.describeShards(streamArn);
    for (const shard of shards) {
      if (known.has(shard.ShardId)) continue;
      // A child waits until its parent has been read to the end.
      if (shard.ParentShardId && known.has(shard.ParentShardId) && !finished.has(shard.ParentShardId)) continue;
      const open = shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
      if (initial && !open) {
        known.add(shard.ShardId);
        finished.add(shard.ShardId);
        continue;
      }
      known.add(shard.ShardId);
      iterators.set(
        shard.ShardId,
        await api.shardIterator(streamArn, shard.ShardId, initial ? 'LATEST' : 'TRIM_HORIZON'),
      );
    }
  };
  await discover(true);

  let stopped = false;
  /** When the last poll that found nothing new on any shard started. */
  let lastEmptyPollAt = 0;
  let lastDiscovery = Date.now();
  const pollOnce = async (): Promise<boolean> => {
    let sawRecords = false;
    if (Date.now() - lastDiscovery > 5000) {
      lastDiscovery = Date.now();
      await discover(false);
    }
    for (const [shardId, iterator] of [...iterators]) {
      if (stopped) return sawRecords;
      let page: Awaited<ReturnType<StreamsApi['records']>>;
      try {
        page = await api.records(iterator, batchSize);
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'ResourceNotFoundException') {
          // The table (and its stream) is gone: nothing more will ever come.
          stopped = true;
          return sawRecords;
        }
        if (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException') throw error;
        // The iterator fell behind what the stream still holds, or expired: go on from the oldest record
        // still there (consumers drop repeats by event_id).
        iterators.set(shardId, await api.shardIterator(streamArn, shardId, 'TRIM_HORIZON'));
        continue;
      }
      const read = page.Records ?? [];
      const records = options.filter ? read.filter(options.filter) : read;
      if (read.length > 0) sawRecords = true;
      if (records.length > 0) {
        const failedAt = await invoke(records);
        if (failedAt !== undefined) {
          iterators.set(shardId, await api.shardIterator(streamArn, shardId, 'AT_SEQUENCE_NUMBER', failedAt));
          await sleep(retryDelayMs);
          continue;
        }
      }
      if (page.NextShardIterator) iterators.set(shardId, page.NextShardIterator);
      else {
        iterators.delete(shardId);
        finished.add(shardId);
        await discover(false);
      }
    }
    return sawRecords;
  };

  /** The sequence number to retry from, or undefined when the whole batch succeeded. */
  const invoke = async (records: StreamRecordWire[]): Promise<string | undefined> => {
    const event: DynamoDBStreamEvent = { Records: records.map((record) => ({ ...record, eventSourceARN: streamArn })) };
    const context = invocationContext({ functionName, region, accountId: '000000000000', timeoutMs: 60_000 });
    try {
      const response = await options.handler(event, context);
      const failures = response?.batchItemFailures ?? [];
      if (failures.length === 0) return undefined;
      const sequences = records.map((record) => record.dynamodb.SequenceNumber);
      const indexes = failures.map((failure) => sequences.indexOf(failure.itemIdentifier));
      // Like Lambda: an identifier that names no record of the batch fails the whole batch.
      const first = indexes.some((index) => index < 0) ? 0 : Math.min(...indexes);
      return sequences[first];
    } catch (error) {
      logger.error('local stream event source: the handler failed; retrying the batch', { functionName, error });
      return records[0]?.dynamodb.SequenceNumber;
    }
  };

  const loop = (async () => {
    while (!stopped) {
      const startedAt = Date.now();
      let sawRecords = true;
      try {
        sawRecords = await pollOnce();
      } catch (error) {
        if (!stopped) logger.warn('local stream event source: polling failed; retrying', { error });
        await sleep(retryDelayMs);
      }
      if (!sawRecords) {
        lastEmptyPollAt = startedAt;
        await sleep(pollIntervalMs);
      }
    }
  })();

  return {
    streamArn,
    drain: async (timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      const calledAt = Date.now();
      // A poll that started after this call found nothing: everything written before it has been handled.
      while (lastEmptyPollAt <= calledAt) {
        if (Date.now() > deadline) throw new Error('the local stream event source did not catch up');
        await sleep(50);
      }
    },
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** The table's stream ARN; enables the stream (NEW_AND_OLD_IMAGES) on a table created before it existed. */
async function ensureStream(endpoint: string, tableName: string): Promise<string> {
  const client = localClient(endpoint);
  try {
    // Up to 50 looks, 100-200 ms apart; the first one that finds no stream turns it on.
    return await retry(
      async (attempt) => {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
        if (Table?.LatestStreamArn && Table.StreamSpecification?.StreamEnabled) return Table.LatestStreamArn;
        if (attempt === 1) {
          await client.send(
            new UpdateTableCommand({
              TableName: tableName,
              StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
            }),
          );
        }
        throw new NotReadyError(`table ${tableName} has no stream`);
      },
      { maxAttempts: 50, baseDelayMs: 200, maxDelayMs: 200, retryable: (error) => error instanceof NotReadyError },
    );
  } finally {
    client.destroy();
  }
}

interface ShardWire {
  ShardId: string;
  ParentShardId?: string;
  SequenceNumberRange?: { StartingSequenceNumber?: string; EndingSequenceNumber?: string };
}

/**
 * The three DynamoDB Streams calls the poller needs, through the SDK (the Streams API shares DynamoDB
 * Local's endpoint), returned in the shape Lambda's stream event uses.
 */
class StreamsApi {
  private readonly client: DynamoDBStreamsClient;

  constructor(
    endpoint: string,
    region: string,
    credentials: { accessKeyId: string; secretAccessKey: string } = { accessKeyId: 'local', secretAccessKey: 'local' },
  ) {
    this.client = new DynamoDBStreamsClient({ endpoint, region, credentials });
  }

  async describeShards(streamArn: string): Promise<ShardWire[]> {
    const shards: ShardWire[] = [];
    let start: string | undefined;
    do {
      const reply = await this.client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }),
      );
      shards.push(...((reply.StreamDescription?.Shards ?? []) as ShardWire[]));
      start = reply.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  async shardIterator(
    streamArn: string,
    shardId: string,
    type: 'LATEST' | 'TRIM_HORIZON' | 'AT_SEQUENCE_NUMBER',
    sequenceNumber?: string,
  ): Promise<string> {
    const reply = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}),
      }),
    );
    return reply.ShardIterator as string;
  }

  async records(
    iterator: string,
    limit: number,
  ): Promise<{ Records?: StreamRecordWire[]; NextShardIterator?: string }> {
    const reply = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    const records = (reply.Records ?? []).map((record) => lambdaStreamRecord(record) as StreamRecordWire);
    return { Records: records, ...(reply.NextShardIterator ? { NextShardIterator: reply.NextShardIterator } : {}) };
  }

  destroy(): void {
    this.client.destroy();
  }
}
