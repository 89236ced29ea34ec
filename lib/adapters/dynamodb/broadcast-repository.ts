import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type Broadcast,
  type BroadcastChange,
  type BroadcastStatus,
  unknownListError,
} from '../../domain/broadcast.js';
import { type BroadcastRun, runCounters } from '../../domain/broadcast-run.js';
import { ConflictError, InvalidTransitionError, NotFoundError } from '../../domain/errors.js';
import type { BroadcastRepository, ScheduledPosition } from '../../ports/broadcast-repository.js';
import type { PacerRestart } from '../../ports/broadcast-run-repository.js';
import type { Page, PageRequest } from '../../ports/pagination.js';
import { batchGet } from './batch.js';
import { pacerRestartUpdate, runItem } from './broadcast-run-repository.js';
import { failedConditions, isConditionFailure, withoutStorageAttributes } from './conditional.js';
import { listReferenceUpdate } from './contact-list-repository.js';
import { deliveryCountersOf } from './delivery-status-repository.js';
import { broadcastKeys, runKeys } from './keys.js';
import { pagedQuery, statusFilter } from './paged-query.js';
import { SCHEDULED_DUE_INDEX } from './table-definition.js';
import { transactWrite } from './transactions.js';

/** The attributes a status change may set or clear; counters are never touched by one. */
const TRANSITION_ATTRIBUTES = [
  'status',
  'statusReason',
  'scheduledFor',
  'startedAt',
  'completedAt',
  'cancelledAt',
  'updatedAt',
] as const satisfies readonly (keyof Broadcast)[];

const UNFINISHED: readonly BroadcastStatus[] = ['draft', 'scheduled', 'running', 'paused'];

export class DynamoDbBroadcastRepository implements BroadcastRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(broadcast: Broadcast): Promise<void> {
    try {
      await transactWrite(this.client, [
        {
          Put: { TableName: this.tableName, Item: toItem(broadcast), ConditionExpression: 'attribute_not_exists(pk)' },
        },
        { Update: listReferenceUpdate(this.tableName, broadcast.tenantId, broadcast.listId) },
      ]);
    } catch (error) {
      if (failedConditions(error)?.has(1)) throw unknownListError(broadcast.listId);
      throw error;
    }
  }

  /**
   * The broadcast with its counters, read together with its run and its delivery-receipt counters in one strongly
   * consistent request.
   */
  async findById(tenantId: string, id: string): Promise<Broadcast | undefined> {
    const items = await batchGet(
      this.client,
      this.tableName,
      [broadcastKeys.byId(tenantId, id), runKeys.byBroadcast(tenantId, id), runKeys.receipts(tenantId, id)],
      {
        consistent: true,
      },
    );
    const broadcast = items.find((item) => item.entity === 'broadcast');
    const run = items.find((item) => item.entity === 'broadcast_run');
    const receipts = items.find((item) => item.entity === 'broadcast_receipts');
    if (!broadcast) return undefined;
    const counted = withCounters(fromItem(broadcast), run);
    return receipts ? { ...counted, delivery: deliveryCountersOf(receipts) } : counted;
  }

  /**
   * A page of broadcasts with the same counters findById shows: the counters live on each started broadcast's run
   * item (never on the broadcast), so the page's runs are read in one batch beside it.
   */
  async list(tenantId: string, page: PageRequest, status?: BroadcastStatus): Promise<Page<Broadcast>> {
    const found = await pagedQuery(
      this.client,
      {
        tableName: this.tableName,
        partitions: [broadcastKeys.partition(tenantId)],
        sortKeyPrefix: broadcastKeys.sortPrefix,
        toItem: fromItem,
        filter: statusFilter(status),
      },
      page,
    );
    return { ...found, items: await this.withRunCounters(tenantId, found.items) };
  }

  private async withRunCounters(tenantId: string, broadcasts: Broadcast[]): Promise<Broadcast[]> {
    const started = broadcasts.filter((b) => b.startedAt !== undefined);
    if (started.length === 0) return broadcasts;
    const keys = started.map((b) => runKeys.byBroadcast(tenantId, b.id));
    const runs = new Map(
      (await batchGet(this.client, this.tableName, keys, { consistent: true })).map((run) => [
        run.broadcastId as string,
        run,
      ]),
    );
    return broadcasts.map((b) => withCounters(b, runs.get(b.id)));
  }

  async update(broadcast: Broadcast, expectedVersion: number): Promise<void> {
    let failed: Set<number> | undefined;
    try {
      await transactWrite(this.client, [
        {
          Put: {
            TableName: this.tableName,
            Item: toItem(broadcast),
            ConditionExpression: '#status = :draft AND version = :version',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':draft': 'draft', ':version': expectedVersion },
          },
        },
        { Update: listReferenceUpdate(this.tableName, broadcast.tenantId, broadcast.listId) },
      ]);
      return;
    } catch (error) {
      failed = failedConditions(error);
      if (!failed) throw error;
    }
    if (!failed.has(0)) throw unknownListError(broadcast.listId);
    const current = await this.findById(broadcast.tenantId, broadcast.id);
    if (!current) throw new NotFoundError('broadcast', broadcast.id);
    if (current.status !== 'draft') {
      throw new ConflictError('broadcast.not_draft', `the broadcast is ${current.status}; only a draft can be changed`);
    }
    throw new ConflictError('broadcast.concurrent_update', 'the broadcast changed meanwhile; read it again and retry');
  }

  async applyTransition(change: BroadcastChange): Promise<void> {
    try {
      await this.client.send(new UpdateCommand(this.transitionUpdate(change)));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw await this.transitionRefused(change);
    }
  }

  async start(change: BroadcastChange, run: BroadcastRun): Promise<void> {
    try {
      await transactWrite(this.client, [
        { Update: this.transitionUpdate(change) },
        { Put: { TableName: this.tableName, Item: runItem(run), ConditionExpression: 'attribute_not_exists(pk)' } },
      ]);
    } catch (error) {
      if (!failedConditions(error)) throw error;
      throw await this.transitionRefused(change);
    }
  }

  async changeStatusRestartingPacer(change: BroadcastChange, restart: PacerRestart): Promise<number> {
    const { tenantId, id } = change.broadcast;
    try {
      await transactWrite(this.client, [
        { Update: this.transitionUpdate(change) },
        { Update: pacerRestartUpdate(this.tableName, tenantId, id, restart) },
      ]);
    } catch (error) {
      const failed = failedConditions(error);
      if (!failed) throw error;
      if (failed.has(0)) throw await this.transitionRefused(change);
      throw new Error(`broadcast ${id} is ${change.expectedStatus} but has no run`);
    }
    // A later restart (the watchdog, or a cancel after this resume) may have moved the tick on again: it queues that
    // tick too, and of two copies of a tick only one acts (pace-broadcast.ts).
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: runKeys.byBroadcast(tenantId, id),
        ProjectionExpression: 'pacerTick',
        ConsistentRead: true,
      }),
    );
    return result.Item?.pacerTick as number;
  }

  /** The conditional update of a status change; counters live on the run item and are never touched. */
  private transitionUpdate(change: BroadcastChange) {
    const { broadcast } = change;
    const remove: string[] = [];
    // The version is bumped on the stored value, so a transition never reuses the number of a racing edit.
    const set: string[] = ['#version = #version + :one'];
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': change.expectedStatus, ':one': 1 };
    for (const attribute of TRANSITION_ATTRIBUTES) {
      names[`#${attribute}`] = attribute;
      const value = broadcast[attribute];
      if (value === undefined) remove.push(`#${attribute}`);
      else {
        set.push(`#${attribute} = :${attribute}`);
        values[`:${attribute}`] = value;
      }
    }
    const due = scheduledDueKeys(broadcast);
    if (due) {
      set.push('scheduledDuePk = :duePk', 'scheduledDueSk = :dueSk');
      values[':duePk'] = due.scheduledDuePk;
      values[':dueSk'] = due.scheduledDueSk;
    } else {
      remove.push('scheduledDuePk', 'scheduledDueSk');
    }
    let condition = '#status = :expected';
    if (change.expectedScheduledFor !== undefined) {
      condition += ' AND #scheduledFor = :expectedScheduledFor';
      values[':expectedScheduledFor'] = change.expectedScheduledFor;
    }
    return {
      TableName: this.tableName,
      Key: broadcastKeys.byId(broadcast.tenantId, broadcast.id),
      UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  private async transitionRefused(change: BroadcastChange): Promise<Error> {
    const current = await this.findById(change.broadcast.tenantId, change.broadcast.id);
    if (!current) return new NotFoundError('broadcast', change.broadcast.id);
    if (current.status === change.expectedStatus && change.expectedScheduledFor !== undefined) {
      return new ConflictError(
        'broadcast.concurrent_update',
        `broadcast ${current.id} was scheduled again meanwhile, for ${current.scheduledFor}`,
      );
    }
    return new InvalidTransitionError(current.status, change.broadcast.status);
  }

  async delete(broadcast: Broadcast): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: broadcastKeys.byId(broadcast.tenantId, broadcast.id),
          ConditionExpression: '#status = :draft',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':draft': 'draft' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new ConflictError('broadcast.not_draft', 'the broadcast is no longer a draft; only a draft can be deleted');
    }
  }

  async findScheduledReady(now: Date, limit: number, after?: ScheduledPosition): Promise<Broadcast[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: SCHEDULED_DUE_INDEX.name,
        KeyConditionExpression: 'scheduledDuePk = :pk AND scheduledDueSk <= :now',
        ExpressionAttributeValues: {
          ':pk': broadcastKeys.scheduledDuePartition,
          ':now': `${now.toISOString()}#\uffff`,
        },
        Limit: limit,
        ...(after ? { ExclusiveStartKey: scheduledIndexKey(after) } : {}),
      }),
    );
    // The index is eventually consistent: an item that just left `scheduled` may still be in it.
    return (result.Items ?? []).map(fromItem).filter((b) => b.status === 'scheduled');
  }

  async findUnfinishedByList(tenantId: string, listId: string): Promise<Broadcast[]> {
    const found: Broadcast[] = [];
    let cursor: string | undefined;
    do {
      const page = await pagedQuery(
        this.client,
        {
          tableName: this.tableName,
          partitions: [broadcastKeys.partition(tenantId)],
          sortKeyPrefix: broadcastKeys.sortPrefix,
          toItem: fromItem,
          // A broadcast committed before the list's mark was read must show (contact-list-commands.ts).
          consistent: true,
          filter: {
            FilterExpression: 'listId = :listId AND #status IN (:s0, :s1, :s2, :s3)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':listId': listId,
              ...Object.fromEntries(UNFINISHED.map((status, i) => [`:s${i}`, status])),
            },
          },
        },
        { limit: 1000, ...(cursor ? { cursor } : {}) },
      );
      found.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return found;
  }
}

function scheduledDueKeys(broadcast: Broadcast) {
  if (broadcast.status !== 'scheduled' || !broadcast.scheduledFor) return undefined;
  return {
    scheduledDuePk: broadcastKeys.scheduledDuePartition,
    scheduledDueSk: broadcastKeys.scheduledDueSort(broadcast.scheduledFor, broadcast.tenantId, broadcast.id),
  };
}

/** A position in the sparse index: its keys and the table's (what DynamoDB wants as ExclusiveStartKey). */
function scheduledIndexKey(position: ScheduledPosition) {
  if (position.scheduledFor === undefined)
    throw new Error(`broadcast ${position.id} has no scheduledFor to page after`);
  return {
    ...broadcastKeys.byId(position.tenantId, position.id),
    scheduledDuePk: broadcastKeys.scheduledDuePartition,
    scheduledDueSk: broadcastKeys.scheduledDueSort(position.scheduledFor, position.tenantId, position.id),
  };
}

function toItem(broadcast: Broadcast) {
  // The delivery counters live beside the run (runKeys.receipts), never on the broadcast.
  const { delivery: _delivery, ...stored } = broadcast;
  return {
    ...broadcastKeys.byId(broadcast.tenantId, broadcast.id),
    entity: 'broadcast',
    ...stored,
    ...scheduledDueKeys(broadcast),
  };
}

function withCounters(broadcast: Broadcast, run: Record<string, unknown> | undefined): Broadcast {
  return run ? { ...broadcast, ...runCounters(run as unknown as BroadcastRun) } : broadcast;
}

function fromItem(raw: Record<string, unknown>): Broadcast {
  return withoutStorageAttributes<Broadcast>(raw);
}
