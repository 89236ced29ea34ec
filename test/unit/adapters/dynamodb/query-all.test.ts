import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { queryAll } from '../../../../lib/adapters/dynamodb/query-all.js';

const dynamoDbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const QUERY = {
  TableName: 'broadcast-test',
  KeyConditionExpression: 'pk = :pk',
  ExpressionAttributeValues: { ':pk': 'P' },
};

const item = (n: number) => ({ pk: 'P', sk: `S#${n}` });

beforeEach(() => dynamoDbMock.reset());

describe('queryAll', () => {
  it('yields the items of every page, each page read from where the last one ended', async () => {
    // Prepare
    dynamoDbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(1), item(2)], LastEvaluatedKey: item(2) })
      .resolvesOnce({ Items: [], LastEvaluatedKey: item(2) })
      .resolvesOnce({ Items: [item(3)] });

    // Act
    const items: unknown[] = [];
    for await (const found of queryAll(client, QUERY)) items.push(found);

    // Assess
    expect(items).toEqual([item(1), item(2), item(3)]);
    const starts = dynamoDbMock.commandCalls(QueryCommand).map((call) => call.args[0].input.ExclusiveStartKey);
    expect(starts).toEqual([undefined, item(2), item(2)]);
    expect(dynamoDbMock).toHaveReceivedCommandWith(QueryCommand, QUERY);
  });

  it('reads no further page while the caller is still on this one', async () => {
    // Prepare
    dynamoDbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(1)], LastEvaluatedKey: item(1) })
      .resolvesOnce({ Items: [item(2)] });

    // Act
    const pages: number[] = [];
    for await (const _ of queryAll(client, QUERY)) pages.push(dynamoDbMock.commandCalls(QueryCommand).length);

    // Assess
    expect(pages).toEqual([1, 2]);
  });
});
