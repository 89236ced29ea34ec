/**
 * Fair sharing of a capped channel between the broadcasts running on it, pure. Each broadcast's pacer claims a
 * share at every tick, with its demand (its own rate, or unlimited); the channel's capacity is split max-min fair:
 * a broadcast asking less than an equal split keeps what it asks, the rest is split equally among the others. A
 * broadcast started while a large one runs therefore gets its equal part at once, not what the large one leaves.
 */

/** One broadcast's claim on a channel: what it could use, in messages per second; 0 is unlimited (as rate_limit). */
export interface ShareClaim {
  broadcastId: string;
  demandPerSecond: number;
  /** Epoch ms after which the claim no longer counts: its pacer stopped ticking (paused, crashed, done). */
  expiresAtMs: number;
}

/**
 * The broadcasts on a channel are paced to ask together for this much more than its timeline lets through. Asking
 * exactly for it would leave the timeline idle whenever their chunks happen to come late or bunched (that time is
 * lost for good); asking a little more keeps it busy, and what finds no room waits for a fresh slot of its broadcast,
 * which takes it in turn. So the channel runs close to the timeline's rate, at the cost of a few chunks in a hundred
 * partly deferred (npm run bench, channel_cap).
 */
export const SHARE_OVERBOOKING = 1.05;

/** A claim lives this many pacer ticks: a pacer that missed two ticks no longer holds a share. */
export const CLAIM_LIFETIME_TICKS = 3;

/** A broadcast's demand, in messages per second, from its rate_limit (per minute; 0 is unlimited). */
export function demandOf(rateLimitPerMinute: number): number {
  return rateLimitPerMinute === 0 ? 0 : rateLimitPerMinute / 60;
}

/** The claims still in force at `nowMs`. */
export function liveClaims(claims: readonly ShareClaim[], nowMs: number): ShareClaim[] {
  return claims.filter((claim) => claim.expiresAtMs > nowMs);
}

/**
 * Max-min fair shares of `capacity` (messages per second): by increasing demand, each claim gets the smaller of
 * its demand and an equal part of what is left. The shares add up to at most the capacity.
 */
export function maxMinShares(capacity: number, claims: readonly ShareClaim[]): Map<string, number> {
  const demand = (claim: ShareClaim) => (claim.demandPerSecond > 0 ? claim.demandPerSecond : Number.POSITIVE_INFINITY);
  const sorted = [...claims].sort((a, b) => demand(a) - demand(b) || a.broadcastId.localeCompare(b.broadcastId));
  const shares = new Map<string, number>();
  let left = Math.max(0, capacity);
  sorted.forEach((claim, i) => {
    const share = Math.min(demand(claim), left / (sorted.length - i));
    shares.set(claim.broadcastId, share);
    left -= share;
  });
  return shares;
}

/**
 * The share a broadcast gets of `capacity` when it joins (or renews its claim among) `claims`: its own claim
 * replaces any earlier one of the same broadcast.
 */
export function shareOf(capacity: number, claims: readonly ShareClaim[], own: ShareClaim, nowMs: number): number {
  const others = liveClaims(claims, nowMs).filter((claim) => claim.broadcastId !== own.broadcastId);
  return maxMinShares(capacity, [...others, own]).get(own.broadcastId) ?? 0;
}
