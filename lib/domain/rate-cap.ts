import { MAX_RATE_LIMIT } from './broadcast.js';
import type { ErrorCode } from './error-codes.js';
import { UnprocessableError } from './errors.js';

/** A sending rate a tenant asks for, named as the API names it. */
export interface RequestedRate {
  /** Messages per minute; `0` is unlimited. */
  perMinute: number;
  /** The request field it came from, for the problem's `errors`. */
  field: string;
  code: Extract<ErrorCode, 'broadcast.rate_limit_above_cap' | 'channel.rate_above_cap'>;
}

/**
 * The stage's cap on sending rates (MAX_RATE_PER_MINUTE, the stage's `maxRatePerMinute`): every rate a tenant sets
 * goes through here, so a stage cannot be made to send faster than it was sized for. `0` (unlimited) is accepted
 * everywhere (it is the API's default) and means "as fast as the stage allows": see pacedRatePerMinute. A channel's own rate (messages
 * per second, converted to per minute) is meant to come through here too, with a `channel.*` code of its own.
 */
export function assertWithinRateCap(rate: RequestedRate, capPerMinute: number): void {
  if (rate.perMinute <= capPerMinute) return;
  throw new UnprocessableError(
    rate.code,
    `${rate.field} ${rate.perMinute} is above this stage's cap of ${capPerMinute} messages per minute`,
    [{ field: rate.field, message: `at most ${capPerMinute} messages per minute in this stage` }],
  );
}

/** A broadcast's `rate_limit` against the stage's cap: 422 `broadcast.rate_limit_above_cap` above it. */
export function assertBroadcastRateWithinCap(rateLimit: number, capPerMinute: number): void {
  assertWithinRateCap(
    { perMinute: rateLimit, field: 'rate_limit', code: 'broadcast.rate_limit_above_cap' },
    capPerMinute,
  );
}

/** A channel's `max_messages_per_second` against the stage's cap: 422 `channel.rate_above_cap` above it. */
export function assertChannelRateWithinCap(perSecond: number, capPerMinute: number): void {
  if (perSecond * 60 <= capPerMinute) return;
  const most = Math.floor(capPerMinute / 60);
  throw new UnprocessableError(
    'channel.rate_above_cap',
    `max_messages_per_second ${perSecond} is above this stage's cap of ${capPerMinute} messages per minute`,
    [{ field: 'max_messages_per_second', message: `at most ${most} messages per second in this stage` }],
  );
}

/**
 * The rate a run is paced at. A broadcast's own rate, which the checks above kept within the cap; "unlimited" in a
 * stage capped below the API's ceiling runs at the stage's cap, so asking for unlimited is no way around it.
 */
export function pacedRatePerMinute(rateLimit: number, capPerMinute: number): number {
  return rateLimit === 0 && capPerMinute < MAX_RATE_LIMIT ? capPerMinute : rateLimit;
}
