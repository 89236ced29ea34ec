import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { backoff } from './batch.js';

const MAX_ATTEMPTS = 6;

/**
 * TransactWriteItems, retried when DynamoDB cancels it only because another transaction touched the same
 * items at the same moment (`TransactionConflict`). A failed condition is never retried: callers map it.
 */
export async function transactWrite(
  client: DynamoDBDocumentClient,
  items: NonNullable<TransactWriteCommandInput['TransactItems']>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      if (!isOnlyConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
      await backoff(attempt);
    }
  }
}

function isOnlyConflict(error: unknown): boolean {
  const cancelled =
    error instanceof TransactionCanceledException || (error as Error)?.name === 'TransactionCanceledException';
  if (!cancelled) return false;
  const codes = ((error as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}
