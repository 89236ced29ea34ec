import type { Contact } from './contact.js';

/** Where a broadcast's messages go. A tenant may have several; one may be its default. */
export const CHANNEL_TYPES = ['log', 'webhook', 'whatsapp', 'email_ses'] as const;
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
  email_ses: [],
};

/**
 * A channel's own throughput cap where its type has one and the channel sets none: Meta's default of 80 messages
 * per second per business number, shared by every broadcast on it. `email_ses` has none here: its default is the
 * SES account's own MaxSendRate, which only the provider knows (ChannelCapProvider, lib/ports/channel-cap-provider.ts).
 */
export const DEFAULT_MAX_MESSAGES_PER_SECOND: Readonly<Record<ChannelType, number | undefined>> = {
  log: undefined,
  webhook: undefined,
  whatsapp: 80,
  email_ses: undefined,
};

export interface Channel {
  id: string;
  tenantId: string;
  name: string;
  type: ChannelType;
  /** `{}` for log; WebhookConfig for webhook; WhatsAppConfig for whatsapp; SesEmailConfig for email_ses. */
  config: Record<string, unknown>;
  requiredAddress: RequiredAddress;
  /**
   * Messages per second the channel sends at most, summed over every broadcast that uses it (a provider's limit is
   * per sender, not per campaign). Unset: the type's default (DEFAULT_MAX_MESSAGES_PER_SECOND), or no cap.
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
 * The channel-wide cap as far as the channel itself says: its own, else its type's fixed default; undefined when
 * neither caps it. For a type whose default is the provider account's rate (`email_ses`), the cap in force is
 * ChannelCapProvider's answer, which starts from this.
 */
export function channelCapPerSecond(channel: Pick<Channel, 'type' | 'maxMessagesPerSecond'>): number | undefined {
  return channel.maxMessagesPerSecond ?? DEFAULT_MAX_MESSAGES_PER_SECOND[channel.type];
}
