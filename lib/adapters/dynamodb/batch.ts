import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from './keys.js';

type Item = Record<string, NativeAttributeValue>;
type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;
const MAX_ROUNDS = 10;

/**
 * Reads many keys, retrying what DynamoDB leaves unprocessed under load. Missing keys are simply absent;
 * a key given twice is read once (BatchGetItem rejects duplicate keys).
 */
export async function batchGet(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
  options: { consistent?: boolean } = {},
) {
  const found: Item[] = [];
  const unique = [...new Map(keys.map((k) => [`${k.pk}\n${k.sk}`, k])).values()];
  for (const chunk of chunks(unique, BATCH_GET_LIMIT)) {
    let pending: Item[] = chunk.map((k) => ({ pk: k.pk, sk: k.sk }));
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_ROUNDS) throw new Error('BatchGetItem kept returning unprocessed keys');
      if (round > 0) await backoff(round);
      const result = await client.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: options.consistent ?? false } },
        }),
      );
      found.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return found;
}

/** Puts and deletes in batches of 25, retrying unprocessed requests. Not atomic: use for idempotent writes. */
export async function batchWrite(client: DynamoDBDocumentClient, tableName: string, requests: readonly WriteRequest[]) {
  for (const chunk of chunks(requests, BATCH_WRITE_LIMIT)) {
    let pending = [...chunk];
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_ROUNDS) throw new Error('BatchWriteItem kept returning unprocessed items');
      if (round > 0) await backoff(round);
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  }
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function backoff(round: number): Promise<void> {
  const ms = Math.min(1000, 25 * 2 ** round) * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
