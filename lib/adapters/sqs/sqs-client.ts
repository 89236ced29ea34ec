import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../../observability/tracer.js';

export interface SqsClientSettings {
  region: string;
  /** Set for local-aws-sqs or another emulator (AWS_ENDPOINT_URL_SQS); unset in AWS. */
  endpoint?: string;
  /** SDK attempts per call: throttling, 5xx and network errors are retried with backoff up to this many times. */
  maxAttempts: number;
}

/**
 * The one SQSClient of a process. With an endpoint it talks to an emulator with dummy credentials, as
 * createDocumentClient does for DynamoDB Local, so a developer needs no AWS profile to run locally. Captured for X-Ray
 * in Lambda (a no-op elsewhere).
 */
export function createSqsClient(settings: SqsClientSettings): SQSClient {
  return tracer.captureAWSv3Client(
    new SQSClient({
      region: settings.region,
      maxAttempts: settings.maxAttempts,
      ...(settings.endpoint
        ? { endpoint: settings.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
    }),
  );
}
