import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../../observability/tracer.js';

export interface DynamoDbSettings {
  tableName: string;
  /** Set for DynamoDB Local or another emulator; unset in AWS. */
  endpoint?: string;
  region: string;
  /** SDK attempts per call: throttling and transient errors are retried with backoff up to this many times. */
  maxAttempts: number;
}

export function createDocumentClient(settings: DynamoDbSettings): DynamoDBDocumentClient {
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
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
