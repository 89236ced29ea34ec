import type { Channel } from '../domain/channel.js';

/**
 * The channel-wide cap in force (messages per second over every broadcast that uses the channel), where it may
 * depend on the provider: a channel's own `max_messages_per_second`, else its type's fixed default
 * (channelCapPerSecond, lib/domain/channel.ts), else what the provider says of the account (`email_ses`: the SES
 * account's MaxSendRate, read with GetAccount and refreshed every 10 minutes), else no cap (undefined).
 *
 * Never throws, and answers from memory almost always: a provider read happens at most once per process per refresh
 * interval, and one that fails gives the last known value (or a safe floor).
 */
export interface ChannelCapProvider {
  capPerSecond(channel: Pick<Channel, 'type' | 'maxMessagesPerSecond'>): Promise<number | undefined>;
}
