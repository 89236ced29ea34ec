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

  /**
   * Instants for messages of different weights (an SMS weighs its parts: the cap counts units, not messages): each
   * message takes `weights[i]` consecutive units and starts at the first of them. Returns the instants of the longest
   * prefix whose units all fit; units reserved past it stay unused, which only ever spaces the channel further apart.
   */
  async reserveWeighted(weights: readonly number[]): Promise<number[]> {
    if (weights.every((weight) => weight === 1)) return this.reserve(weights.length);
    const units = await this.reserve(weights.reduce((sum, weight) => sum + weight, 0));
    const instants: number[] = [];
    let next = 0;
    for (const weight of weights) {
      const first = units[next];
      if (first === undefined || next + weight > units.length) break;
      instants.push(first);
      next += weight;
    }
    return instants;
  }

  /** The provider throttled a send: the channel's effective rate drops (at most once per burst). */
  async recordThrottle(): Promise<void> {
    await this.deps.channelPace.recordThrottle(this.ref, this.capPerSecond, this.deps.clock.now().getTime());
  }
}
