import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import { type RetryPolicy, retry } from '../../retry.js';
import type { ItemKey } from './keys.js';

type Item = Record<string, NativeAttributeValue>;
type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;

/** Requests per chunk, the first included, while DynamoDB leaves some unprocessed (under load); pauses 25 ms to 1 s. */
export const UNPROCESSED_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 1000 };

/** DynamoDB still left some requests of a batch unprocessed after the last retry. */
export class UnprocessedRequestsError extends Error {
  constructor(
    readonly operation: 'BatchGetItem' | 'BatchWriteItem',
    readonly unprocessed: number,
  ) {
    super(`${operation} kept returning unprocessed ${operation === 'BatchGetItem' ? 'keys' : 'items'}`);
    this.name = 'UnprocessedRequestsError';
  }
}

/**
 * Reads many keys, retrying what DynamoDB leaves unprocessed under load. Missing keys are simply absent;
 * a key given twice is read once (BatchGetItem rejects duplicate keys).
 */
export async function batchGet(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
  options: { consistent?: boolean; retry?: RetryPolicy } = {},
) {
  const found: Item[] = [];
  const unique = [...new Map(keys.map((k) => [`${k.pk}\n${k.sk}`, k])).values()];
  for (const chunk of chunks(unique, BATCH_GET_LIMIT)) {
    const keysOfChunk: Item[] = chunk.map((k) => ({ pk: k.pk, sk: k.sk }));
    await untilProcessed('BatchGetItem', keysOfChunk, options.retry, async (pending) => {
      const result = await client.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: options.consistent ?? false } },
        }),
      );
      found.push(...(result.Responses?.[tableName] ?? []));
      return result.UnprocessedKeys?.[tableName]?.Keys ?? [];
    });
  }
  return found;
}

/**
 * Puts and deletes in batches of 25, retrying unprocessed requests. Not atomic: use for idempotent writes.
 * `concurrency` batches are in flight at once (default one after another): for many items spread over many
 * partitions, where the round trips, not a partition's write rate, set the pace.
 */
export async function batchWrite(
  client: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly WriteRequest[],
  options: { retry?: RetryPolicy; concurrency?: number } = {},
) {
  const batches = chunks(requests, BATCH_WRITE_LIMIT);
  const writeNext = async (): Promise<void> => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      await untilProcessed('BatchWriteItem', batch, options.retry, async (pending) => {
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        return (result.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, writeNext));
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sends `requests`, then again whatever `send` reports unprocessed, until nothing is left. */
async function untilProcessed<R>(
  operation: UnprocessedRequestsError['operation'],
  requests: R[],
  policy: RetryPolicy | undefined,
  send: (pending: R[]) => Promise<R[]>,
): Promise<void> {
  let pending = requests;
  await retry(
    async () => {
      pending = await send(pending);
      if (pending.length > 0) throw new UnprocessedRequestsError(operation, pending.length);
    },
    { ...(policy ?? UNPROCESSED_RETRY), retryable: (error) => error instanceof UnprocessedRequestsError },
  );
}
