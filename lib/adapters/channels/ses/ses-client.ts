import { SESv2Client } from '@aws-sdk/client-sesv2';
import { tracer } from '../../../observability/tracer.js';

export interface SesClientSettings {
  region: string;
  /**
   * Where SES v2 is: AWS_ENDPOINT_URL_SESV2 (a stand-in in tests and local runs). The SDK would read that variable
   * by itself; it is passed from the validated configuration so that the configuration is the one source.
   */
  endpoint?: string | undefined;
  /**
   * SDK attempts per call. Sends make exactly one: SendEmail has no idempotency key, so an SDK retry after a timeout
   * could deliver twice; the pipeline retries what is safe to retry, at its own pace. GetAccount may retry.
   */
  maxAttempts: number;
  /** For the whole attempt; past it the request fails with a TimeoutError (see ses-error.ts). */
  requestTimeoutMs: number;
  /** For the connection alone: past it nothing was sent. */
  connectionTimeoutMs: number;
}

/**
 * An SES v2 client. Credentials come from the SDK's default chain (the function's role in Lambda; the usual
 * variables or profile elsewhere: a stand-in accepts dummy ones). Captured for X-Ray in Lambda (a no-op elsewhere).
 */
export function createSesClient(settings: SesClientSettings): SESv2Client {
  return tracer.captureAWSv3Client(
    new SESv2Client({
      region: settings.region,
      maxAttempts: settings.maxAttempts,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      requestHandler: {
        requestTimeout: settings.requestTimeoutMs,
        connectionTimeout: settings.connectionTimeoutMs,
        // Without it the handler only logs a warning when the request timeout passes, and waits on.
        throwOnRequestTimeout: true,
      },
    }),
  );
}
