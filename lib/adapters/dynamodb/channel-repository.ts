import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../../domain/channel.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { ChannelRepository } from '../../ports/channel-repository.js';
import type { Page, PageRequest } from '../../ports/pagination.js';
import type { SecretBox } from '../../ports/secret-box.js';
import { type RetryPolicy, retry } from '../../retry.js';
import { openCredentials, sealCredentials, withheldConfig } from './channel-credentials.js';
import { isConditionFailure, withoutStorageAttributes } from './conditional.js';
import { channelKeys } from './keys.js';
import { pagedQuery } from './paged-query.js';
import { transactWrite } from './transactions.js';

/** Tries of a write whose default pointer concurrent writes keep moving between its read and its commit. */
const POINTER_RACE_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 10, maxDelayMs: 80 };

/** No tenant id is empty (see the HTTP layer's tenant check): the channel key read for an id nobody owns. */
const NO_TENANT = '';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * Channels, one item each under `T#{tenant}#CHANNELS`, plus a `DEFAULT` pointer item naming the tenant's
 * default channel. The pointer is the arbiter of "at most one default": every write that touches a
 * channel's `isDefault` is one transaction that also writes (or checks) the pointer under a condition on
 * the value that was read, and un-defaults the previous default. Two racing writers cannot both commit;
 * the loser reads the pointer again and retries, so the stored `isDefault` flags always agree with it.
 *
 * Credentials are sealed by `secrets` on the way in and withheld on the way out (channel-credentials.ts): the item,
 * and so the stream, backups and DynamoDB Local's files, never hold one in clear.
 */
export class DynamoDbChannelRepository implements ChannelRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly secrets: SecretBox,
  ) {}

  async create(channel: Channel): Promise<void> {
    const item = await this.toItem(channel);
    if (!channel.isDefault) {
      // A new id cannot be the pointer's target, so no guard is needed; the tenant index comes with the channel.
      await transactWrite(this.client, [
        { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
        this.putTenantIndex(channel),
      ]);
      return;
    }
    await this.writeWithPointer(channel, item, 'attribute_not_exists(pk)');
  }

  openCredentials(channel: Channel): Promise<Channel> {
    return openCredentials(this.secrets, channel);
  }

  async findById(tenantId: string, id: string): Promise<Channel | undefined> {
    return this.read(tenantId, id, true);
  }

  /**
   * Two reads whether or not the id is known: the tenant index, then the channel (under a key no tenant has when the
   * index names none), so an unknown id costs and answers like a known one.
   */
  async findByIdInAnyTenant(id: string, options: { consistent: boolean }): Promise<Channel | undefined> {
    const index = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: channelKeys.tenantOf(id), ConsistentRead: options.consistent }),
    );
    const tenantId = typeof index.Item?.tenantId === 'string' ? index.Item.tenantId : undefined;
    const channel = await this.read(tenantId ?? NO_TENANT, id, options.consistent);
    return tenantId === undefined ? undefined : channel;
  }

  private async read(tenantId: string, id: string, consistent: boolean): Promise<Channel | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: channelKeys.byId(tenantId, id), ConsistentRead: consistent }),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  list(tenantId: string, page: PageRequest): Promise<Page<Channel>> {
    return pagedQuery(
      this.client,
      {
        tableName: this.tableName,
        partitions: [channelKeys.partition(tenantId)],
        sortKeyPrefix: channelKeys.sortPrefix,
        toItem: fromItem,
      },
      page,
    );
  }

  /** The pointer's target; read again when the target changed between the two reads. */
  async findDefault(tenantId: string): Promise<Channel | undefined> {
    for (let round = 0; round < 3; round++) {
      const id = await this.readPointer(tenantId);
      if (!id) return undefined;
      const channel = await this.findById(tenantId, id);
      if (channel?.isDefault) return channel;
    }
    return undefined;
  }

  /** Replaces the channel; NotFoundError when it no longer exists. */
  async update(channel: Channel): Promise<void> {
    await this.writeWithPointer(channel, await this.toItem(channel), 'attribute_exists(pk)');
  }

  /** Deletes the channel, and the pointer with it when it was the default. NotFoundError when it is gone. */
  async delete(channel: Channel): Promise<void> {
    const key = channelKeys.byId(channel.tenantId, channel.id);
    await this.withRetries(channel, async () => {
      const current = await this.readPointer(channel.tenantId);
      return [
        { Delete: { TableName: this.tableName, Key: key, ConditionExpression: 'attribute_exists(pk)' } },
        { Delete: { TableName: this.tableName, Key: channelKeys.tenantOf(channel.id) } },
        current === channel.id
          ? {
              Delete: {
                TableName: this.tableName,
                Key: channelKeys.defaultPointer(channel.tenantId),
                ConditionExpression: 'channelId = :id',
                ExpressionAttributeValues: { ':id': channel.id },
              },
            }
          : this.pointerIsNot(channel),
      ];
    });
  }

  /**
   * Puts the channel item (under `condition`) together with what keeps the pointer in agreement:
   * - becoming the default: the pointer moves from the value read to this channel, and the previous
   *   default (if any) gets `isDefault: false`, all in one transaction;
   * - staying the default: the pointer must still name this channel;
   * - no longer the default: the pointer is deleted, if it named this channel;
   * - not the default: the pointer must not name this channel (a racing write may have just made it so).
   */
  private async writeWithPointer(channel: Channel, item: Record<string, unknown>, condition: string): Promise<void> {
    const pointerKey = channelKeys.defaultPointer(channel.tenantId);
    await this.withRetries(channel, async () => {
      const current = await this.readPointer(channel.tenantId);
      const actions: TransactItem[] = [
        { Put: { TableName: this.tableName, Item: item, ConditionExpression: condition } },
        // Rewritten by every update too: a channel created before the index existed gets it by being saved again.
        this.putTenantIndex(channel),
      ];
      if (channel.isDefault && current === channel.id) {
        actions.push({
          ConditionCheck: {
            TableName: this.tableName,
            Key: pointerKey,
            ConditionExpression: 'channelId = :id',
            ExpressionAttributeValues: { ':id': channel.id },
          },
        });
      } else if (channel.isDefault) {
        actions.push({
          Put: {
            TableName: this.tableName,
            Item: { ...pointerKey, entity: 'channel_default', channelId: channel.id, updatedAt: channel.updatedAt },
            ...(current
              ? { ConditionExpression: 'channelId = :previous', ExpressionAttributeValues: { ':previous': current } }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        });
        // Un-default the previous default; a pointer left dangling by hand is simply taken over.
        if (current && (await this.findById(channel.tenantId, current))) {
          actions.push({
            Update: {
              TableName: this.tableName,
              Key: channelKeys.byId(channel.tenantId, current),
              UpdateExpression: 'SET isDefault = :false, updatedAt = :now',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':false': false, ':now': channel.updatedAt },
            },
          });
        }
      } else if (current === channel.id) {
        actions.push({
          Delete: {
            TableName: this.tableName,
            Key: pointerKey,
            ConditionExpression: 'channelId = :id',
            ExpressionAttributeValues: { ':id': channel.id },
          },
        });
      } else {
        actions.push(this.pointerIsNot(channel));
      }
      return actions;
    });
  }

  /** The item of a channel, its credentials sealed: once per write, not once per retry of the pointer race. */
  private async toItem(channel: Channel): Promise<Record<string, unknown>> {
    return {
      ...channelKeys.byId(channel.tenantId, channel.id),
      entity: 'channel',
      ...channel,
      ...(await sealCredentials(this.secrets, channel)),
    };
  }

  private putTenantIndex(channel: Channel): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...channelKeys.tenantOf(channel.id),
          entity: 'channel_tenant',
          channelId: channel.id,
          tenantId: channel.tenantId,
        },
      },
    };
  }

  private pointerIsNot(channel: Channel): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: channelKeys.defaultPointer(channel.tenantId),
        ConditionExpression: 'attribute_not_exists(pk) OR channelId <> :id',
        ExpressionAttributeValues: { ':id': channel.id },
      },
    };
  }

  /**
   * Runs the transaction `plan` builds from a fresh read of the pointer. The first action is always the
   * channel's own item: its condition failing means the channel is not there (or, on create, already is).
   * Any other cancellation is a lost race on the pointer: read again and retry.
   */
  private async withRetries(channel: Channel, plan: () => Promise<TransactItem[]>): Promise<void> {
    await retry(
      async () => {
        const actions = await plan();
        try {
          await this.client.send(new TransactWriteCommand({ TransactItems: actions }));
        } catch (error) {
          if (cancellationReasons(error)?.[0] !== 'ConditionalCheckFailed') throw error;
          if (actions[0]?.Put?.ConditionExpression === 'attribute_not_exists(pk)') {
            throw new ConflictError('channel.concurrent_update', `channel ${channel.id} already exists`);
          }
          throw new NotFoundError('channel', channel.id);
        }
      },
      {
        ...POINTER_RACE_RETRY,
        retryable: (error) => cancellationReasons(error) !== undefined,
        exhausted: () => new ConflictError('channel.concurrent_update', 'your channels kept changing meanwhile; retry'),
      },
    );
  }

  private async readPointer(tenantId: string): Promise<string | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: channelKeys.defaultPointer(tenantId), ConsistentRead: true }),
    );
    return result.Item?.channelId as string | undefined;
  }
}

/** The reason code of each action of a cancelled transaction, or undefined when the error is not that. */
function cancellationReasons(error: unknown): (string | undefined)[] | undefined {
  if ((error as Error)?.name !== 'TransactionCanceledException') {
    // A single-action write reports a plain condition failure; treat it like a cancelled first action.
    return isConditionFailure(error) ? ['ConditionalCheckFailed'] : undefined;
  }
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => (reason.Code === 'None' ? undefined : reason.Code));
}

/** A channel as read: its sealed credentials withheld, any stored in clear before they were sealed read as they are. */
function fromItem(raw: Record<string, unknown>): Channel {
  const { credentials, ...channel } = withoutStorageAttributes<Channel & { credentials?: unknown }>(raw);
  return { ...channel, config: withheldConfig(channel, { config: channel.config, credentials }) };
}
