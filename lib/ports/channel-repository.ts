import type { Channel } from '../domain/channel.js';
import type { Page, PageRequest } from './pagination.js';

/**
 * Channels, their credentials (SECRET_CONFIG_KEYS) sealed at rest. Every read gives the credentials withheld
 * (WithheldCredential: set, unreadable); `openCredentials` gives them in clear, for a send or a signature check only.
 * A write seals each credential given in clear and keeps each withheld one as stored.
 */
export interface ChannelRepository {
  /** Making a channel the default un-defaults the tenant's previous default in the same transaction. */
  create(channel: Channel): Promise<void>;
  findById(tenantId: string, id: string): Promise<Channel | undefined>;
  /**
   * The channel with this id, whichever tenant owns it: for the provider's public webhooks, which carry no token.
   * Unknown ids take the same reads as known ones. `consistent: false` halves the cost of the hot path (receipts).
   */
  findByIdInAnyTenant(id: string, options: { consistent: boolean }): Promise<Channel | undefined>;
  list(tenantId: string, page: PageRequest): Promise<Page<Channel>>;
  findDefault(tenantId: string): Promise<Channel | undefined>;
  update(channel: Channel): Promise<void>;
  delete(channel: Channel): Promise<void>;
  /**
   * The channel with its credentials in clear: for the senders (a webhook's signing secret, WhatsApp's access token)
   * and the receipt webhooks (app secret, verify token), and nothing else. A channel without withheld credentials
   * comes back as it is. Fails (SecretUnsealError) when a credential does not open: tampered with, or copied from
   * another channel.
   */
  openCredentials(channel: Channel): Promise<Channel>;
}

/** Builds the adapter that delivers through a channel (log, webhook, ...). */
export interface ChannelSenderFactory {
  senderFor(channel: Channel): import('./channel-sender.js').ChannelSender;
}
