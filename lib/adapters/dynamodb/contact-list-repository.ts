import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ContactList } from '../../domain/contact-list.js';
import { NotFoundError } from '../../domain/errors.js';
import type { AudienceSegment } from '../../domain/plan-segments.js';
import type { ContactListRepository } from '../../ports/contact-list-repository.js';
import type { Page, PageRequest } from '../../ports/pagination.js';
import { type RetryPolicy, retry } from '../../retry.js';
import { batchGet, batchWrite, chunks } from './batch.js';
import { failedConditions, isConditionFailure, withoutStorageAttributes } from './conditional.js';
import { idFromSortKey, listKeys } from './keys.js';
import { pagedQuery } from './paged-query.js';
import { transactWrite } from './transactions.js';

/** Two items per member (list side and contact side) plus the count update fit in one 100-action transaction. */
const MEMBERS_PER_TRANSACTION = 49;
/**
 * Tries of a chunk whose members a concurrent add wrote first. No pause: that add has committed, so the
 * re-examination at once sees its members and skips them.
 */
const LOST_ADD_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 0 };

/**
 * On the list item: bumped in the same transaction as every write of a broadcast that names the list
 * (listReferenceUpdate), and the list's delete is conditional on it. Of a broadcast written on the list and the list's
 * deletion, exactly one therefore wins, whatever their timing (docs/design.md section 4).
 */
const REFERENCE_MARK = 'referenceMark';

/** The update, inside a broadcast's write, that marks its list as used; it fails its condition when the list is gone. */
export function listReferenceUpdate(tableName: string, tenantId: string, listId: string) {
  return {
    TableName: tableName,
    Key: listKeys.byId(tenantId, listId),
    UpdateExpression: `ADD ${REFERENCE_MARK} :one`,
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':one': 1 },
  };
}

export class DynamoDbContactListRepository implements ContactListRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The list is written first with a zero count, then members are added as by addContacts, so the count is exact. */
  async create(list: ContactList, contactIds: readonly string[]): Promise<void> {
    const item = { ...toItem(list), ...(list.isDynamic ? {} : { contactCount: 0 }) };
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    if (!list.isDynamic && contactIds.length > 0) await this.addContacts(list, contactIds);
  }

  async findById(tenantId: string, id: string): Promise<ContactList | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: listKeys.byId(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  list(tenantId: string, page: PageRequest): Promise<Page<ContactList>> {
    return pagedQuery(
      this.client,
      {
        tableName: this.tableName,
        partitions: [listKeys.partition(tenantId)],
        sortKeyPrefix: listKeys.sortPrefix,
        toItem: fromItem,
      },
      page,
    );
  }

  /** Sets only the editable attributes, so a concurrent add or remove never has its count overwritten. */
  async update(list: ContactList): Promise<void> {
    const set = ['#name = :name', 'tags = :tags', 'updatedAt = :updatedAt'];
    const remove: string[] = [];
    const values: Record<string, unknown> = { ':name': list.name, ':tags': list.tags, ':updatedAt': list.updatedAt };
    if (list.description === undefined) remove.push('description');
    else {
      set.push('description = :description');
      values[':description'] = list.description;
    }
    if (list.filters) {
      set.push('filters = :filters');
      values[':filters'] = list.filters;
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: listKeys.byId(list.tenantId, list.id),
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new NotFoundError('contact_list', list.id);
      throw error;
    }
  }

  async referenceMark(tenantId: string, id: string): Promise<number | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: listKeys.byId(tenantId, id),
        ProjectionExpression: `pk, ${REFERENCE_MARK}`,
        ConsistentRead: true,
      }),
    );
    return result.Item ? ((result.Item[REFERENCE_MARK] as number | undefined) ?? 0) : undefined;
  }

  /**
   * The list item first, conditionally, then the memberships: a crash in between leaves memberships of a list that is
   * gone, which a contact's deletion clears (contact-repository.ts), rather than a list with members missing.
   */
  async delete(list: ContactList, referenceMark: number): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: listKeys.byId(list.tenantId, list.id),
          ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(${REFERENCE_MARK}) OR ${REFERENCE_MARK} = :mark)`,
          ExpressionAttributeValues: { ':mark': referenceMark },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    if (!list.isDynamic) {
      let cursor: string | undefined;
      do {
        const page = await this.listMemberIds(list, { limit: 1000, ...(cursor ? { cursor } : {}) });
        await batchWrite(
          this.client,
          this.tableName,
          page.items.flatMap((contactId) => [
            { DeleteRequest: { Key: listKeys.member(list.tenantId, list.id, contactId) } },
            { DeleteRequest: { Key: listKeys.membership(list.tenantId, list.id, contactId) } },
          ]),
        );
        cursor = page.nextCursor;
      } while (cursor);
    }
    return true;
  }

  /**
   * Finds which ids are not members yet, then writes them with the count increment in one transaction
   * per chunk. A chunk that loses a race with a concurrent add is re-examined, so nothing is counted twice.
   */
  async addContacts(list: ContactList, contactIds: readonly string[]): Promise<number> {
    let added = 0;
    for (const chunk of chunks([...new Set(contactIds)], MEMBERS_PER_TRANSACTION)) {
      added += await retry(() => this.addNewMembers(list, chunk), {
        ...LOST_ADD_RETRY,
        retryable: (error) => failedConditions(error) !== undefined,
      });
    }
    return added;
  }

  /** Adds the ids of `chunk` that are not members yet, and says how many; a concurrent add that won throws. */
  private async addNewMembers(list: ContactList, chunk: readonly string[]): Promise<number> {
    const existing = await batchGet(
      this.client,
      this.tableName,
      chunk.map((contactId) => listKeys.member(list.tenantId, list.id, contactId)),
      { consistent: true },
    );
    const members = new Set(existing.map((item) => idFromSortKey(item.sk as string)));
    const fresh = chunk.filter((contactId) => !members.has(contactId));
    if (fresh.length === 0) return 0;
    try {
      await transactWrite(this.client, this.addActions(list, fresh));
      return fresh.length;
    } catch (error) {
      if (failedConditions(error)?.has(0)) throw new NotFoundError('contact_list', list.id);
      throw error;
    }
  }

  async removeContact(list: ContactList, contactId: string): Promise<boolean> {
    try {
      await transactWrite(this.client, [
        {
          Update: {
            TableName: this.tableName,
            Key: listKeys.byId(list.tenantId, list.id),
            UpdateExpression: 'ADD contactCount :minusOne',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':minusOne': -1 },
          },
        },
        {
          Delete: {
            TableName: this.tableName,
            Key: listKeys.member(list.tenantId, list.id, contactId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        { Delete: { TableName: this.tableName, Key: listKeys.membership(list.tenantId, list.id, contactId) } },
      ]);
      return true;
    } catch (error) {
      const failed = failedConditions(error);
      if (!failed) throw error;
      if (failed.has(0)) throw new NotFoundError('contact_list', list.id);
      return false;
    }
  }

  async listMemberIds(list: ContactList, page: PageRequest, segment?: AudienceSegment): Promise<Page<string>> {
    return pagedQuery(
      this.client,
      {
        tableName: this.tableName,
        partitions: [listKeys.membersPartition(list.tenantId, list.id)],
        toItem: (raw) => idFromSortKey(raw.sk as string),
        ...(segment
          ? { sortKeyRange: listKeys.memberSegment(segment.index, segment.count) }
          : { sortKeyFits: (sk: string) => sk.startsWith('CONTACT#') }),
      },
      page,
    );
  }

  private addActions(list: ContactList, contactIds: readonly string[]) {
    return [
      {
        Update: {
          TableName: this.tableName,
          Key: listKeys.byId(list.tenantId, list.id),
          UpdateExpression: 'ADD contactCount :added',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':added': contactIds.length },
        },
      },
      ...contactIds.flatMap((contactId) => [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...listKeys.member(list.tenantId, list.id, contactId), entity: 'list_member' },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: { ...listKeys.membership(list.tenantId, list.id, contactId), entity: 'list_membership' },
          },
        },
      ]),
    ];
  }
}

function toItem(list: ContactList) {
  return { ...listKeys.byId(list.tenantId, list.id), entity: 'contact_list', ...list };
}

function fromItem(raw: Record<string, unknown>): ContactList {
  const { [REFERENCE_MARK]: _mark, ...list } = withoutStorageAttributes<Record<string, unknown>>(raw);
  return list as unknown as ContactList;
}
