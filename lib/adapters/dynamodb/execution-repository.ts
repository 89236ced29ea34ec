import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BroadcastExecution, ExecutionStatus } from '../../domain/broadcast-execution.js';
import type {
  ChunkLease,
  ChunkState,
  ExecutionLayout,
  ExecutionPartition,
  ExecutionRepository,
} from '../../ports/execution-repository.js';
import type { Page, PageRequest } from '../../ports/pagination.js';
import { batchWrite } from './batch.js';
import { isConditionFailure, withoutStorageAttributes } from './conditional.js';
import { executionKeys, idFromSortKey } from './keys.js';
import { pagedQuery, statusFilter } from './paged-query.js';
import { queryAll } from './query-all.js';

/** BatchWriteItem calls in flight while a page's executions are written (20 batches of 25 for a page of 500). */
const PLANNED_WRITES_IN_FLIGHT = 16;

export class DynamoDbExecutionRepository implements ExecutionRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** BatchWriteItem: one write unit per execution, no condition needed (see the port). */
  async writePlanned(executions: readonly BroadcastExecution[]): Promise<void> {
    await batchWrite(
      this.client,
      this.tableName,
      executions.map((execution) => ({ PutRequest: { Item: toItem(execution) } })),
      // A page's executions go to one partition per chunk of the page: the round trips set the planner's pace.
      { concurrency: PLANNED_WRITES_IN_FLIGHT },
    );
  }

  async removeExcept(
    tenantId: string,
    broadcastId: string,
    partition: ExecutionPartition,
    keepContactIds: ReadonlySet<string>,
  ): Promise<void> {
    const pk = partitionKey(tenantId, broadcastId, partition);
    const stale: string[] = [];
    const items = queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': executionKeys.sortPrefix },
      ProjectionExpression: 'sk',
      ConsistentRead: true,
    });
    for await (const item of items) {
      if (!keepContactIds.has(idFromSortKey(item.sk as string))) stale.push(item.sk as string);
    }
    await batchWrite(
      this.client,
      this.tableName,
      stale.map((sk) => ({ DeleteRequest: { Key: { pk, sk } } })),
    );
  }

  async listChunk(tenantId: string, broadcastId: string, chunk: number): Promise<BroadcastExecution[]> {
    return (await this.readChunk(tenantId, broadcastId, chunk)).executions;
  }

  /** The whole chunk partition: the lease and tally marker sort first, then the executions. */
  async readChunk(tenantId: string, broadcastId: string, chunk: number): Promise<ChunkState> {
    const state: ChunkState = { executions: [] };
    const items = queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': executionKeys.chunkPartition(tenantId, broadcastId, chunk) },
      ConsistentRead: true,
    });
    for await (const item of items) {
      if (item.sk === executionKeys.leaseSortKey) state.lease = leaseFromItem(item);
      else if (String(item.sk).startsWith(executionKeys.sortPrefix)) state.executions.push(fromItem(item));
    }
    return state;
  }

  async takeChunkLease(
    tenantId: string,
    broadcastId: string,
    chunk: number,
    take: { seenVersion: number | undefined; holder: string; until: number; inFlight: readonly string[] },
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: executionKeys.chunkPartition(tenantId, broadcastId, chunk),
            sk: executionKeys.leaseSortKey,
            entity: 'chunk_lease',
            version: (take.seenVersion ?? 0) + 1,
            holder: take.holder,
            until: take.until,
            inFlight: [...take.inFlight],
          },
          ...(take.seenVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :seen', ExpressionAttributeValues: { ':seen': take.seenVersion } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async renameChunkLease(
    tenantId: string,
    broadcastId: string,
    chunk: number,
    hold: { holder: string; version: number; until: number; inFlight: readonly string[] },
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: executionKeys.chunkPartition(tenantId, broadcastId, chunk), sk: executionKeys.leaseSortKey },
          UpdateExpression: 'SET inFlight = :inFlight, #until = :until',
          ConditionExpression: 'holder = :holder AND version = :version',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: {
            ':inFlight': [...hold.inFlight],
            ':until': hold.until,
            ':holder': hold.holder,
            ':version': hold.version,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async releaseChunkLease(tenantId: string, broadcastId: string, chunk: number, holder: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: executionKeys.chunkPartition(tenantId, broadcastId, chunk), sk: executionKeys.leaseSortKey },
          UpdateExpression: 'SET inFlight = :none REMOVE holder, #until',
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':none': [], ':holder': holder },
        }),
      );
    } catch (error) {
      // Taken over meanwhile (this holder outlived its lease): the new holder decides.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async transition(execution: BroadcastExecution, from: ExecutionStatus): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(execution),
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':from': from },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  findByBroadcast(
    tenantId: string,
    broadcastId: string,
    layout: ExecutionLayout,
    page: PageRequest,
    status?: ExecutionStatus,
  ): Promise<Page<BroadcastExecution>> {
    const partitions = [
      ...Array.from({ length: layout.chunks }, (_, chunk) =>
        executionKeys.chunkPartition(tenantId, broadcastId, chunk),
      ),
      ...Array.from({ length: layout.skipPages }, (_, p) => executionKeys.skipPartition(tenantId, broadcastId, p)),
    ];
    return pagedQuery(
      this.client,
      {
        tableName: this.tableName,
        partitions,
        sortKeyPrefix: executionKeys.sortPrefix,
        toItem: fromItem,
        filter: statusFilter(status),
      },
      page,
    );
  }
}

function partitionKey(tenantId: string, broadcastId: string, partition: ExecutionPartition): string {
  return 'chunk' in partition
    ? executionKeys.chunkPartition(tenantId, broadcastId, partition.chunk)
    : executionKeys.skipPartition(tenantId, broadcastId, partition.skipPage);
}

function toItem(execution: BroadcastExecution) {
  const partition: ExecutionPartition =
    execution.chunk === undefined ? { skipPage: execution.skipPage ?? 0 } : { chunk: execution.chunk };
  return {
    pk: partitionKey(execution.tenantId, execution.broadcastId, partition),
    sk: executionKeys.contactSortKey(execution.contactId),
    entity: 'execution',
    ...execution,
  };
}

function leaseFromItem(raw: Record<string, unknown>): ChunkLease {
  return {
    version: raw.version as number,
    ...(typeof raw.holder === 'string' ? { holder: raw.holder } : {}),
    ...(typeof raw.until === 'number' ? { until: raw.until } : {}),
    inFlight: (raw.inFlight as string[] | undefined) ?? [],
  };
}

function fromItem(raw: Record<string, unknown>): BroadcastExecution {
  return withoutStorageAttributes<BroadcastExecution>(raw);
}
