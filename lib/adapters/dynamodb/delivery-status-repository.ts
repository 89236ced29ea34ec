import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { BroadcastExecution } from '../../domain/broadcast-execution.js';
import { addCounters, type DeliveryCounters, NO_DELIVERY_COUNTS } from '../../domain/delivery-status.js';
import { type ExecutionReference, formatExecutionReference } from '../../domain/execution-reference.js';
import type { DeliveryStatusRepository, ExecutionDeliveryMove, ReceiptTarget } from '../../ports/receipts.js';
import { batchGet, chunks } from './batch.js';
import { failedConditions } from './conditional.js';
import { executionKeys, type ItemKey, runKeys } from './keys.js';
import { transactWrite } from './transactions.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit on the actions of one TransactWriteItems: 99 executions and the broadcast's counters. */
const MAX_TRANSACTION_ITEMS = 100;
const MOVES_PER_TRANSACTION = MAX_TRANSACTION_ITEMS - 1;

/** The delivery fields a move sets or removes on an execution. */
const DELIVERY_FIELDS = ['deliveredAt', 'readAt', 'deliveryError'] as const;

/**
 * Delivery receipts on DynamoDB. An execution is found from its reference with one read (its key is in the
 * reference), and each change of its delivery status is one conditional update, in the same transaction as one update
 * of the broadcast's counters per transaction: counters and records move together, exactly once, whatever the
 * duplicates and the order of the receipts.
 *
 * Cost: an execution item is well under 1 KB, so a move is 2 write units (a transactional write counts twice), plus 2
 * units per transaction for the counters, shared by up to 99 moves of the same broadcast.
 */
export class DynamoDbDeliveryStatusRepository implements DeliveryStatusRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async readTargets(
    tenantId: string,
    references: readonly ExecutionReference[],
    options: { consistent: boolean },
  ): Promise<Map<string, ReceiptTarget>> {
    const items = await batchGet(
      this.client,
      this.tableName,
      references.map((reference) => executionKey(tenantId, reference)),
      { consistent: options.consistent },
    );
    const stored = new Map(items.map((item) => [`${item.pk}\n${item.sk}`, item as unknown as BroadcastExecution]));
    const targets = new Map<string, ReceiptTarget>();
    for (const reference of references) {
      const key = executionKey(tenantId, reference);
      const execution = stored.get(`${key.pk}\n${key.sk}`);
      // A forged reference may name a real execution's key with another id: not that execution.
      if (!execution || execution.id !== reference.executionId) continue;
      targets.set(formatExecutionReference(reference), {
        reference,
        status: execution.status,
        ...(execution.messageId === undefined ? {} : { messageId: execution.messageId }),
        delivery: {
          ...(execution.deliveryStatus === undefined ? {} : { deliveryStatus: execution.deliveryStatus }),
          ...(execution.deliveredAt === undefined ? {} : { deliveredAt: execution.deliveredAt }),
          ...(execution.readAt === undefined ? {} : { readAt: execution.readAt }),
          ...(execution.deliveryError === undefined ? {} : { deliveryError: execution.deliveryError }),
        },
      });
    }
    return targets;
  }

  async commitMoves(
    tenantId: string,
    broadcastId: string,
    moves: readonly ExecutionDeliveryMove[],
    now: string,
  ): Promise<ExecutionDeliveryMove[]> {
    const stale: ExecutionDeliveryMove[] = [];
    for (const part of chunks(moves, MOVES_PER_TRANSACTION)) {
      let pending = part;
      // Each round either commits or drops at least one move whose condition failed, so this ends.
      while (pending.length > 0) {
        const actions = [
          ...pending.map((move) => this.executionUpdate(tenantId, move, now)),
          this.countersUpdate(tenantId, broadcastId, pending, now),
        ];
        try {
          await transactWrite(this.client, actions);
          break;
        } catch (error) {
          const failed = failedConditions(error);
          if (!failed) throw error;
          stale.push(...pending.filter((_, index) => failed.has(index)));
          pending = pending.filter((_, index) => !failed.has(index));
        }
      }
    }
    return stale;
  }

  /** The execution moves only if it still holds the receipt's message id and the status the move was decided from. */
  private executionUpdate(tenantId: string, { reference, messageId, move }: ExecutionDeliveryMove, now: string) {
    const set = ['deliveryStatus = :to', 'updatedAt = :now'];
    const remove: string[] = [];
    const values: Record<string, unknown> = {
      ':to': move.to.deliveryStatus,
      ':now': now,
      ':mid': messageId,
      ':sent': 'sent',
    };
    for (const field of DELIVERY_FIELDS) {
      const value = move.to[field];
      if (value === undefined) {
        remove.push(field);
      } else {
        set.push(`${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    let condition = 'messageId = :mid AND #status = :sent AND ';
    if (move.from === undefined) {
      condition += 'attribute_not_exists(deliveryStatus)';
    } else {
      condition += 'deliveryStatus = :from';
      values[':from'] = move.from;
    }
    return {
      Update: {
        TableName: this.tableName,
        Key: executionKey(tenantId, reference),
        UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      },
    } satisfies TransactItem;
  }

  /** One update of the broadcast's counters for the whole transaction; ADD creates the item on the first receipt. */
  private countersUpdate(
    tenantId: string,
    broadcastId: string,
    moves: readonly ExecutionDeliveryMove[],
    now: string,
  ): TransactItem {
    const delta = moves.reduce<DeliveryCounters>((sum, { move }) => addCounters(sum, move.delta), NO_DELIVERY_COUNTS);
    return {
      Update: {
        TableName: this.tableName,
        Key: runKeys.receipts(tenantId, broadcastId),
        UpdateExpression:
          'ADD #delivered :delivered, #read :read, #failed :failed ' +
          'SET entity = :entity, tenantId = :tenant, broadcastId = :broadcast, updatedAt = :now',
        ExpressionAttributeNames: { '#delivered': 'delivered', '#read': 'read', '#failed': 'deliveryFailed' },
        ExpressionAttributeValues: {
          ':delivered': delta.delivered,
          ':read': delta.read,
          ':failed': delta.deliveryFailed,
          ':entity': 'broadcast_receipts',
          ':tenant': tenantId,
          ':broadcast': broadcastId,
          ':now': now,
        },
      },
    };
  }
}

/** A broadcast's delivery counters from its counters item (absent before its first receipt: all zero). */
export function deliveryCountersOf(item: Record<string, unknown> | undefined): DeliveryCounters {
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  return { delivered: count(item?.delivered), read: count(item?.read), deliveryFailed: count(item?.deliveryFailed) };
}

function executionKey(tenantId: string, reference: ExecutionReference): ItemKey {
  return {
    pk: executionKeys.chunkPartition(tenantId, reference.broadcastId, reference.chunk),
    sk: executionKeys.contactSortKey(reference.contactId),
  };
}
