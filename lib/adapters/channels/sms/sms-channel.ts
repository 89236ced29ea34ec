import { type PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { SmsConfig } from '../../../domain/channel.js';
import { MAX_SMS_BODY_CHARS, SMS_CONTEXT_KEYS, smsBodyOf, smsPartsOfMessage } from '../../../domain/sms-message.js';
import type { ChannelSender, OutboundMessage, SendOutcome } from '../../../ports/channel-sender.js';
import { classifySmsFailure } from './sms-error.js';

export const DEFAULT_SMS_TIMEOUT_MS = 10_000;
const MAX_MESSAGE_ID_CHARS = 256;
/** E.164: a plus, then up to 15 digits, the first not 0. */
const E164 = /^\+[1-9][0-9]{1,14}$/;
/** AWS's Context values: 1 to 800 characters, no leading or trailing whitespace. */
const MAX_CONTEXT_VALUE_CHARS = 800;

export interface SmsChannelOptions {
  /** The process's one client (createSmsClient). */
  client: PinpointSMSVoiceV2Client;
  /** For the whole call: connecting, sending and reading the answer. */
  timeoutMs?: number;
}

/**
 * The `sms` channel: one SendTextMessage to AWS End User Messaging SMS (pinpoint-sms-voice-v2) per message, from the
 * channel's origination identity, under the stage's IAM role. It classifies one attempt; retrying is the pipeline's.
 *
 * - The text is smsBodyOf the rendered message; the destination the contact's phone (E.164).
 * - `Context` carries the execution reference and the tenant id (SMS_CONTEXT_KEYS), which AWS echoes in every
 *   delivery event of the message, so an event finds its execution with one read.
 * - A message AWS would refuse as it stands (no or bad phone, an empty text, over 1,600 characters): `permanent`,
 *   without a request. A message with no text at all (a template message without content): `channel`, since every
 *   contact would be refused alike.
 * - AWS's errors: sms-error.ts. SendTextMessage has no idempotency key, so a call that may have arrived is never
 *   repeated (`unknown` fails the contact as `outcome_unknown`).
 * - unitsOf: the message's parts (GSM-7 / UCS-2, sms-parts.ts), what the channel's cap counts.
 */
export class SmsChannel implements ChannelSender {
  readonly honoursIdempotencyKey = false;
  readonly #client: PinpointSMSVoiceV2Client;
  readonly #config: Pick<
    SmsConfig,
    'originationIdentity' | 'messageType' | 'configurationSetName' | 'maxPricePerMessage'
  >;
  readonly #timeoutMs: number;

  constructor(
    config: Pick<SmsConfig, 'originationIdentity' | 'messageType' | 'configurationSetName' | 'maxPricePerMessage'>,
    options: SmsChannelOptions,
  ) {
    this.#config = config;
    this.#client = options.client;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_SMS_TIMEOUT_MS;
  }

  unitsOf(message: OutboundMessage): number {
    return smsPartsOfMessage(message.message).parts;
  }

  async send(message: OutboundMessage): Promise<SendOutcome> {
    const body = smsBodyOf(message.message);
    if (body === undefined) {
      return {
        kind: 'channel',
        reason: `sms: a ${message.message.type} message without content has no text to send; give message_template.content`,
      };
    }
    const refusal = refusalOf(message, body);
    if (refusal !== undefined) return { kind: 'permanent', reason: `sms: ${refusal}` };
    const config = this.#config;
    const command = new SendTextMessageCommand({
      DestinationPhoneNumber: message.contact.phone,
      OriginationIdentity: config.originationIdentity,
      MessageBody: body,
      MessageType: config.messageType,
      ...(config.configurationSetName ? { ConfigurationSetName: config.configurationSetName } : {}),
      ...(config.maxPricePerMessage ? { MaxPrice: config.maxPricePerMessage } : {}),
      Context: contextOf(message),
    });
    try {
      const answer = await this.#client.send(command, { abortSignal: AbortSignal.timeout(this.#timeoutMs) });
      const id = typeof answer.MessageId === 'string' ? answer.MessageId.trim() : '';
      return id === ''
        ? { kind: 'accepted' }
        : { kind: 'accepted', providerMessageId: id.slice(0, MAX_MESSAGE_ID_CHARS) };
    } catch (error) {
      return classifySmsFailure(error, this.#timeoutMs);
    }
  }
}

/** Why AWS would refuse this contact's message as it stands, without asking it; undefined when it would not. */
function refusalOf(message: OutboundMessage, body: string): string | undefined {
  const phone = message.contact.phone;
  if (phone === undefined) return 'the contact has no phone number';
  if (!E164.test(phone)) return "the contact's phone is not an E.164 number (+ and up to 15 digits)";
  if (body.trim() === '') return 'the message is empty once rendered';
  if (body.length > MAX_SMS_BODY_CHARS) {
    return `the message is ${body.length} characters once rendered; AWS takes at most ${MAX_SMS_BODY_CHARS}`;
  }
  return undefined;
}

/** SendTextMessage's Context: the reference and the tenant, each within AWS's bounds (they always are: ids). */
function contextOf(message: OutboundMessage): Record<string, string> {
  const context: Record<string, string> = {};
  const put = (key: string, value: string) => {
    const trimmed = value.trim();
    if (trimmed !== '' && trimmed.length <= MAX_CONTEXT_VALUE_CHARS) context[key] = trimmed;
  };
  put(SMS_CONTEXT_KEYS.executionReference, message.executionReference);
  put(SMS_CONTEXT_KEYS.tenantId, message.tenantId);
  return context;
}
