import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import {
  type DeriveOptions,
  deriveDomainEvents,
  eventSourceEntities,
} from '../../lib/adapters/dynamodb/stream/derive-domain-events.js';
import type { DomainEvent } from '../../lib/domain/events.js';
import { lambdaStreamRecord } from '../../local/dynamodb-local-stream-record.js';
import { dynamoDbEndpoint, type TestTable } from './dynamodb.js';

/** Records per invocation of event-publisher, as its stream event source hands them (infra/function-catalog.ts). */
const BATCH_SIZE = 100;

/**
 * The domain events event-publisher publishes for what is written to a test table from the moment `watch` was
 * called: the table's stream (DynamoDB Local keeps one like DynamoDB) read from a position taken then, the records
 * the event source filter in AWS lets through (eventSourceEntities), in batches of BATCH_SIZE, through the real
 * derivation (lib/adapters/dynamodb/stream/). Each read goes on from where the last one stopped, so every record is
 * derived once, in the batch it was read in, as the event source would hand it over.
 */
export class PublishedEvents {
  private readonly published: DomainEvent[] = [];

  private constructor(
    private readonly streamArn: string,
    private readonly options: DeriveOptions,
    /** Where to read each shard next: an iterator, its start, or nothing once a closed shard has been read. */
    private readonly shards: Map<string, ShardPosition>,
  ) {}

  /** Starts watching: only changes written after this resolves count. */
  static async watch(table: TestTable, options: Partial<DeriveOptions> = {}): Promise<PublishedEvents> {
    const { streamArn } = table;
    if (!streamArn) throw new Error(`table ${table.tableName} has no stream: create it with { stream: true }`);
    const shards = new Map<string, ShardPosition>();
    await withStreams(async (streams) => {
      for (const shard of await describeShards(streams, streamArn)) {
        const open = shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
        shards.set(shard.ShardId, open ? await latestPosition(streams, streamArn, shard.ShardId) : undefined);
      }
    });
    return new PublishedEvents(streamArn, { perMessageEvents: options.perMessageEvents ?? false }, shards);
  }

  /** Every event published since `watch`, in order; only the tenant's when given. */
  async events(tenantId?: string): Promise<DomainEvent[]> {
    const records = await this.readNewRecords();
    const passes = new Set(eventSourceEntities(this.options));
    const relayed = records.filter((record) => passes.has(String(filteredImageOf(record)?.entity?.S)));
    for (let start = 0; start < relayed.length; start += BATCH_SIZE) {
      this.published.push(...deriveDomainEvents(relayed.slice(start, start + BATCH_SIZE), this.options));
    }
    return tenantId === undefined ? [...this.published] : this.published.filter((e) => e.tenantId === tenantId);
  }

  /** The names of events(tenantId). */
  async names(tenantId?: string): Promise<string[]> {
    return (await this.events(tenantId)).map((event) => event.name);
  }

  /**
   * The raw records written since `watch` or the last read, every entity's, as the stream holds them (the event
   * source's filter not applied): what anyone reading the stream sees. They are then not read again by events().
   */
  records(): Promise<DynamoDBRecord[]> {
    return this.readNewRecords();
  }

  /** The records written since the last read, shard by shard, parents (known first) before children. */
  private async readNewRecords(): Promise<DynamoDBRecord[]> {
    const { streamArn } = this;
    return withStreams(async (streams) => {
      for (const shard of await describeShards(streams, streamArn)) {
        if (!this.shards.has(shard.ShardId)) this.shards.set(shard.ShardId, 'TRIM_HORIZON');
      }
      const records: DynamoDBRecord[] = [];
      for (const [shardId, position] of this.shards) {
        let iterator =
          position === 'TRIM_HORIZON' ? await shardIterator(streams, streamArn, shardId, 'TRIM_HORIZON') : position;
        while (iterator) {
          const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          records.push(...(page.Records ?? []).map(lambdaStreamRecord));
          iterator = page.NextShardIterator;
          // An open shard always has a next iterator: an empty page means it has been read up to now.
          if ((page.Records ?? []).length === 0) break;
        }
        this.shards.set(shardId, iterator);
      }
      return records;
    });
  }
}

/** An iterator; or the shard's start (TRIM_HORIZON); or undefined once a closed shard has been read to its end. */
type ShardPosition = string | 'TRIM_HORIZON' | undefined;

/**
 * Where a shard's next record will be. LATEST, unless the shard has no record yet: DynamoDB Local then places
 * LATEST at the shard's starting sequence number, and its sequence numbers are shared by every table, so once
 * another table has written, reading from there fails with TrimmedDataAccessException.
 */
async function latestPosition(
  streams: DynamoDBStreamsClient,
  streamArn: string,
  shardId: string,
): Promise<ShardPosition> {
  const start = await shardIterator(streams, streamArn, shardId, 'TRIM_HORIZON');
  const first = await streams.send(new GetRecordsCommand({ ShardIterator: start, Limit: 1 }));
  if ((first.Records ?? []).length === 0) return 'TRIM_HORIZON';
  return shardIterator(streams, streamArn, shardId, 'LATEST');
}

/** The image the event source filter looks at: the new one, or the old one of a REMOVE. */
function filteredImageOf(record: DynamoDBRecord) {
  return record.eventName === 'REMOVE' ? record.dynamodb?.OldImage : record.dynamodb?.NewImage;
}

async function withStreams<T>(use: (streams: DynamoDBStreamsClient) => Promise<T>): Promise<T> {
  const streams = new DynamoDBStreamsClient({
    endpoint: dynamoDbEndpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    return await use(streams);
  } finally {
    streams.destroy();
  }
}

async function describeShards(streams: DynamoDBStreamsClient, streamArn: string) {
  const shards: { ShardId: string; SequenceNumberRange?: { EndingSequenceNumber?: string } }[] = [];
  let start: string | undefined;
  do {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }),
    );
    for (const shard of StreamDescription?.Shards ?? []) {
      if (shard.ShardId) shards.push({ ...shard, ShardId: shard.ShardId });
    }
    start = StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return shards;
}

async function shardIterator(
  streams: DynamoDBStreamsClient,
  streamArn: string,
  shardId: string,
  type: 'LATEST' | 'TRIM_HORIZON',
): Promise<string | undefined> {
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type }),
  );
  return ShardIterator;
}
