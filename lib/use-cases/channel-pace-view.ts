import type { Channel } from '../domain/channel.js';
import { effectiveRate } from '../domain/channel-pace.js';
import type { UseCaseDeps } from './deps.js';

type Deps = Pick<UseCaseDeps, 'channelPace' | 'channelCaps' | 'clock'>;

/** How fast a capped channel sends now, as GET /channels/{id} shows it. */
export interface ChannelPaceView {
  /** The cap in force: the channel's own, its type's default, or the provider account's (ChannelCapProvider). */
  capPerSecond: number;
  /** Its cap, or less for a while after the provider throttled it (AIMD; messages per second). */
  effectivePerSecond: number;
  /** The provider's last throttle that lowered the pace (ISO 8601); undefined when it never throttled. */
  throttledAt?: string;
}

/** The pace of a capped channel (one read); undefined, and nothing read, for a channel without a cap. */
export async function channelPaceView(deps: Deps, channel: Channel): Promise<ChannelPaceView | undefined> {
  const cap = await deps.channelCaps.capPerSecond(channel);
  if (cap === undefined) return undefined;
  const pace = await deps.channelPace.read({ tenantId: channel.tenantId, channelId: channel.id });
  const effective = effectiveRate(cap, pace, deps.clock.now().getTime());
  return {
    capPerSecond: cap,
    effectivePerSecond: Math.round(effective * 10) / 10,
    ...(pace.decrease ? { throttledAt: new Date(pace.decrease.atMs).toISOString() } : {}),
  };
}
