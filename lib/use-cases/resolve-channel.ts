import type { Broadcast } from '../domain/broadcast.js';
import type { Channel } from '../domain/channel.js';
import { UnprocessableError } from '../domain/errors.js';
import type { ChannelRepository } from '../ports/channel-repository.js';

export interface ResolveChannelDeps {
  channels: ChannelRepository;
  /** The stage's default channel from configuration (locally: the built-in log channel); none in most stages. */
  defaultChannel?: Channel | undefined;
}

/**
 * The channel a broadcast sends through: its own `channel_id`; else the tenant's default channel; else
 * the stage's default channel; else 422 `broadcast.no_channel`. A `channel_id` that names no channel of
 * the tenant (deleted since) is a 422 too, never a silent fall-back to another channel.
 */
export async function resolveChannel(
  deps: ResolveChannelDeps,
  tenantId: string,
  broadcast: Pick<Broadcast, 'id' | 'channelId'>,
): Promise<Channel> {
  if (broadcast.channelId !== undefined) {
    const channel = await deps.channels.findById(tenantId, broadcast.channelId);
    if (!channel) {
      throw new UnprocessableError(
        'broadcast.unknown_channel',
        `broadcast ${broadcast.id} names channel ${broadcast.channelId}, which is not one of your channels`,
        [{ field: 'channel_id', message: `unknown channel ${broadcast.channelId}` }],
      );
    }
    return channel;
  }
  const tenantDefault = await deps.channels.findDefault(tenantId);
  if (tenantDefault) return tenantDefault;
  if (deps.defaultChannel) return { ...deps.defaultChannel, tenantId };
  throw new UnprocessableError(
    'broadcast.no_channel',
    `broadcast ${broadcast.id} has no channel_id, you have no default channel and this stage has none: ` +
      'create a channel (POST /api/v1/channels, "is_default": true) or set channel_id',
    [{ field: 'channel_id', message: 'needed: there is no default channel' }],
  );
}

/**
 * resolveChannel, its credentials in clear: for a send, and only a send (the other reads of a channel, existence and
 * required address, never open them). The stage's default channel has none.
 */
export async function resolveChannelToSend(
  deps: ResolveChannelDeps,
  tenantId: string,
  broadcast: Pick<Broadcast, 'id' | 'channelId'>,
): Promise<Channel> {
  return deps.channels.openCredentials(await resolveChannel(deps, tenantId, broadcast));
}
