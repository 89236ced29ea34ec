import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type RetryPolicy, retry } from '../../retry.js';

/** Tries of a transaction that other transactions keep getting in the way of: pauses of 25 ms to 1 s. */
export const TRANSACTION_CONFLICT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 1000 };

/**
 * TransactWriteItems, retried when DynamoDB cancels it only because another transaction touched the same
 * items at the same moment (`TransactionConflict`). A failed condition is never retried: callers map it.
 * When the tries run out, the last TransactionCanceledException is thrown.
 */
export async function transactWrite(
  client: DynamoDBDocumentClient,
  items: NonNullable<TransactWriteCommandInput['TransactItems']>,
  policy: RetryPolicy = TRANSACTION_CONFLICT_RETRY,
): Promise<void> {
  await retry(() => client.send(new TransactWriteCommand({ TransactItems: items })), {
    ...policy,
    retryable: isOnlyConflict,
  });
}

function isOnlyConflict(error: unknown): boolean {
  const cancelled =
    error instanceof TransactionCanceledException || (error as Error)?.name === 'TransactionCanceledException';
  if (!cancelled) return false;
  const codes = ((error as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}
