import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDbContactListRepository } from '../../../../lib/adapters/dynamodb/contact-list-repository.js';
import { TRANSACTION_CONFLICT_RETRY, transactWrite } from '../../../../lib/adapters/dynamodb/transactions.js';
import { NotFoundError } from '../../../../lib/domain/errors.js';
import { aStaticList } from '../../../support/builders.js';

const dynamoDbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const TABLE = 'broadcast-test';
const ITEMS = [
  { Put: { TableName: TABLE, Item: { pk: 'A', sk: 'A' }, ConditionExpression: 'attribute_not_exists(pk)' } },
  { Update: { TableName: TABLE, Key: { pk: 'B', sk: 'B' }, UpdateExpression: 'ADD n :one' } },
];

/** A cancelled transaction whose actions failed for `codes`, in order. */
function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

function noWait() {
  const pauses: number[] = [];
  return { pauses, policy: { ...TRANSACTION_CONFLICT_RETRY, sleep: async (ms: number) => void pauses.push(ms) } };
}

beforeEach(() => dynamoDbMock.reset());

describe('transactWrite', () => {
  it('runs the transaction again, after a pause, when it was cancelled only for a TransactionConflict', async () => {
    // Prepare
    const { pauses, policy } = noWait();
    dynamoDbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'TransactionConflict'))
      .rejectsOnce(cancelled('TransactionConflict', 'None'))
      .resolves({});

    // Act
    await transactWrite(client, ITEMS, policy);

    // Assess
    expect(dynamoDbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 3);
    for (const call of dynamoDbMock.commandCalls(TransactWriteCommand)) {
      expect(call.args[0].input.TransactItems).toEqual(ITEMS);
    }
    expect(pauses).toHaveLength(2);
    expect(pauses[0]).toBeGreaterThanOrEqual(25);
    expect(pauses[0]).toBeLessThanOrEqual(50);
  });

  it('throws the last TransactionCanceledException after 6 conflicting attempts', async () => {
    // Prepare
    const { pauses, policy } = noWait();
    const conflict = cancelled('TransactionConflict', 'None');
    dynamoDbMock.on(TransactWriteCommand).rejects(conflict);

    // Act
    const outcome = transactWrite(client, ITEMS, policy);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(TransactionCanceledException);
    await expect(outcome).rejects.toHaveProperty('CancellationReasons', conflict.CancellationReasons);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 6);
    expect(pauses).toHaveLength(5);
  });

  it.each([
    ['a failed condition', ['ConditionalCheckFailed', 'None']],
    ['a failed condition next to a conflict', ['ConditionalCheckFailed', 'TransactionConflict']],
    ['a reason other than a conflict', ['None', 'ValidationError']],
  ])('throws a cancellation for %s at once, as it is, for the caller to map', async (_, codes) => {
    // Prepare
    const { pauses, policy } = noWait();
    const refusal = cancelled(...codes);
    dynamoDbMock.on(TransactWriteCommand).rejects(refusal);

    // Act
    const outcome = transactWrite(client, ITEMS, policy);

    // Assess
    await expect(outcome).rejects.toHaveProperty('CancellationReasons', refusal.CancellationReasons);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(pauses).toEqual([]);
  });

  it('throws an error that is not a cancellation at once', async () => {
    // Prepare
    const { policy } = noWait();
    dynamoDbMock.on(TransactWriteCommand).rejects(new Error('socket hang up'));

    // Act
    const outcome = transactWrite(client, ITEMS, policy);

    // Assess
    await expect(outcome).rejects.toThrow('socket hang up');
    expect(dynamoDbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });
});

describe('a repository over transactWrite (DynamoDbContactListRepository.removeContact)', () => {
  const repository = new DynamoDbContactListRepository(client, TABLE);
  const list = aStaticList('t-1', { id: 'l-1' });

  it('rides out a TransactionConflict and removes the member', async () => {
    // Prepare
    dynamoDbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('TransactionConflict', 'None', 'None'))
      .resolves({});

    // Act
    const removed = await repository.removeContact(list, 'c-1');

    // Assess
    expect(removed).toBe(true);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('maps a failed condition as before, from the one attempt: no member is false, no list is NotFoundError', async () => {
    // Prepare
    dynamoDbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'ConditionalCheckFailed', 'None'))
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'None'));

    // Act
    const notMember = await repository.removeContact(list, 'c-1');
    const noList = repository.removeContact(list, 'c-1');

    // Assess
    expect(notMember).toBe(false);
    await expect(noList).rejects.toBeInstanceOf(NotFoundError);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });
});
