import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError } from '../../domain/errors.js';
import type { Page, PageRequest } from '../../ports/pagination.js';
import { type Cursor, decodeCursor, encodeCursor } from './cursor.js';

/** Items examined per request at most, so a very selective filter answers a short page instead of timing out. */
export const MAX_EXAMINED_PER_PAGE = 5000;

export interface PagedQuery<T> {
  tableName: string;
  /** The partitions to walk, in order (one for most collections, one per shard for sharded ones). */
  partitions: readonly string[];
  sortKeyPrefix?: string;
  /** Only sort keys from `from` up to, not including, `below` (instead of a prefix). */
  sortKeyRange?: { from: string; below: string };
  /** Walk each partition from its highest sort key down (e.g. newest first, for time-ordered sort keys). */
  descending?: boolean;
  /** Pushed down to DynamoDB: fewer bytes on the wire, same read cost. */
  filter?: Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;
  toItem: (raw: Record<string, unknown>) => T;
  /** Strongly consistent reads: the page shows every write that committed before the query. */
  consistent?: boolean;
  /** Evaluated in code after the push-down filter. */
  accept?: (item: T) => boolean;
  /**
   * Whether a sort key can be a position this query issued in partition number `partition`. By default: it starts
   * with sortKeyPrefix, when the query has one. See positionFits.
   */
  sortKeyFits?: (sortKey: string, partition: number) => boolean;
}

/** The push-down filter that keeps the items in `status`; none when no status is asked for. */
export function statusFilter(status: string | undefined): PagedQuery<unknown>['filter'] {
  if (!status) return undefined;
  return {
    FilterExpression: '#status = :status',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':status': status },
  };
}

/**
 * Walks the partitions in order and returns up to `limit` accepted items. The cursor names the last
 * item examined, so the next page starts right after it, whatever was filtered out in between.
 */
export async function pagedQuery<T>(
  client: DynamoDBDocumentClient,
  query: PagedQuery<T>,
  page: PageRequest,
): Promise<Page<T>> {
  const cursor = decodeCursor(page.cursor);
  if (cursor && !positionFits(query, cursor)) throw new InvalidCursorError();
  const items: T[] = [];
  let examined = 0;
  let partition = cursor?.s ?? 0;
  let startAfter = cursor?.k;
  const last = query.partitions.length - 1;
  while (partition <= last) {
    const pk = query.partitions[partition] as string;
    const result = await client.send(
      new QueryCommand({
        TableName: query.tableName,
        KeyConditionExpression: keyCondition(query),
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(query.sortKeyPrefix ? { ':prefix': query.sortKeyPrefix } : {}),
          ...(query.sortKeyRange ? { ':from': query.sortKeyRange.from, ':below': query.sortKeyRange.below } : {}),
          ...query.filter?.ExpressionAttributeValues,
        },
        ...(query.filter?.ExpressionAttributeNames
          ? { ExpressionAttributeNames: query.filter.ExpressionAttributeNames }
          : {}),
        ...(query.filter?.FilterExpression ? { FilterExpression: query.filter.FilterExpression } : {}),
        ...(startAfter ? { ExclusiveStartKey: { pk, sk: startAfter } } : {}),
        ...(query.descending ? { ScanIndexForward: false } : {}),
        ...(query.consistent ? { ConsistentRead: true } : {}),
        // One more than needed tells, without another request, whether a next page exists.
        Limit: Math.min(page.limit - items.length + 1, MAX_EXAMINED_PER_PAGE - examined),
      }),
    );
    const raws = result.Items ?? [];
    for (const [index, raw] of raws.entries()) {
      // BETWEEN includes its upper bound, the range does not.
      if (raw.sk === query.sortKeyRange?.below) continue;
      const item = query.toItem(raw);
      if (query.accept && !query.accept(item)) continue;
      items.push(item);
      if (items.length === page.limit) {
        const more = index < raws.length - 1 || result.LastEvaluatedKey !== undefined || partition < last;
        return more ? { items, nextCursor: encodeCursor({ s: partition, k: raw.sk as string }) } : { items };
      }
    }
    examined += result.ScannedCount ?? raws.length;
    if (result.LastEvaluatedKey) {
      startAfter = result.LastEvaluatedKey.sk as string;
    } else {
      partition++;
      startAfter = undefined;
    }
    if (examined >= MAX_EXAMINED_PER_PAGE && partition <= last) {
      return { items, nextCursor: encodeCursor(startAfter ? { s: partition, k: startAfter } : { s: partition }) };
    }
  }
  return { items };
}

/**
 * A cursor of another collection, or a forged one, names a partition this query does not have (an empty "last"
 * page) or a sort key outside its range (DynamoDB refuses the start key): either way it is not one this query
 * issued, and the caller hears so (400) rather than getting a wrong page or an error.
 */
function positionFits<T>(query: PagedQuery<T>, cursor: Cursor): boolean {
  if (cursor.s >= query.partitions.length) return false;
  if (cursor.k === undefined) return true;
  if (query.sortKeyFits) return query.sortKeyFits(cursor.k, cursor.s);
  if (query.sortKeyRange) return cursor.k >= query.sortKeyRange.from && cursor.k < query.sortKeyRange.below;
  return query.sortKeyPrefix === undefined || cursor.k.startsWith(query.sortKeyPrefix);
}

function keyCondition(query: Pick<PagedQuery<unknown>, 'sortKeyRange' | 'sortKeyPrefix'>): string {
  if (query.sortKeyRange) return 'pk = :pk AND sk BETWEEN :from AND :below';
  return query.sortKeyPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk';
}
