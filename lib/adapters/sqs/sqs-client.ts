import { SQSClient } from '@aws-sdk/client-sqs';

export interface SqsClientSettings {
  region: string;
  /** Set for local-aws-sqs or another emulator (AWS_ENDPOINT_URL_SQS); unset in AWS. */
  endpoint?: string;
  /** SDK attempts per call: throttling, 5xx and network errors are retried with backoff up to this many times. */
  maxAttempts: number;
}

/**
 * The one SQSClient of a process. With an endpoint it talks to an emulator with dummy credentials, as
 * createDocumentClient does for DynamoDB Local, so a developer needs no AWS profile to run locally.
 */
export function createSqsClient(settings: SqsClientSettings): SQSClient {
  return new SQSClient({
    region: settings.region,
    maxAttempts: settings.maxAttempts,
    ...(settings.endpoint
      ? { endpoint: settings.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
}
