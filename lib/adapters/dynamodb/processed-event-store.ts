import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { EventClaim, ProcessedEventStore, TriggerOutcome } from '../../ports/processed-event-store.js';
import { isConditionFailure } from './conditional.js';
import type { ItemKey } from './keys.js';
import { TTL_ATTRIBUTE } from './table-definition.js';

/**
 * | processed automation event (idempotency) | GetItem/Put cond. | T#{t}#AUTOMATION_EVENT#{eventId} | EVENT |
 *
 * One small item per event, in a partition of its own (no hot key however many events arrive), expiring by TTL.
 */
export const processedEventKeys = {
  byId: (tenantId: string, eventId: string): ItemKey => ({
    pk: `T#${tenantId}#AUTOMATION_EVENT#${eventId}`,
    sk: 'EVENT',
  }),
};

export class DynamoDbProcessedEventStore implements ProcessedEventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(
    tenantId: string,
    eventId: string,
    lease: { nowMs: number; untilMs: number; expiresAtSeconds: number },
  ): Promise<EventClaim> {
    const key = processedEventKeys.byId(tenantId, eventId);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            entity: 'automation_event',
            state: 'processing',
            leaseUntil: lease.untilMs,
            [TTL_ATTRIBUTE]: lease.expiresAtSeconds,
          },
          // New, or a processor that died holding it: its lease ran out.
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :processing AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':processing': 'processing', ':now': lease.nowMs },
        }),
      );
      return { state: 'claimed' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    if (Item?.state === 'done') return { state: 'done', outcome: Item.outcome as TriggerOutcome };
    return { state: 'in_progress' };
  }

  async complete(tenantId: string, eventId: string, outcome: TriggerOutcome, expiresAtSeconds: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...processedEventKeys.byId(tenantId, eventId),
          entity: 'automation_event',
          state: 'done',
          outcome,
          [TTL_ATTRIBUTE]: expiresAtSeconds,
        },
      }),
    );
  }

  async release(tenantId: string, eventId: string): Promise<void> {
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: processedEventKeys.byId(tenantId, eventId),
          ConditionExpression: '#state = :processing',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':processing': 'processing' },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }
}
