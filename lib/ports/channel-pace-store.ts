import type { ChannelPace, Reservation } from '../domain/channel-pace.js';
import type { ShareClaim } from '../domain/channel-share.js';

/** A channel, by tenant and id. */
export interface ChannelRef {
  tenantId: string;
  channelId: string;
}

export interface PaceReservationRequest {
  /** The channel's cap in force (messages per second); the spacing follows its effective rate (AIMD). */
  capPerSecond: number;
  /** Sends wanted. */
  count: number;
  /** No send before this instant (epoch ms). */
  earliestMs: number;
  /** No send after this instant. */
  latestMs: number;
  nowMs: number;
}

/**
 * The shared state of capped channels (lib/domain/channel-pace.ts, channel-share.ts): one timeline per channel,
 * written by every sender, and the broadcasts' share claims, written by their pacers. Only channels with a cap
 * ever reach it.
 */
export interface ChannelPaceStore {
  /** The channel's pace as stored; IDLE_PACE when it never sent. */
  read(channel: ChannelRef): Promise<ChannelPace>;
  /**
   * Reserves up to `count` consecutive sends on the channel's timeline, spaced for its effective rate, none before
   * `earliestMs` and none after `latestMs` (count 0: nothing fits). Atomic: concurrent reservations by any number
   * of senders never overlap.
   */
  reserve(channel: ChannelRef, request: PaceReservationRequest): Promise<Reservation>;
  /**
   * The provider throttled the channel: its effective rate halves, unless an earlier throttle of the same burst
   * (within the cooldown) did that already. Returns the pace as it stands after.
   */
  recordThrottle(channel: ChannelRef, capPerSecond: number, nowMs: number): Promise<ChannelPace>;
  /** Puts or renews a broadcast's claim on the channel; returns every claim on it, this one included. */
  claimShare(channel: ChannelRef, claim: ShareClaim): Promise<ShareClaim[]>;
  /** Every claim on the channel, live or expired. */
  readClaims(channel: ChannelRef): Promise<ShareClaim[]>;
  /** Withdraws a broadcast's claim (its pacer stopped: paused, finished, nothing left to release). */
  releaseShare(channel: ChannelRef, broadcastId: string): Promise<void>;
}
