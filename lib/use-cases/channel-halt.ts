import type { Broadcast } from '../domain/broadcast.js';
import { InvalidTransitionError } from '../domain/errors.js';
import { channelFaultStatusReason } from '../domain/send-outcome.js';
import { pauseBroadcast } from './run-lifecycle.js';

type Deps = Parameters<typeof pauseBroadcast>[0];

/**
 * One delivery's stop flag for a broken channel (a `halt` verdict: expired token, missing permission, locked
 * account). The first halt pauses the broadcast at once, through the same path as a person's pause, with the
 * channel's reason as `status_reason`; from then on the delivery starts no send (`tripped`), while the sends
 * already started are recorded as they end. The halted contacts are left exactly as they were (pending, no attempt
 * counted): resume releases their chunk again, so they get their message once the channel is fixed.
 */
export class ChannelHalt {
  private pausing: Promise<void> | undefined;
  private statusReason: string | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly deps: Deps,
    private readonly broadcast: Pick<Broadcast, 'tenantId' | 'id'>,
  ) {}

  /** A halt verdict came: no further send of this delivery may start. */
  get tripped(): boolean {
    return this.statusReason !== undefined;
  }

  /** The `status_reason` the broadcast was paused with (by this delivery's first halt), when it halted. */
  get reason(): string | undefined {
    return this.statusReason;
  }

  /**
   * Records a halt verdict; the first one pauses the broadcast (later ones wait for that pause). Never throws: a
   * pause that could not be written is rethrown by settle(), once the delivery has given its lease back.
   */
  trip(channelReason: string): Promise<void> {
    if (this.pausing) return this.pausing;
    const reason = channelFaultStatusReason(channelReason);
    this.statusReason = reason;
    this.pausing = this.pause(reason).catch((error: unknown) => {
      this.failure = { error };
    });
    return this.pausing;
  }

  /**
   * Rethrows a pause that failed, so the queue delivers the chunk again: its halted contacts were never in doubt
   * (the lease was handed back), and the next delivery meets the broken channel and pauses once more.
   */
  async settle(): Promise<void> {
    await this.pausing;
    if (this.failure) throw this.failure.error;
  }

  private async pause(reason: string): Promise<void> {
    try {
      await pauseBroadcast(this.deps, this.broadcast.tenantId, this.broadcast.id, reason);
    } catch (error) {
      // Paused (by another chunk that met the same channel, or a person), cancelled or completed meanwhile: that
      // change stands, and this delivery still sends nothing more.
      if (!(error instanceof InvalidTransitionError)) throw error;
    }
  }
}
