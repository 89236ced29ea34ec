import type { Channel, ChannelType } from '../domain/channel.js';
import type { ChannelRepository } from '../ports/channel-repository.js';
import {
  MAX_RECEIPTS_PER_MESSAGE,
  type ReceiptQueue,
  type ReceiptsMessage,
  type ReceiptWebhook,
  type ReceiptWebhooks,
} from '../ports/receipts.js';

export interface ReceiptWebhookDeps {
  channels: ChannelRepository;
  receiptWebhooks: ReceiptWebhooks;
  receiptQueue: ReceiptQueue;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type VerificationOutcome =
  | { kind: 'unknown_channel' }
  | { kind: 'refused'; channel: Channel }
  | { kind: 'challenge'; channel: Channel; challenge: string };

/**
 * The provider's subscription handshake on a channel's webhook URL: the challenge to echo when the request names the
 * channel's verify token. A strongly consistent read: it happens once, when someone saves the URL at the provider,
 * often seconds after creating or changing the channel.
 */
export async function answerWebhookVerification(
  deps: Pick<ReceiptWebhookDeps, 'channels' | 'receiptWebhooks'>,
  type: ChannelType,
  channelId: string,
  query: Readonly<Record<string, string | undefined>>,
): Promise<VerificationOutcome> {
  const found = await webhookChannel(deps, type, channelId, true);
  if (!found) return { kind: 'unknown_channel' };
  const challenge = found.webhook.challenge(found.channel, query);
  return challenge === undefined
    ? { kind: 'refused', channel: found.channel }
    : { kind: 'challenge', channel: found.channel, challenge };
}

export type ReceiptWebhookOutcome =
  | { kind: 'unknown_channel' }
  | { kind: 'bad_signature'; channel: Channel }
  | { kind: 'malformed'; channel: Channel }
  | { kind: 'accepted'; channel: Channel; receipts: number; ignored: number; rejected: number };

/**
 * A webhook POST of receipts: checked against the channel's signature over the exact bytes received, then queued for
 * the receipts worker (functions/receipts-worker.ts) and answered at once. Nothing is written to the table here, and
 * nothing at all unless the signature holds.
 */
export async function acceptReceiptWebhook(
  deps: ReceiptWebhookDeps,
  type: ChannelType,
  channelId: string,
  request: { rawBody: Buffer; headers: Readonly<Record<string, string | undefined>> },
): Promise<ReceiptWebhookOutcome> {
  // Eventually consistent: this is every receipt's path, and a channel is created long before its first receipt.
  const found = await webhookChannel(deps, type, channelId, false);
  if (!found) return { kind: 'unknown_channel' };
  const { channel, webhook } = found;
  if (!webhook.isSigned(channel, request.rawBody, request.headers)) return { kind: 'bad_signature', channel };
  const reading = webhook.receiptsOf(request.rawBody);
  if (!reading) return { kind: 'malformed', channel };
  const messages: ReceiptsMessage[] = [];
  for (let start = 0; start < reading.receipts.length; start += MAX_RECEIPTS_PER_MESSAGE) {
    messages.push({
      tenantId: channel.tenantId,
      channelId: channel.id,
      receipts: reading.receipts.slice(start, start + MAX_RECEIPTS_PER_MESSAGE),
    });
  }
  if (messages.length > 0) await deps.receiptQueue.enqueue(messages);
  return {
    kind: 'accepted',
    channel,
    receipts: reading.receipts.length,
    ignored: reading.ignored,
    rejected: reading.rejected,
  };
}

/**
 * The channel of that type with that id, whichever tenant owns it. Something that is not an id at all is answered
 * without a read; any id costs the same reads whether a channel has it or not (see findByIdInAnyTenant), and another
 * type's channel answers like no channel.
 */
async function webhookChannel(
  deps: Pick<ReceiptWebhookDeps, 'channels' | 'receiptWebhooks'>,
  type: ChannelType,
  channelId: string,
  consistent: boolean,
): Promise<{ channel: Channel; webhook: ReceiptWebhook } | undefined> {
  const webhook = deps.receiptWebhooks[type];
  if (!webhook || !UUID.test(channelId)) return undefined;
  const channel = await deps.channels.findByIdInAnyTenant(channelId, { consistent });
  // Opened only for a channel of the webhook's type: its verify token and app secret check the caller.
  return channel?.type === type ? { channel: await deps.channels.openCredentials(channel), webhook } : undefined;
}
