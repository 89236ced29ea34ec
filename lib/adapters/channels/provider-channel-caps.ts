import { type Channel, channelCapPerSecond } from '../../domain/channel.js';
import type { ChannelCapProvider } from '../../ports/channel-cap-provider.js';

export interface ProviderChannelCapsOptions {
  /** The SES account's MaxSendRate (SesAccountSendRate.maxSendRate): the default cap of `email_ses` channels. */
  sesMaxSendRate?: () => Promise<number>;
}

/** ChannelCapProvider: the channel's own cap or its type's default, else the provider account's rate. */
export class ProviderChannelCaps implements ChannelCapProvider {
  constructor(private readonly options: ProviderChannelCapsOptions = {}) {}

  async capPerSecond(channel: Pick<Channel, 'type' | 'maxMessagesPerSecond'>): Promise<number | undefined> {
    const own = channelCapPerSecond(channel);
    if (own !== undefined) return own;
    if (channel.type === 'email_ses' && this.options.sesMaxSendRate) return this.options.sesMaxSendRate();
    return undefined;
  }
}
