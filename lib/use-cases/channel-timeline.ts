import type { Channel } from '../domain/channel.js';
import { MAX_CAP_HOLD_MS, RESERVATION_LEAD_MS, sendInstants } from '../domain/channel-pace.js';
import type { ChannelRef } from '../ports/channel-pace-store.js';
import type { UseCaseDeps } from './deps.js';

type Deps = Pick<UseCaseDeps, 'channelPace' | 'clock'>;

/**
 * One chunk delivery's use of its capped channel's timeline (lib/domain/channel-pace.ts): before each group of
 * sends it reserves their instants, all within MAX_CAP_HOLD_MS and, for a run that keeps a rate_limit, within the
 * chunk's slot window (`sendBy`: the rate's proof relies on it, see pacing.ts). A group that gets fewer instants than
 * it asked for sends those; none at all means the channel is busy for longer than this chunk may wait.
 */
export class ChannelTimeline {
  private readonly ref: ChannelRef;

  constructor(
    private readonly deps: Deps,
    channel: Pick<Channel, 'tenantId' | 'id'>,
    private readonly capPerSecond: number,
    /** The last instant a send may start (epoch ms); undefined: only the longest hold bounds it. */
    private readonly sendBy: number | undefined,
  ) {
    this.ref = { tenantId: channel.tenantId, channelId: channel.id };
  }

  /** The instants (epoch ms) of up to `count` sends, in order; empty when none fits. */
  async reserve(count: number): Promise<number[]> {
    const nowMs = this.deps.clock.now().getTime();
    const reservation = await this.deps.channelPace.reserve(this.ref, {
      capPerSecond: this.capPerSecond,
      count,
      earliestMs: nowMs + RESERVATION_LEAD_MS,
      latestMs: Math.min(this.sendBy ?? Number.POSITIVE_INFINITY, nowMs + MAX_CAP_HOLD_MS),
      nowMs,
    });
    return sendInstants(reservation);
  }

  /** The provider throttled a send: the channel's effective rate drops (at most once per burst). */
  async recordThrottle(): Promise<void> {
    await this.deps.channelPace.recordThrottle(this.ref, this.capPerSecond, this.deps.clock.now().getTime());
  }
}
