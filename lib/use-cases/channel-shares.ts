import type { BroadcastRun, RunChannelShare } from '../domain/broadcast-run.js';
import type { Channel } from '../domain/channel.js';
import { CAP_GUARD, type ChannelPace, effectiveRate } from '../domain/channel-pace.js';
import {
  CLAIM_LIFETIME_TICKS,
  demandOf,
  SHARE_OVERBOOKING,
  type ShareClaim,
  shareOf,
} from '../domain/channel-share.js';
import type { ChannelRef } from '../ports/channel-pace-store.js';
import type { UseCaseDeps } from './deps.js';

type Deps = Pick<UseCaseDeps, 'channelPace'>;

/** A claim expired this long ago belongs to a pacer that is gone (crashed, or ended without withdrawing it). */
const FORGET_EXPIRED_AFTER_MS = 60_000;

/**
 * The capacity the broadcasts on a channel share, in messages per second: its effective rate (AIMD) at the
 * timeline's guard, overbooked a little (SHARE_OVERBOOKING) so that their slots keep the timeline busy.
 */
export function shareableCapacity(capPerSecond: number, pace: ChannelPace, nowMs: number): number {
  return effectiveRate(pace.capPerSecond ?? capPerSecond, pace, nowMs) * CAP_GUARD * SHARE_OVERBOOKING;
}

/**
 * The share a broadcast starts with on a capped channel, from the claims there now (two reads): what it will get
 * once its pacer claims it at its first tick, unless others come or go meanwhile.
 */
export async function openingShare(
  deps: Deps,
  channel: Pick<Channel, 'tenantId' | 'id'>,
  capPerSecond: number,
  broadcast: { id: string; rateLimit: number },
  nowMs: number,
): Promise<RunChannelShare> {
  const ref = { tenantId: channel.tenantId, channelId: channel.id };
  const [claims, pace] = await Promise.all([deps.channelPace.readClaims(ref), deps.channelPace.read(ref)]);
  const own: ShareClaim = {
    broadcastId: broadcast.id,
    demandPerSecond: demandOf(broadcast.rateLimit),
    expiresAtMs: Number.POSITIVE_INFINITY,
  };
  const capacityPerSecond = shareableCapacity(capPerSecond, pace, nowMs);
  const sharePerSecond = shareOf(capacityPerSecond, claims, own, nowMs);
  return { channelId: channel.id, capPerSecond, sharePerSecond, capacityPerSecond };
}

/**
 * The pacer's claim at one tick: puts (renews) the run's claim on its channel, valid for CLAIM_LIFETIME_TICKS ticks
 * of `tickMs`, and returns the run's max-min fair share of the channel now (one write, one read). Claims long
 * expired are withdrawn on the way.
 */
export async function claimChannelShare(
  deps: Deps,
  run: BroadcastRun & { cappedChannel: NonNullable<BroadcastRun['cappedChannel']> },
  nowMs: number,
  tickMs: number,
): Promise<number> {
  const ref = refOf(run);
  const claim: ShareClaim = {
    broadcastId: run.broadcastId,
    demandPerSecond: demandOf(run.rateLimit),
    expiresAtMs: nowMs + CLAIM_LIFETIME_TICKS * tickMs,
  };
  const [claims, pace] = await Promise.all([deps.channelPace.claimShare(ref, claim), deps.channelPace.read(ref)]);
  const gone = claims.filter((c) => c.expiresAtMs < nowMs - FORGET_EXPIRED_AFTER_MS);
  await Promise.all(gone.map((c) => deps.channelPace.releaseShare(ref, c.broadcastId)));
  return shareOf(shareableCapacity(run.cappedChannel.capPerSecond, pace, nowMs), claims, claim, nowMs);
}

/** Withdraws the run's claim: its pacer has nothing more to release, or its loop ended. */
export async function releaseChannelShare(
  deps: Deps,
  run: BroadcastRun & { cappedChannel: NonNullable<BroadcastRun['cappedChannel']> },
): Promise<void> {
  await deps.channelPace.releaseShare(refOf(run), run.broadcastId);
}

function refOf(run: BroadcastRun & { cappedChannel: NonNullable<BroadcastRun['cappedChannel']> }): ChannelRef {
  return { tenantId: run.tenantId, channelId: run.cappedChannel.channelId };
}
