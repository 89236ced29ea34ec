import type { SkipReason } from './send-decision.js';

/** The skips a preflight forecasts: the reasons the send decision gives a contact that exists. */
export const PREFLIGHT_SKIP_REASONS = ['opted_out', 'suppressed', 'no_address', 'missing_variable'] as const;
export type PreflightSkipReason = (typeof PREFLIGHT_SKIP_REASONS)[number] & SkipReason;

export type RateLimiter = 'broadcast_rate' | 'channel_cap' | 'none';

export interface EffectiveRate {
  /** Messages per minute; undefined when nothing limits the broadcast. */
  perMinute?: number;
  limitedBy: RateLimiter;
}

/**
 * The rate a run would send at: the broadcast's `rate_limit` (0 is unlimited) or its channel's cap, whichever is
 * lower (the cap wins a tie: it holds whatever the broadcast asks). A capped channel shared with other running
 * broadcasts gives each a share of it, so a run can be slower than this.
 */
export function effectiveRate(rateLimitPerMinute: number, channelCapPerSecond: number | undefined): EffectiveRate {
  const cap = channelCapPerSecond === undefined ? undefined : channelCapPerSecond * 60;
  const rate = rateLimitPerMinute > 0 ? rateLimitPerMinute : undefined;
  if (cap !== undefined && (rate === undefined || cap <= rate)) return { perMinute: cap, limitedBy: 'channel_cap' };
  if (rate !== undefined) return { perMinute: rate, limitedBy: 'broadcast_rate' };
  return { limitedBy: 'none' };
}

/**
 * How long sending `messages` takes at `rate`: the pacer releases a minute's worth at a time, so whole minutes are
 * not rounded up. Unlimited: 0, as fast as the senders go (not estimated).
 */
export function estimatedDurationSeconds(messages: number, rate: EffectiveRate): number {
  if (rate.perMinute === undefined || messages === 0) return 0;
  return Math.ceil((messages / rate.perMinute) * 60);
}
