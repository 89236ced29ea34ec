import type { Channel } from '../domain/channel.js';
import type { Page, PageRequest } from './pagination.js';

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
}

/** Builds the adapter that delivers through a channel (log, webhook, ...). */
export interface ChannelSenderFactory {
  senderFor(channel: Channel): import('./channel-sender.js').ChannelSender;
}
