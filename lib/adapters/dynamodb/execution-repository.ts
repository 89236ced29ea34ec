import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BroadcastExecution, ExecutionStatus } from '../../domain/broadcast-execution.js';
import { InvalidCursorError } from '../../domain/errors.js';
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
import { decodeCursor, encodeCursor } from './cursor.js';
import { executionKeys, idFromSortKey } from './keys.js';
import { MAX_EXAMINED_PER_PAGE, pagedQuery, statusFilter } from './paged-query.js';
import { queryAll } from './query-all.js';

/**
 * BatchWriteItem calls in flight while a page is written: a page of 500 is 10 manifests and the contacts skipped at
 * planning, up to 20 batches of 25 when all are skipped.
 */
const PLANNED_WRITES_IN_FLIGHT = 16;

/**
 * A send chunk's planned contacts, in one item: who is in the chunk, and the id each one's execution will have.
 * A contact's execution item is written once, by its first outcome (or a retry put back); until then the manifest
 * alone says it is pending. One write of about 4 units for 50 contacts, where an item per contact was 50.
 */
interface ChunkManifest {
  tenantId: string;
  broadcastId: string;
  chunk: number;
  createdAt: string;
  contactIds: string[];
  executionIds: string[];
}

export class DynamoDbExecutionRepository implements ExecutionRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * BatchWriteItem, no condition needed (see the port): a chunk's pending executions as its manifest (one item), the
   * contacts skipped at planning one item each.
   */
  async writePlanned(executions: readonly BroadcastExecution[]): Promise<void> {
    const chunks = new Map<string, BroadcastExecution[]>();
    const items: Record<string, unknown>[] = [];
    for (const execution of executions) {
      const { tenantId, broadcastId, chunk } = execution;
      if (execution.status !== 'pending' || chunk === undefined) items.push(toItem(execution));
      else {
        const pk = executionKeys.chunkPartition(tenantId, broadcastId, chunk);
        const planned = chunks.get(pk) ?? [];
        planned.push(execution);
        chunks.set(pk, planned);
      }
    }
    for (const [pk, planned] of chunks) items.push(manifestItem(pk, planned));
    await batchWrite(
      this.client,
      this.tableName,
      items.map((Item) => ({ PutRequest: { Item } })),
      // A page's items go to one partition per chunk of the page: the round trips set the planner's pace.
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

  /** The whole chunk partition: the lease, the tally marker and the manifest sort first, then the executions. */
  readChunk(tenantId: string, broadcastId: string, chunk: number): Promise<ChunkState> {
    return this.readPartition(executionKeys.chunkPartition(tenantId, broadcastId, chunk), true);
  }

  /**
   * A partition's executions, sorted by contact: the stored ones, and one pending execution for each contact of the
   * manifest (a chunk's) that has none stored yet.
   */
  private async readPartition(pk: string, consistent: boolean): Promise<ChunkState> {
    const state: ChunkState = { executions: [] };
    let manifest: ChunkManifest | undefined;
    const stored = new Map<string, BroadcastExecution>();
    const items = queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: consistent,
    });
    for await (const item of items) {
      if (item.sk === executionKeys.leaseSortKey) state.lease = leaseFromItem(item);
      else if (item.sk === executionKeys.manifestSortKey) manifest = item as unknown as ChunkManifest;
      else if (String(item.sk).startsWith(executionKeys.sortPrefix)) {
        const execution = fromItem(item);
        stored.set(execution.contactId, execution);
      }
    }
    state.executions = [...stored.values(), ...(manifest ? unstarted(manifest, stored) : [])];
    if (manifest) state.executions.sort((a, b) => compareKeys(a.contactId, b.contactId));
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

  /** A pending execution may exist only in its chunk's manifest: its first write creates it. */
  async transition(execution: BroadcastExecution, from: ExecutionStatus): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(execution),
          ConditionExpression: from === 'pending' ? 'attribute_not_exists(pk) OR #status = :from' : '#status = :from',
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

  /**
   * Executions in any status but pending are all stored items, and DynamoDB filters them; pending ones are read with
   * their chunk's manifest (listPartitions).
   */
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
    if (status === undefined || status === 'pending') return this.listPartitions(partitions, page, status);
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

  /**
   * Walks the partitions in order, each read whole (a chunk is at most its manifest, lease, marker and executions; a
   * skip page at most a planning page), as pagedQuery does: the cursor names the last execution returned, and a page
   * stops early, at a partition's end, once MAX_EXAMINED_PER_PAGE executions were examined.
   */
  private async listPartitions(
    partitions: readonly string[],
    page: PageRequest,
    status: ExecutionStatus | undefined,
  ): Promise<Page<BroadcastExecution>> {
    const cursor = decodeCursor(page.cursor);
    if (
      cursor &&
      (cursor.s >= partitions.length || !(cursor.k ?? executionKeys.sortPrefix).startsWith(executionKeys.sortPrefix))
    ) {
      throw new InvalidCursorError();
    }
    const items: BroadcastExecution[] = [];
    let examined = 0;
    const last = partitions.length - 1;
    for (let s = cursor?.s ?? 0; s <= last; s++) {
      const startAfter = s === cursor?.s ? cursor.k : undefined;
      const { executions } = await this.readPartition(partitions[s] as string, false);
      const rest = executions.filter(
        (e) =>
          (status === undefined || e.status === status) &&
          (startAfter === undefined || compareKeys(executionKeys.contactSortKey(e.contactId), startAfter) > 0),
      );
      examined += executions.length;
      for (const [index, execution] of rest.entries()) {
        items.push(execution);
        if (items.length === page.limit) {
          const more = index < rest.length - 1 || s < last;
          const k = executionKeys.contactSortKey(execution.contactId);
          return more ? { items, nextCursor: encodeCursor({ s, k }) } : { items };
        }
      }
      if (examined >= MAX_EXAMINED_PER_PAGE && s < last) return { items, nextCursor: encodeCursor({ s: s + 1 }) };
    }
    return { items };
  }
}

/** The pending executions a manifest names that have no item of their own yet. */
function unstarted(manifest: ChunkManifest, stored: ReadonlyMap<string, unknown>): BroadcastExecution[] {
  const { tenantId, broadcastId, chunk, createdAt } = manifest;
  return manifest.contactIds.flatMap((contactId, i) =>
    stored.has(contactId)
      ? []
      : [
          {
            id: manifest.executionIds[i] as string,
            ...{ tenantId, broadcastId, contactId, chunk },
            status: 'pending' as const,
            attempts: 0,
            createdAt,
            updatedAt: createdAt,
          },
        ],
  );
}

function manifestItem(pk: string, planned: readonly BroadcastExecution[]) {
  const first = planned[0] as BroadcastExecution;
  return {
    pk,
    sk: executionKeys.manifestSortKey,
    entity: 'chunk_manifest',
    tenantId: first.tenantId,
    broadcastId: first.broadcastId,
    chunk: first.chunk,
    createdAt: first.createdAt,
    contactIds: planned.map((e) => e.contactId),
    executionIds: planned.map((e) => e.id),
  };
}

/** DynamoDB's order of string sort keys (their UTF-8 bytes); the same as `<` for the ASCII of ids. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
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
