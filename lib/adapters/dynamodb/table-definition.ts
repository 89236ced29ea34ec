import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The single table's shape, shared by the local runtime (which creates it), the tests and the CDK
 * stack, so the three can never disagree.
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** Sparse index: only scheduled broadcasts carry its keys (seed: FindScheduledReady). */
export const SCHEDULED_DUE_INDEX = {
  name: 'scheduled-due',
  partitionKey: 'scheduledDuePk',
  sortKey: 'scheduledDueSk',
} as const;

/** Epoch seconds; items that carry it (idempotency and outbox records) expire on their own. */
export const TTL_ATTRIBUTE = 'expiresAt';

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    // The outbox: functions/event-publisher.ts derives the domain events from committed changes (the CDK table too).
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
      { AttributeName: SCHEDULED_DUE_INDEX.partitionKey, AttributeType: 'S' },
      { AttributeName: SCHEDULED_DUE_INDEX.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: SCHEDULED_DUE_INDEX.name,
        KeySchema: [
          { AttributeName: SCHEDULED_DUE_INDEX.partitionKey, KeyType: 'HASH' },
          { AttributeName: SCHEDULED_DUE_INDEX.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
