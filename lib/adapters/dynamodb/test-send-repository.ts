import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TEST_SEND_RETENTION_DAYS, type TestSend, type TestSendOutcome } from '../../domain/test-send.js';
import type { Page, PageRequest } from '../../ports/pagination.js';
import type { TestSendRepository, TestSendWindowState } from '../../ports/test-send-repository.js';
import { withoutStorageAttributes } from './conditional.js';
import { testSendKeys } from './keys.js';
import { pagedQuery } from './paged-query.js';
import { TTL_ATTRIBUTE } from './table-definition.js';
import { transactWrite } from './transactions.js';

const DAY_SECONDS = 24 * 3600;

/**
 * A broadcast's test sends (see testSendKeys): the limiter's window, one item holding the times of the last
 * admitted test sends under a version number, and one item per test send. Admission is one transaction: the window
 * moves from the version that was read to the next one (a conditional write, so two concurrent requests that read
 * the same window cannot both get in) together with the new test send, so every slot the window counts has its
 * item in the history. Both expire by TTL: the test sends after TEST_SEND_RETENTION_DAYS, the window a day after
 * its last test send (long after it holds anything that still counts).
 */
export class DynamoDbTestSendRepository implements TestSendRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async readWindow(tenantId: string, broadcastId: string): Promise<TestSendWindowState> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: testSendKeys.window(tenantId, broadcastId),
        ConsistentRead: true,
      }),
    );
    if (!Item) return { times: [], version: 0 };
    return { times: (Item.times as number[] | undefined) ?? [], version: Item.version as number };
  }

  async admit(testSend: TestSend, window: { readVersion: number; times: number[] }): Promise<boolean> {
    const createdAtSeconds = Math.floor(Date.parse(testSend.createdAt) / 1000);
    const windowItem = {
      ...testSendKeys.window(testSend.tenantId, testSend.broadcastId),
      entity: 'test_send_window',
      times: window.times,
      version: window.readVersion + 1,
      [TTL_ATTRIBUTE]: createdAtSeconds + DAY_SECONDS,
    };
    try {
      await transactWrite(this.client, [
        {
          Put: {
            TableName: this.tableName,
            Item: windowItem,
            ...(window.readVersion === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :read',
                  ExpressionAttributeValues: { ':read': window.readVersion },
                }),
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: { ...toItem(testSend), [TTL_ATTRIBUTE]: createdAtSeconds + TEST_SEND_RETENTION_DAYS * DAY_SECONDS },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
      return true;
    } catch (error) {
      // A failed condition (the window moved on) or a conflict that outlasted the retries: nothing was written.
      if (isCancelled(error)) return false;
      throw error;
    }
  }

  async complete(testSend: TestSend, outcome: TestSendOutcome, updatedAt: string): Promise<TestSend> {
    const set = ['#status = :status', 'updatedAt = :now'];
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':status': outcome.status, ':now': updatedAt };
    for (const field of ['messageId', 'error', 'failure'] as const) {
      const value = outcome[field];
      if (value === undefined) continue;
      set.push(`#${field} = :${field}`);
      names[`#${field}`] = field;
      values[`:${field}`] = value;
    }
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: testSendKeys.byId(testSend.tenantId, testSend.broadcastId, testSend.createdAt, testSend.id),
        UpdateExpression: `SET ${set.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return fromItem(Attributes ?? {});
  }

  list(tenantId: string, broadcastId: string, page: PageRequest): Promise<Page<TestSend>> {
    return pagedQuery(
      this.client,
      {
        tableName: this.tableName,
        partitions: [testSendKeys.partition(tenantId, broadcastId)],
        sortKeyPrefix: testSendKeys.sortPrefix,
        descending: true,
        toItem: fromItem,
      },
      page,
    );
  }
}

function isCancelled(error: unknown): boolean {
  return error instanceof TransactionCanceledException || (error as Error)?.name === 'TransactionCanceledException';
}

function toItem(testSend: TestSend) {
  return {
    ...testSendKeys.byId(testSend.tenantId, testSend.broadcastId, testSend.createdAt, testSend.id),
    entity: 'test_send',
    ...testSend,
  };
}

function fromItem(raw: Record<string, unknown>): TestSend {
  const { [TTL_ATTRIBUTE]: _expiresAt, ...rest } = raw;
  return withoutStorageAttributes<TestSend>(rest);
}
