import type { Channel } from '../../../domain/channel.js';
import type { ProviderReceipt, ReceiptWebhook } from '../../../ports/receipts.js';
import { readStatusWebhook } from './status-webhook.js';
import { verifyHubSignature, verifySubscription } from './webhook-signature.js';

/** The header Meta signs every webhook POST with (Node and API Gateway hand header names over in lower case). */
export const HUB_SIGNATURE_HEADER = 'x-hub-signature-256';

/**
 * WhatsApp Cloud API's webhook, for one channel: Meta's subscription handshake against the channel's verify token,
 * `X-Hub-Signature-256` against its app secret, and the delivery receipts of a `messages` notification.
 */
export class WhatsAppReceiptWebhook implements ReceiptWebhook {
  challenge(channel: Channel, query: Readonly<Record<string, string | undefined>>): string | undefined {
    const check = verifySubscription(query, secretOf(channel, 'verifyToken'));
    return check.ok ? check.challenge : undefined;
  }

  isSigned(channel: Channel, rawBody: Buffer, headers: Readonly<Record<string, string | undefined>>): boolean {
    return verifyHubSignature(rawBody, headers[HUB_SIGNATURE_HEADER], secretOf(channel, 'appSecret'));
  }

  receiptsOf(rawBody: Buffer): { receipts: ProviderReceipt[]; ignored: number; rejected: number } | undefined {
    let payload: unknown;
    try {
      payload = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return undefined;
    }
    const reading = readStatusWebhook(payload);
    return {
      // The recipient's phone number and the business number stay here: applying a receipt needs neither.
      receipts: reading.receipts.map(({ messageId, status, timestamp, reference, error }) => ({
        messageId,
        status,
        timestamp,
        ...(reference === undefined ? {} : { reference }),
        ...(error === undefined ? {} : { error }),
      })),
      ignored: reading.ignored,
      rejected: reading.rejected,
    };
  }
}

/** A credential of the channel's config; empty (which never verifies) when it is missing or not a string. */
function secretOf(channel: Channel, key: 'verifyToken' | 'appSecret'): string {
  const value = channel.config[key];
  return typeof value === 'string' ? value : '';
}
