import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  DynamoDbBroadcastRunRepository,
  runItem,
  SlotContentionError,
} from '../../../../lib/adapters/dynamodb/broadcast-run-repository.js';
import { DynamoDbChannelRepository } from '../../../../lib/adapters/dynamodb/channel-repository.js';
import { DynamoDbContactListRepository } from '../../../../lib/adapters/dynamodb/contact-list-repository.js';
import { listKeys } from '../../../../lib/adapters/dynamodb/keys.js';
import { newRun } from '../../../../lib/domain/broadcast-run.js';
import type { Channel } from '../../../../lib/domain/channel.js';
import { ConflictError, NotFoundError } from '../../../../lib/domain/errors.js';
import { aStaticList } from '../../../support/builders.js';
import { testSecretBox } from '../../../support/secrets.js';

/**
 * The "lost a race: read again and retry" loops of the repositories, against a mocked DynamoDB that makes
 * the race happen on cue. Their pauses are the production ones (tens of milliseconds at most), or none.
 */
const dynamoDbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const TABLE = 'broadcast-test';

function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

beforeEach(() => dynamoDbMock.reset());

describe('DynamoDbChannelRepository: a write that loses the race for the default pointer', () => {
  const repository = new DynamoDbChannelRepository(client, TABLE, testSecretBox());
  const channel: Channel = {
    id: 'ch-1',
    tenantId: 't-1',
    name: 'Webhook',
    type: 'log',
    config: {},
    requiredAddress: 'any',
    isDefault: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };

  it('reads the pointer again and retries', async () => {
    // Prepare: no pointer yet; another channel's creation takes it between the read and the commit
    dynamoDbMock.on(GetCommand).resolves({});
    dynamoDbMock.on(TransactWriteCommand).rejectsOnce(cancelled('None', 'ConditionalCheckFailed')).resolves({});

    // Act
    await repository.create(channel);

    // Assess
    expect(dynamoDbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(GetCommand, 2);
  });

  it('gives up with ConflictError after 8 lost races', async () => {
    // Prepare
    dynamoDbMock.on(GetCommand).resolves({});
    dynamoDbMock.on(TransactWriteCommand).rejects(cancelled('None', 'TransactionConflict'));

    // Act
    const outcome = repository.create(channel);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ConflictError);
    await expect(outcome).rejects.toHaveProperty('code', 'channel.concurrent_update');
    await expect(outcome).rejects.toThrow('your channels kept changing meanwhile; retry');
    expect(dynamoDbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 8);
  });

  it('maps its own item failing its condition at once: NotFoundError on update, ConflictError on create', async () => {
    // Prepare
    dynamoDbMock.on(GetCommand).resolves({});
    dynamoDbMock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    // Act
    const updated = repository.update(channel);
    const created = repository.create(channel);

    // Assess
    await expect(updated).rejects.toBeInstanceOf(NotFoundError);
    await expect(created).rejects.toThrow('channel ch-1 already exists');
    expect(dynamoDbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });
});

describe('DynamoDbContactListRepository.addContacts: a chunk a concurrent add got to first', () => {
  const repository = new DynamoDbContactListRepository(client, TABLE);
  const list = aStaticList('t-1', { id: 'l-1' });
  const member = (contactId: string) => listKeys.member(list.tenantId, list.id, contactId);
  const memberPuts = () =>
    dynamoDbMock
      .commandCalls(TransactWriteCommand)
      .map((call) =>
        (call.args[0].input.TransactItems ?? []).filter((item) => item.Put?.Item?.entity === 'list_member'),
      );

  it('is examined again, and only the ids still missing are added and counted', async () => {
    // Prepare: c-1 turns up as a member between the read and the transaction
    dynamoDbMock
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { [TABLE]: [] } })
      .resolves({ Responses: { [TABLE]: [member('c-1')] } });
    dynamoDbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'ConditionalCheckFailed', 'None'))
      .resolves({});

    // Act
    const added = await repository.addContacts(list, ['c-1', 'c-2']);

    // Assess
    expect(added).toBe(1);
    expect(memberPuts().map((puts) => puts.length)).toEqual([2, 1]);
    expect(memberPuts()[1]?.[0]?.Put?.Item).toMatchObject(member('c-2'));
  });

  it('throws the cancellation after 6 lost races', async () => {
    // Prepare
    dynamoDbMock.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
    dynamoDbMock.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));

    // Act
    const outcome = repository.addContacts(list, ['c-1']);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 6);
  });

  it('throws NotFoundError at once when the list itself is gone', async () => {
    // Prepare
    dynamoDbMock.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
    dynamoDbMock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));

    // Act
    const outcome = repository.addContacts(list, ['c-1']);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(NotFoundError);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });
});

describe('DynamoDbBroadcastRunRepository.allocateSlots: a slot clock another sender moved', () => {
  const repository = new DynamoDbBroadcastRunRepository(client, TABLE);
  const run = newRun('t-1', 'b-1', 600, new Date('2026-01-01T00:00:00.000Z'));
  const moved = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

  it('is read again and the slots are taken after the ones the other sender got', async () => {
    // Prepare
    dynamoDbMock.on(UpdateCommand).rejectsOnce(moved()).resolves({});
    dynamoDbMock.on(GetCommand).resolves({ Item: runItem({ ...run, nextSlot: 5 }) });

    // Act
    await repository.allocateSlots(run, 2, Date.parse('2026-01-01T00:01:00.000Z'));

    // Assess
    const expected = dynamoDbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues);
    expect(expected.map((values) => values?.[':expected'])).toEqual([run.nextSlot, 5]);
    expect(expected[1]?.[':next']).toBe(7);
  });

  it('gives up with SlotContentionError after 10 attempts', async () => {
    // Prepare
    dynamoDbMock.on(UpdateCommand).rejects(moved());
    dynamoDbMock.on(GetCommand).resolves({ Item: runItem(run) });

    // Act
    const outcome = repository.allocateSlots(run, 2, Date.parse('2026-01-01T00:01:00.000Z'));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(SlotContentionError);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(UpdateCommand, 10);
  });
});
