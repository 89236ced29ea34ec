import type { Contact } from './contact.js';

/** Where a broadcast's messages go. A tenant may have several; one may be its default. */
export const CHANNEL_TYPES = ['log', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** The contact address a channel needs; a contact without it is skipped with reason `no_address`. */
export type RequiredAddress = 'email' | 'phone' | 'any' | 'none';

export interface WebhookConfig {
  url: string;
  /** HMAC-SHA256 key for the X-Signature header. Write-only: never returned, never logged. */
  secret: string;
}

export interface Channel {
  id: string;
  tenantId: string;
  name: string;
  type: ChannelType;
  /** `{}` for log; WebhookConfig for webhook. */
  config: Record<string, unknown>;
  requiredAddress: RequiredAddress;
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
