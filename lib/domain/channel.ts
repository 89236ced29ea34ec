import type { Contact } from './contact.js';

/** Where a broadcast's messages go. A tenant may have several; one may be its default. */
export const CHANNEL_TYPES = ['log', 'webhook', 'whatsapp', 'sms', 'email_ses'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** The contact address a channel needs; a contact without it is skipped with reason `no_address`. */
export type RequiredAddress = 'email' | 'phone' | 'any' | 'none';

export interface WebhookConfig {
  url: string;
  /** HMAC-SHA256 key for the X-Signature header. Write-only: never returned, never logged. */
  secret: string;
}

/** WhatsApp Business Cloud API: one business phone number of a Meta app. */
export interface WhatsAppConfig {
  /** The Graph API id of the sending number (digits), not the number itself. */
  phoneNumberId: string;
  /** System-user access token. Write-only: never returned, never logged. */
  accessToken: string;
  /** The Meta app's secret, the HMAC key of the webhook's X-Hub-Signature-256. Write-only. */
  appSecret: string;
  /** What Meta echoes when it verifies the webhook URL. Write-only. */
  verifyToken: string;
  /** Graph API version, e.g. `v23.0`. */
  apiVersion: string;
}

/** AWS End User Messaging SMS's message types: TRANSACTIONAL (critical, time-sensitive) or PROMOTIONAL (marketing). */
export const SMS_MESSAGE_TYPES = ['TRANSACTIONAL', 'PROMOTIONAL'] as const;
export type SmsMessageType = (typeof SMS_MESSAGE_TYPES)[number];

/**
 * What kind of number (or sender) sends: it decides the carriers' throughput limit. AWS's own NumberType names;
 * LONG_CODE stands for any long code that is neither toll-free nor 10DLC (and for sender IDs).
 */
export const SMS_ORIGINATION_TYPES = ['SHORT_CODE', 'TOLL_FREE', 'TEN_DLC', 'LONG_CODE'] as const;
export type SmsOriginationType = (typeof SMS_ORIGINATION_TYPES)[number];

/**
 * Message parts per second that an origination identity may send by default (AWS End User Messaging SMS, "Message
 * Parts per Second (MPS) limits"): US short code 100, US toll-free 3, US 10DLC 1 per number, other long codes 10.
 */
export const SMS_DEFAULT_PARTS_PER_SECOND: Readonly<Record<SmsOriginationType, number>> = {
  SHORT_CODE: 100,
  TOLL_FREE: 3,
  TEN_DLC: 1,
  LONG_CODE: 10,
};

/** AWS End User Messaging SMS (pinpoint-sms-voice-v2 SendTextMessage), under the stage's IAM role: no credentials. */
export interface SmsConfig {
  /** Phone number, phone number id or ARN, sender ID, pool id or ARN (the full ARN for a shared resource). */
  originationIdentity: string;
  messageType: SmsMessageType;
  /** The configuration set whose event destinations get the delivery events. */
  configurationSetName?: string;
  /** AWS's MaxPrice, US dollars as a decimal string (e.g. `0.05`): a message that would cost more is refused. */
  maxPricePerMessage?: string;
  /** Decides the default cap (SMS_DEFAULT_PARTS_PER_SECOND); LONG_CODE when the channel does not say. */
  originationType: SmsOriginationType;
}

export const DEFAULT_SMS_ORIGINATION_TYPE: SmsOriginationType = 'LONG_CODE';

/**
 * E-mail through Amazon SES v2 (SendEmail), in the stage's AWS account and Region: the function's role is the
 * credential, so the config holds no secret. SES sends only from a verified identity (the address or its domain).
 */
export interface SesEmailConfig {
  /** The From address: an identity verified in SES (the address itself, or its domain). */
  fromAddress: string;
  /** The display name of the From header (`Acme Store <news@acme.example>`). */
  fromName?: string;
  /** Where replies go (Reply-To), when not to the From address. */
  replyTo?: string;
  /** The SES configuration set whose event destinations get this channel's events; unset: the stage's default. */
  configurationSetName?: string;
}

/** The Graph API version a WhatsApp channel uses unless its config names another. */
export const DEFAULT_WHATSAPP_API_VERSION = 'v23.0';

/** The configuration keys that hold credentials: accepted and stored, never returned; a PUT without one keeps it. */
export const SECRET_CONFIG_KEYS: Readonly<Record<ChannelType, readonly string[]>> = {
  log: [],
  webhook: ['secret'],
  whatsapp: ['accessToken', 'appSecret', 'verifyToken'],
  // The stage's role sends: an sms channel holds no credentials.
  sms: [],
  email_ses: [],
};

/**
 * A channel's own throughput cap where its type has one and the channel sets none: Meta's default of 80 messages
 * per second per business number, shared by every broadcast on it. An sms channel's depends on its origination
 * type (SMS_DEFAULT_PARTS_PER_SECOND): see channelCapPerSecond. `email_ses` has none here: its default is the
 * SES account's own MaxSendRate, which only the provider knows (ChannelCapProvider, lib/ports/channel-cap-provider.ts).
 */
export const DEFAULT_MAX_MESSAGES_PER_SECOND: Readonly<Record<ChannelType, number | undefined>> = {
  log: undefined,
  webhook: undefined,
  whatsapp: 80,
  sms: undefined,
  email_ses: undefined,
};

export interface Channel {
  id: string;
  tenantId: string;
  name: string;
  type: ChannelType;
  /** `{}` for log; WebhookConfig for webhook; WhatsAppConfig for whatsapp; SmsConfig for sms; SesEmailConfig for email_ses. */
  config: Record<string, unknown>;
  requiredAddress: RequiredAddress;
  /**
   * Messages per second the channel sends at most, summed over every broadcast that uses it (a provider's limit is
   * per sender, not per campaign). Unset: the type's default (DEFAULT_MAX_MESSAGES_PER_SECOND), or no cap. For sms
   * it counts message parts, not messages (see the sender's unitsOf), as carriers' limits do.
   */
  maxMessagesPerSecond?: number;
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

export function hasRequiredAddress(contact: Pick<Contact, 'email' | 'phone'>, required: RequiredAddress): boolean {
  switch (required) {
    case 'email':
      return Boolean(contact.email);
    case 'phone':
      return Boolean(contact.phone);
    case 'any':
      return Boolean(contact.email || contact.phone);
    case 'none':
      return true;
  }
}

/**
 * The channel-wide cap as far as the channel itself says: its own, else its type's fixed default (for sms, its
 * origination type's; the unit is a message part); undefined when neither caps it. For a type whose default is the
 * provider account's rate (`email_ses`), the cap in force is ChannelCapProvider's answer, which starts from this.
 */
export function channelCapPerSecond(
  channel: Pick<Channel, 'type' | 'maxMessagesPerSecond'> & Partial<Pick<Channel, 'config'>>,
): number | undefined {
  if (channel.maxMessagesPerSecond !== undefined) return channel.maxMessagesPerSecond;
  if (channel.type === 'sms') return SMS_DEFAULT_PARTS_PER_SECOND[smsOriginationTypeOf(channel.config ?? {})];
  return DEFAULT_MAX_MESSAGES_PER_SECOND[channel.type];
}

/** A stored sms config's origination type; LONG_CODE when it names none (or one this version does not know). */
export function smsOriginationTypeOf(config: Record<string, unknown>): SmsOriginationType {
  const type = config.originationType;
  return SMS_ORIGINATION_TYPES.includes(type as SmsOriginationType)
    ? (type as SmsOriginationType)
    : DEFAULT_SMS_ORIGINATION_TYPE;
}
