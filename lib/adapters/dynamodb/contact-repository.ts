import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../../domain/contact.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { AudienceSegment } from '../../domain/plan-segments.js';
import {
  addressOf,
  type SuppressionKind,
  type SuppressionReason,
  sameAddress,
  withSuppression,
} from '../../domain/suppression.js';
import type { ContactQuery, ContactRepository, SuppressOutcome } from '../../ports/contact-repository.js';
import type { Page, PageRequest } from '../../ports/pagination.js';
import { batchGet } from './batch.js';
import { failedConditions, isConditionFailure, withoutStorageAttributes } from './conditional.js';
import { CONTACT_SHARDS, contactKeys, idFromSortKey, listKeys } from './keys.js';
import { pagedQuery } from './paged-query.js';
import { queryAll } from './query-all.js';
import { transactWrite } from './transactions.js';

export class DynamoDbContactRepository implements ContactRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(contact: Contact): Promise<void> {
    const put = { TableName: this.tableName, Item: toItem(contact), ConditionExpression: 'attribute_not_exists(pk)' };
    if (!contact.externalId) {
      await this.client.send(new PutCommand(put));
      return;
    }
    await this.transact([{ Put: put }, { Put: this.externalIdEntry(contact) }], contact);
  }

  /** Conditional on the stored contact being the one read, so a racing write (an opt-out) is never lost. */
  async replace(contact: Contact, previous: Contact): Promise<void> {
    const put = {
      TableName: this.tableName,
      Item: toItem(contact),
      ConditionExpression: 'updatedAt = :previous',
      ExpressionAttributeValues: { ':previous': previous.updatedAt },
    };
    if (contact.externalId === previous.externalId) {
      try {
        await this.client.send(new PutCommand(put));
      } catch (error) {
        if (isConditionFailure(error)) throw await this.replaceRefused(contact);
        throw error;
      }
      return;
    }
    const actions: Record<string, unknown>[] = [{ Put: put }];
    if (contact.externalId) actions.push({ Put: this.externalIdEntry(contact) });
    if (previous.externalId) {
      actions.push({
        Delete: {
          TableName: this.tableName,
          Key: contactKeys.byExternalId(contact.tenantId, previous.externalId),
          ConditionExpression: 'contactId = :id',
          ExpressionAttributeValues: { ':id': contact.id },
        },
      });
    }
    await this.transact(actions, contact);
  }

  private async replaceRefused(contact: Contact): Promise<Error> {
    if (!(await this.findById(contact.tenantId, contact.id))) return new NotFoundError('contact', contact.id);
    return new ConflictError('contact.concurrent_update', 'the contact changed meanwhile; read it again and retry');
  }

  async findById(tenantId: string, id: string): Promise<Contact | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: contactKeys.byId(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  async findByExternalId(tenantId: string, externalId: string): Promise<Contact | undefined> {
    const entry = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: contactKeys.byExternalId(tenantId, externalId),
        ConsistentRead: true,
      }),
    );
    return entry.Item ? this.findById(tenantId, entry.Item.contactId as string) : undefined;
  }

  async findByIds(
    tenantId: string,
    ids: readonly string[],
    options: { consistent?: boolean } = {},
  ): Promise<Contact[]> {
    const raws = await batchGet(
      this.client,
      this.tableName,
      ids.map((id) => contactKeys.byId(tenantId, id)),
      { consistent: options.consistent ?? true },
    );
    return raws.map(fromItem);
  }

  list(tenantId: string, page: PageRequest, query: ContactQuery = {}): Promise<Page<Contact>> {
    const conditions: string[] = [];
    const values: Record<string, unknown> = {};
    if (query.tag !== undefined) {
      conditions.push('contains(tags, :tag)');
      values[':tag'] = query.tag;
    }
    if (query.pipelineId !== undefined) {
      conditions.push('pipelineId = :pipelineId');
      values[':pipelineId'] = query.pipelineId;
    }
    if (query.statusId !== undefined) {
      conditions.push('statusId = :statusId');
      values[':statusId'] = query.statusId;
    }
    const filter =
      conditions.length > 0
        ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeValues: values }
        : undefined;
    return pagedQuery(
      this.client,
      {
        tableName: this.tableName,
        partitions: this.partitions(tenantId),
        toItem: fromItem,
        sortKeyFits: contactKeys.sortKeyInShard,
        ...(filter ? { filter } : {}),
      },
      page,
    );
  }

  listMatching(
    tenantId: string,
    page: PageRequest,
    accept: (contact: Contact) => boolean,
    segment?: AudienceSegment,
  ): Promise<Page<Contact>> {
    // A segment is the shards whose number falls to it: segment `index` of `count` reads shards index, index + count...
    const shards = Array.from({ length: CONTACT_SHARDS }, (_, shard) => shard).filter(
      (shard) => segment === undefined || shard % segment.count === segment.index,
    );
    return pagedQuery(
      this.client,
      {
        tableName: this.tableName,
        partitions: shards.map((shard) => contactKeys.partition(tenantId, shard)),
        toItem: fromItem,
        sortKeyFits: (sk, position) => contactKeys.sortKeyInShard(sk, shards[position] ?? -1),
        accept,
      },
      page,
    );
  }

  async suppress(
    tenantId: string,
    contactId: string,
    kind: SuppressionKind,
    reason: SuppressionReason,
    at: string,
    options: { address?: string } = {},
  ): Promise<SuppressOutcome> {
    for (let attempt = 0; attempt < SUPPRESS_ATTEMPTS; attempt++) {
      const contact = await this.findById(tenantId, contactId);
      if (!contact) return 'not_found';
      const address = addressOf(contact, kind);
      if (address === undefined) return 'no_address';
      if (options.address !== undefined && !sameAddress(kind, options.address, address)) return 'address_changed';
      const suppressions = withSuppression(contact.suppressions, kind, { reason, at, address });
      if (suppressions === undefined) return 'unchanged';
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: contactKeys.byId(tenantId, contactId),
            // Only these two attributes: the CRM's fields are not rewritten from a copy that may be stale.
            UpdateExpression: 'SET suppressions = :suppressions, updatedAt = :updatedAt',
            // On the contact as read: a PUT or another suppression in between makes this one read again.
            ConditionExpression: 'updatedAt = :read',
            ExpressionAttributeValues: {
              ':suppressions': suppressions,
              ':updatedAt': laterThan(contact.updatedAt, at),
              ':read': contact.updatedAt,
            },
          }),
        );
        return 'suppressed';
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new ConflictError('contact.concurrent_update', 'the contact kept changing while it was being suppressed');
  }

  async delete(contact: Contact): Promise<void> {
    const { tenantId, id } = contact;
    const memberships = queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': contactKeys.listMemberships(tenantId, id) },
    });
    for await (const membership of memberships) {
      await this.leaveList(tenantId, idFromSortKey(membership.sk as string), id);
    }
    if (contact.externalId) {
      await this.client
        .send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: contactKeys.byExternalId(tenantId, contact.externalId),
            ConditionExpression: 'contactId = :id',
            ExpressionAttributeValues: { ':id': id },
          }),
        )
        .catch((error) => {
          if (!isConditionFailure(error)) throw error;
        });
    }
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: contactKeys.byId(tenantId, id) }));
  }

  /** Removes one membership and keeps the list's count exact; a membership already gone is fine. */
  private async leaveList(tenantId: string, listId: string, contactId: string): Promise<void> {
    try {
      await transactWrite(this.client, [
        {
          Delete: {
            TableName: this.tableName,
            Key: listKeys.member(tenantId, listId, contactId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        { Delete: { TableName: this.tableName, Key: listKeys.membership(tenantId, listId, contactId) } },
        {
          Update: {
            TableName: this.tableName,
            Key: listKeys.byId(tenantId, listId),
            UpdateExpression: 'ADD contactCount :minusOne',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':minusOne': -1 },
          },
        },
      ]);
    } catch (error) {
      if (!failedConditions(error)) throw error;
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: listKeys.membership(tenantId, listId, contactId) }),
      );
    }
  }

  private partitions(tenantId: string): string[] {
    return Array.from({ length: CONTACT_SHARDS }, (_, shard) => contactKeys.partition(tenantId, shard));
  }

  private externalIdEntry(contact: Contact) {
    return {
      TableName: this.tableName,
      Item: {
        ...contactKeys.byExternalId(contact.tenantId, contact.externalId as string),
        entity: 'contact_external_id',
        contactId: contact.id,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  /** Runs a transaction whose put/delete of the external-id entry may lose a uniqueness race. */
  private async transact(actions: Record<string, unknown>[], contact: Contact): Promise<void> {
    try {
      await transactWrite(this.client, actions as never);
    } catch (error) {
      const failed = failedConditions(error);
      if (!failed) throw error;
      if (failed.has(0)) throw await this.replaceRefused(contact);
      throw new ConflictError(
        'contact.external_id_taken',
        `external_id ${contact.externalId} belongs to another contact`,
      );
    }
  }
}

/** Read, decide, write rounds of `suppress` before it gives up to concurrent writers (each round lost to a commit). */
const SUPPRESS_ATTEMPTS = 5;

/**
 * The contact's new `updatedAt`: the suppression's time, or just after the stored one when that is later, so the
 * value always changes and a PUT that read the contact before fails its condition (`updatedAt = <as read>`).
 */
function laterThan(stored: string, at: string): string {
  const next = Math.max(Date.parse(at), Date.parse(stored) + 1);
  return new Date(next).toISOString();
}

function toItem(contact: Contact) {
  return { ...contactKeys.byId(contact.tenantId, contact.id), entity: 'contact', ...contact };
}

function fromItem(raw: Record<string, unknown>): Contact {
  return withoutStorageAttributes<Contact>(raw);
}
