import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BroadcastExecution, ExecutionStatus } from '../../domain/broadcast-execution.js';
import type { ExecutionRepository } from '../../ports/execution-repository.js';
import type { Page, PageRequest } from '../../ports/pagination.js';
import { isConditionFailure, withoutStorageAttributes } from './conditional.js';
import { EXECUTION_SHARDS, executionKeys } from './keys.js';
import { pagedQuery } from './paged-query.js';

const PARALLEL_WRITES = 25;

export class DynamoDbExecutionRepository implements ExecutionRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Conditional puts (BatchWriteItem cannot be conditional): a contact never gets a second execution. */
  async saveBatch(executions: readonly BroadcastExecution[]): Promise<void> {
    for (let i = 0; i < executions.length; i += PARALLEL_WRITES) {
      await Promise.all(
        executions.slice(i, i + PARALLEL_WRITES).map((execution) =>
          this.client
            .send(
              new PutCommand({
                TableName: this.tableName,
                Item: toItem(execution),
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            )
            .catch((error) => {
              if (!isConditionFailure(error)) throw error;
            }),
        ),
      );
    }
  }

  async save(execution: BroadcastExecution, expectedStatus: ExecutionStatus): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(execution),
          ConditionExpression: '#status = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':expected': expectedStatus },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async findByContact(tenantId: string, broadcastId: string, contactId: string) {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: executionKeys.byContact(tenantId, broadcastId, contactId) }),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  findByBroadcast(
    tenantId: string,
    broadcastId: string,
    page: PageRequest,
    status?: ExecutionStatus,
  ): Promise<Page<BroadcastExecution>> {
    return pagedQuery(
      this.client,
      {
        tableName: this.tableName,
        partitions: Array.from({ length: EXECUTION_SHARDS }, (_, shard) =>
          executionKeys.partition(tenantId, broadcastId, shard),
        ),
        toItem: fromItem,
        ...(status
          ? {
              filter: {
                FilterExpression: '#status = :status',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':status': status },
              },
            }
          : {}),
      },
      page,
    );
  }

  findPending(tenantId: string, broadcastId: string, page: PageRequest): Promise<Page<BroadcastExecution>> {
    return this.findByBroadcast(tenantId, broadcastId, page, 'pending');
  }
}

function toItem(execution: BroadcastExecution) {
  return {
    ...executionKeys.byContact(execution.tenantId, execution.broadcastId, execution.contactId),
    entity: 'execution',
    ...execution,
  };
}

function fromItem(raw: Record<string, unknown>): BroadcastExecution {
  return withoutStorageAttributes<BroadcastExecution>(raw);
}
