import type { Contact } from './contact.js';

/** Where a broadcast's messages go. A tenant may have several; one may be its default. */
export const CHANNEL_TYPES = ['log', 'webhook', 'whatsapp'] as const;
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

/** The Graph API version a WhatsApp channel uses unless its config names another. */
export const DEFAULT_WHATSAPP_API_VERSION = 'v23.0';

/** The configuration keys that hold credentials: accepted and stored, never returned; a PUT without one keeps it. */
export const SECRET_CONFIG_KEYS: Readonly<Record<ChannelType, readonly string[]>> = {
  log: [],
  webhook: ['secret'],
  whatsapp: ['accessToken', 'appSecret', 'verifyToken'],
};

/**
 * A credential a channel has, as channels are read for anything but a send or a signature check: known to be set, not
 * readable. The repository keeps credentials sealed and hands them out only through `openCredentials` (see
 * lib/ports/channel-repository.ts), so the many reads that never need them (listing, presenting, planning, starting)
 * neither decrypt nor hold them. Saving a channel read this way keeps the credential as stored. Opaque on purpose: it
 * serialises as a placeholder and has no readable field, so logging or storing such a channel leaks nothing.
 */
export abstract class WithheldCredential {
  toJSON(): string {
    return '[withheld credential]';
  }

  toString(): string {
    return '[withheld credential]';
  }
}

/** Whether a credential is there: a non-empty text, or a withheld one. */
export function isCredentialSet(value: unknown): boolean {
  return (typeof value === 'string' && value !== '') || value instanceof WithheldCredential;
}

/**
 * A channel's own throughput cap where its type has one and the channel sets none: Meta's default of 80 messages
 * per second per business number, shared by every broadcast on it.
 */
export const DEFAULT_MAX_MESSAGES_PER_SECOND: Readonly<Record<ChannelType, number | undefined>> = {
  log: undefined,
  webhook: undefined,
  whatsapp: 80,
};

export interface Channel {
  id: string;
  tenantId: string;
  name: string;
  type: ChannelType;
  /** `{}` for log; WebhookConfig for webhook; WhatsAppConfig for whatsapp. */
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

/** The channel-wide cap in force: its own, else its type's default; undefined when nothing caps it. */
export function channelCapPerSecond(channel: Pick<Channel, 'type' | 'maxMessagesPerSecond'>): number | undefined {
  return channel.maxMessagesPerSecond ?? DEFAULT_MAX_MESSAGES_PER_SECOND[channel.type];
}
