import type { Channel } from '../domain/channel.js';
import { MAX_CAP_HOLD_MS, RESERVATION_LEAD_MS, sendInstants } from '../domain/channel-pace.js';
import { SEND_GUARD_MS, SEND_WINDOW_MS } from '../domain/pacing.js';
import type { ChannelRef } from '../ports/channel-pace-store.js';
import type { UseCaseDeps } from './deps.js';

type Deps = Pick<UseCaseDeps, 'channelPace' | 'clock'>;

/**
 * One chunk delivery's use of its capped channel's timeline (lib/domain/channel-pace.ts): before each group of
 * sends it reserves their instants, which must all fall within the chunk's slot window (the broadcast's own rate
 * relies on that, see pacing.ts) and within MAX_CAP_HOLD_MS. A group that gets fewer instants than it asked for
 * sends those; nothing at all means the channel is busy for longer than this chunk may wait.
 */
export class ChannelTimeline {
  private readonly ref: ChannelRef;

  constructor(
    private readonly deps: Deps,
    channel: Pick<Channel, 'tenantId' | 'id'>,
    private readonly capPerSecond: number,
    /** The chunk's slot (epoch ms); undefined for a chunk released without one. */
    private readonly slotAt: number | undefined,
  ) {
    this.ref = { tenantId: channel.tenantId, channelId: channel.id };
  }

  /** The instants (epoch ms) of up to `count` sends, in order; empty when none fits. */
  async reserve(count: number): Promise<number[]> {
    const nowMs = this.deps.clock.now().getTime();
    const windowEnd =
      this.slotAt === undefined ? Number.POSITIVE_INFINITY : this.slotAt + SEND_WINDOW_MS - SEND_GUARD_MS;
    const reservation = await this.deps.channelPace.reserve(this.ref, {
      capPerSecond: this.capPerSecond,
      count,
      earliestMs: nowMs + RESERVATION_LEAD_MS,
      latestMs: Math.min(windowEnd, nowMs + MAX_CAP_HOLD_MS),
      nowMs,
    });
    return sendInstants(reservation);
  }

  /** The provider throttled a send: the channel's effective rate drops (at most once per burst). */
  async recordThrottle(): Promise<void> {
    await this.deps.channelPace.recordThrottle(this.ref, this.capPerSecond, this.deps.clock.now().getTime());
  }
}
