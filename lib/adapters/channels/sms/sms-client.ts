import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { tracer } from '../../../observability/tracer.js';

export interface SmsClientSettings {
  region: string;
  /**
   * AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 (the SDK's own variable for this service): a stand-in in tests and local
   * runs; unset in AWS.
   */
  endpoint?: string;
}

/**
 * The one AWS End User Messaging SMS client of a process, shared by every sms channel (they differ by origination
 * identity, not by account or Region). Credentials come from the standard chain (the function's role in AWS; locally
 * whatever AWS_ACCESS_KEY_ID & co. say, dummy ones for a stand-in).
 *
 * maxAttempts 1: the SDK must not retry a send on its own. SendTextMessage has no idempotency key, so a retried
 * request that timed out could be a second text on the person's phone; the pipeline decides what to retry
 * (sms-error.ts), and a throttle is retried by the pipeline at a lower pace.
 */
export function createSmsClient(settings: SmsClientSettings): PinpointSMSVoiceV2Client {
  return tracer.captureAWSv3Client(
    new PinpointSMSVoiceV2Client({
      region: settings.region,
      maxAttempts: 1,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    }),
  );
}
