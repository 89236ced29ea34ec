import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../../observability/tracer.js';
import { type RetryPolicy, retry } from '../../retry.js';

export interface DynamoDbSettings {
  tableName: string;
  /** Set for DynamoDB Local or another emulator; unset in AWS. */
  endpoint?: string;
  region: string;
  /** SDK attempts per call: throttling and transient errors are retried with backoff up to this many times. */
  maxAttempts: number;
}

/**
 * Tries of a single-item write refused because a transaction on the same item was in progress
 * (TransactionConflictException). The SDK does not retry it, and the run item is written by transactions (the
 * planners' commits, 8 segments at a time) and by plain updates (the pacer, the counters) at once.
 */
export const ITEM_CONFLICT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1000 };

export function createDocumentClient(
  settings: DynamoDbSettings,
  conflictRetry: RetryPolicy = ITEM_CONFLICT_RETRY,
): DynamoDBDocumentClient {
  // Captured for X-Ray in Lambda (a no-op elsewhere): each call becomes a subsegment of the invocation.
  const client = tracer.captureAWSv3Client(
    new DynamoDBClient({
      region: settings.region,
      maxAttempts: settings.maxAttempts,
      ...(settings.endpoint
        ? { endpoint: settings.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
    }),
  );
  // Around the SDK's own retries (they run in a later step), so each try still gets those for throttling.
  client.middlewareStack.add(
    (next) => (args) => retry(() => next(args), { ...conflictRetry, retryable: isTransactionConflict }),
    { step: 'initialize', name: 'retryTransactionConflicts' },
  );
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

function isTransactionConflict(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'TransactionConflictException';
}
