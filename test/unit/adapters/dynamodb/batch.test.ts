import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  batchGet,
  batchWrite,
  UNPROCESSED_RETRY,
  UnprocessedRequestsError,
} from '../../../../lib/adapters/dynamodb/batch.js';

const dynamoDbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const TABLE = 'broadcast-test';

/** The production policy with a sleep that records the pauses instead of waiting. */
function noWait() {
  const pauses: number[] = [];
  return { pauses, retry: { ...UNPROCESSED_RETRY, sleep: async (ms: number) => void pauses.push(ms) } };
}

const put = (n: number) => ({ PutRequest: { Item: { pk: 'P', sk: `S#${n}`, n } } });
const key = (n: number) => ({ pk: 'P', sk: `S#${n}` });

beforeEach(() => dynamoDbMock.reset());

describe('batchWrite', () => {
  it('sends again only the items DynamoDB left unprocessed, after a pause, until none is left', async () => {
    // Prepare
    const { pauses, retry } = noWait();
    dynamoDbMock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [put(2), put(3)] } })
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [put(3)] } })
      .resolves({ UnprocessedItems: {} });

    // Act
    await batchWrite(client, TABLE, [put(1), put(2), put(3)], { retry });

    // Assess
    const sent = dynamoDbMock.commandCalls(BatchWriteCommand).map((call) => call.args[0].input.RequestItems?.[TABLE]);
    expect(sent).toEqual([[put(1), put(2), put(3)], [put(2), put(3)], [put(3)]]);
    expect(pauses).toHaveLength(2);
    expect(pauses[0]).toBeGreaterThanOrEqual(25);
    expect(pauses[0]).toBeLessThanOrEqual(50);
  });

  it('throws UnprocessedRequestsError after 10 requests that all left items unprocessed', async () => {
    // Prepare
    const { pauses, retry } = noWait();
    dynamoDbMock.on(BatchWriteCommand).resolves({ UnprocessedItems: { [TABLE]: [put(1)] } });

    // Act
    const outcome = batchWrite(client, TABLE, [put(1), put(2)], { retry });

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(UnprocessedRequestsError);
    await expect(outcome).rejects.toThrow('BatchWriteItem kept returning unprocessed items');
    expect(dynamoDbMock).toHaveReceivedCommandTimes(BatchWriteCommand, 10);
    expect(pauses).toHaveLength(9);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(1000);
  });

  it('retries each chunk of 25 on its own', async () => {
    // Prepare
    const { retry } = noWait();
    const requests = Array.from({ length: 30 }, (_, n) => put(n));
    dynamoDbMock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [put(7)] } })
      .resolves({});

    // Act
    await batchWrite(client, TABLE, requests, { retry });

    // Assess
    const sizes = dynamoDbMock
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.[TABLE]?.length);
    expect(sizes).toEqual([25, 1, 5]);
  });
});

describe('batchWrite with concurrency', () => {
  it('keeps at most `concurrency` batches in flight and writes every item exactly once', async () => {
    // Prepare: each batch answers only after the test lets it, so the batches in flight can be counted.
    let inFlight = 0;
    let mostInFlight = 0;
    const written: unknown[] = [];
    dynamoDbMock.on(BatchWriteCommand).callsFake(async (input: { RequestItems: Record<string, unknown[]> }) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      written.push(...(input.RequestItems[TABLE] ?? []));
      inFlight--;
      return { UnprocessedItems: {} };
    });
    const items = Array.from({ length: 260 }, (_, n) => put(n));

    // Act
    await batchWrite(client, TABLE, items, { concurrency: 4 });

    // Assess: 11 batches (10 of 25 and one of 10), four at a time.
    expect(dynamoDbMock).toHaveReceivedCommandTimes(BatchWriteCommand, 11);
    expect(mostInFlight).toBe(4);
    expect(written).toHaveLength(260);
    expect(new Set(written.map((item) => JSON.stringify(item))).size).toBe(260);
  });
});

describe('batchGet', () => {
  it('reads again only the keys DynamoDB left unprocessed, with the same consistency, and returns every item', async () => {
    // Prepare
    const { pauses, retry } = noWait();
    dynamoDbMock
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { [TABLE]: [{ ...key(1), n: 1 }] }, UnprocessedKeys: { [TABLE]: { Keys: [key(2)] } } })
      .resolves({ Responses: { [TABLE]: [{ ...key(2), n: 2 }] }, UnprocessedKeys: {} });

    // Act
    const items = await batchGet(client, TABLE, [key(1), key(2), key(3)], { consistent: true, retry });

    // Assess
    expect(items).toEqual([
      { ...key(1), n: 1 },
      { ...key(2), n: 2 },
    ]);
    const calls = dynamoDbMock.commandCalls(BatchGetCommand);
    expect(calls.map((call) => call.args[0].input.RequestItems?.[TABLE])).toEqual([
      { Keys: [key(1), key(2), key(3)], ConsistentRead: true },
      { Keys: [key(2)], ConsistentRead: true },
    ]);
    expect(pauses).toHaveLength(1);
  });

  it('throws UnprocessedRequestsError after 10 requests that all left keys unprocessed', async () => {
    // Prepare
    const { pauses, retry } = noWait();
    dynamoDbMock
      .on(BatchGetCommand)
      .resolves({ Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: { Keys: [key(1)] } } });

    // Act
    const outcome = batchGet(client, TABLE, [key(1)], { retry });

    // Assess
    await expect(outcome).rejects.toThrow('BatchGetItem kept returning unprocessed keys');
    await expect(outcome).rejects.toBeInstanceOf(UnprocessedRequestsError);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(BatchGetCommand, 10);
    expect(pauses).toHaveLength(9);
  });

  it('propagates a failed request without retrying it (the SDK has retried it already)', async () => {
    // Prepare
    const { retry } = noWait();
    dynamoDbMock.on(BatchGetCommand).rejects(new Error('ProvisionedThroughputExceeded'));

    // Act
    const outcome = batchGet(client, TABLE, [key(1)], { retry });

    // Assess
    await expect(outcome).rejects.toThrow('ProvisionedThroughputExceeded');
    expect(dynamoDbMock).toHaveReceivedCommandTimes(BatchGetCommand, 1);
  });
});
