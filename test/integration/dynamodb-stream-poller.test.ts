import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { passesEventSourceFilter } from '../../lib/adapters/dynamodb/stream/derive-domain-events.js';
import { type RunningDynamoDbStreamPoller, startDynamoDbStreamPoller } from '../../local/dynamodb-stream-poller.js';
import { dynamoDbEndpoint, type TestTable, testTableForFile } from '../support/dynamodb.js';

// The local DynamoDB Streams event source: what reaches the handler is what the stage's event source would deliver.

const table: TestTable = testTableForFile({ stream: true });
const pollers: RunningDynamoDbStreamPoller[] = [];

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});

/** A poller on the file's table that keeps the entity of every record its handler is given, in order. */
async function pollerKeeping(filter?: (record: DynamoDBRecord) => boolean) {
  const handed: string[] = [];
  const poller = await startDynamoDbStreamPoller({
    endpoint: dynamoDbEndpoint(),
    tableName: table.tableName,
    pollIntervalMs: 50,
    handler: async (event: DynamoDBStreamEvent) => {
      for (const record of event.Records) handed.push(String(record.dynamodb?.NewImage?.entity?.S));
      return { batchItemFailures: [] };
    },
    ...(filter ? { filter } : {}),
  });
  pollers.push(poller);
  return { poller, handed };
}

async function putItems(prefix: string): Promise<void> {
  const items = [
    { pk: `T#acme#CONTACTS#0`, sk: `CONTACT#${prefix}1`, entity: 'contact' },
    { pk: 'T#acme#BROADCASTS', sk: `BROADCAST#${prefix}1`, entity: 'broadcast' },
    { pk: `T#acme#BROADCAST#${prefix}1#CHUNK#0`, sk: 'CONTACT#c1', entity: 'execution', status: 'sent' },
    { pk: `T#acme#BROADCAST#${prefix}1#CHUNK#0`, sk: '#LEASE', entity: 'chunk_lease' },
    { pk: `T#acme#BROADCAST#${prefix}1#RUN`, sk: 'RUN', entity: 'broadcast_run' },
  ];
  for (const Item of items) await table.client.send(new PutCommand({ TableName: table.tableName, Item }));
}

describe('the local stream poller', () => {
  it("hands the handler only the records the event source's filter lets through, in commit order", async () => {
    // Prepare
    const { poller, handed } = await pollerKeeping((record) =>
      passesEventSourceFilter(record, { perMessageEvents: false }),
    );

    // Act
    await putItems('a');
    await poller.drain();

    // Assess
    expect(handed).toEqual(['broadcast', 'broadcast_run']);
  });

  it('hands every record over when it has no filter', async () => {
    // Prepare
    const { poller, handed } = await pollerKeeping();

    // Act
    await putItems('b');
    await poller.drain();

    // Assess
    expect(handed).toEqual(['contact', 'broadcast', 'execution', 'chunk_lease', 'broadcast_run']);
  });
});
