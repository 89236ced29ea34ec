/**
 * A channel's throughput cap (`max_messages_per_second`), shared by every broadcast and every sender using the
 * channel, pure. The channel has one timeline (GCRA, the "generic cell rate algorithm"): its `tatMs` ("theoretical
 * arrival time") is the earliest instant the channel's next send may start. A sender about to send `k` messages
 * reserves `k` consecutive instants `start + i × spacing` with `start = max(tat, earliest)` and moves `tat` to
 * `start + k × spacing`, in one write (see lib/ports/channel-pace-store.ts). Every reservation of every sender then
 * sits on one line, spaced at least `spacing` apart, so no one-second window holds more than the cap:
 *
 *   sends in a window [a, a + 1 s) were reserved in (a - L, a + 1 s), L the lateness a send may have (below); an
 *   interval of 1 s + L holds at most ceil((1 s + L) / spacing) instants `spacing` apart. With spacing =
 *   1 s / (cap × CAP_GUARD) that is at most the cap, as long as L plus the network's jitter stays under
 *   1 s / CAP_GUARD - 1 s (75 ms at 0.93).
 *
 * AIMD on top: a throttled answer (HTTP 429, WhatsApp 130429) halves the channel's effective rate; it recovers by a
 * tenth of the cap per second since, computed when read (no writes to recover).
 */

/**
 * The share of the cap the timeline is paced at: 93 %. The other 7 % is room for time the sends lose on their way
 * (1 s / 0.93 - 1 s = 75 ms per 1 s window): MAX_SEND_LATENESS_MS in the sender, the rest for the network.
 */
export const CAP_GUARD = 0.93;
/**
 * A send found this late against its reserved instant (a stalled process, a slow write) is not made: it takes a new
 * instant in the next reservation. Small enough that a stall in the sender's process cannot bunch sends either: at
 * most (cap - 1) reserved instants fit in 1 s + 20 ms for any cap of 20 and more.
 */
export const MAX_SEND_LATENESS_MS = 20;
/** A reservation starts no sooner than this after it is asked for: the time its own write takes. */
export const RESERVATION_LEAD_MS = 50;
/**
 * The longest a sender holds its sends for the channel's timeline; further away, the chunk takes a fresh slot. Long
 * enough to bridge the gaps between chunks (the timeline never idles while chunks are on their way), short enough
 * that a sender invocation mostly sends rather than waits.
 */
export const MAX_CAP_HOLD_MS = 1000;

/** AIMD: the effective rate never drops below this (messages per second). */
export const MIN_EFFECTIVE_RATE = 1;
/** AIMD: what a throttle multiplies the effective rate by. */
export const DECREASE_FACTOR = 0.5;
/**
 * AIMD: at most one decrease per this long. The throttles of one burst (the sends already in flight when the first
 * 429 came back) are one signal, not ten: each halving would otherwise floor the rate in a second.
 */
export const DECREASE_COOLDOWN_MS = 2000;
/** AIMD: after a decrease the rate grows back by this share of the cap per second (from half to full: 5 s). */
export const RECOVERY_SHARE_PER_SECOND = 0.1;

/** What is stored of a channel's pace (one small item per channel, see keys.ts). */
export interface ChannelPace {
  /** The earliest instant (epoch ms) the channel's next send may start; 0 when it never sent. */
  tatMs: number;
  /** The cap the last reservation was made under: the channel's cap as its senders last read it. */
  capPerSecond?: number;
  /** The last AIMD decrease: the rate it set (messages per second) and when (epoch ms). */
  decrease?: { ratePerSecond: number; atMs: number };
}

export const IDLE_PACE: ChannelPace = { tatMs: 0 };

/** The rate the channel sends at now: its cap, or less for a while after the provider throttled it. */
export function effectiveRate(capPerSecond: number, pace: ChannelPace, nowMs: number): number {
  if (!pace.decrease) return capPerSecond;
  const elapsedSeconds = Math.max(0, nowMs - pace.decrease.atMs) / 1000;
  const recovered =
    Math.max(MIN_EFFECTIVE_RATE, pace.decrease.ratePerSecond) +
    capPerSecond * RECOVERY_SHARE_PER_SECOND * elapsedSeconds;
  return Math.min(capPerSecond, recovered);
}

/** Milliseconds between two sends on the timeline at `ratePerSecond` (never less than the cap's, with the guard). */
export function sendSpacingMs(ratePerSecond: number): number {
  return 1000 / (Math.max(MIN_EFFECTIVE_RATE, ratePerSecond) * CAP_GUARD);
}

/**
 * The decrease a throttle at `nowMs` makes, or undefined when the last one is more recent than the cooldown (the
 * same burst of throttles).
 */
export function decreaseAfterThrottle(
  capPerSecond: number,
  pace: ChannelPace,
  nowMs: number,
): { ratePerSecond: number; atMs: number } | undefined {
  if (pace.decrease && nowMs - pace.decrease.atMs < DECREASE_COOLDOWN_MS) return undefined;
  const ratePerSecond = Math.max(MIN_EFFECTIVE_RATE, effectiveRate(capPerSecond, pace, nowMs) * DECREASE_FACTOR);
  return { ratePerSecond, atMs: nowMs };
}

export interface ReservationRequest {
  /** Sends wanted. */
  count: number;
  /** No send before this instant. */
  earliestMs: number;
  /** No send after this instant (the end of the chunk's slot window, or the longest hold). */
  latestMs: number;
  spacingMs: number;
}

/**
 * A reservation on the timeline: `count` sends (at most what was asked) at `startMs + i × spacingMs`, and where the
 * timeline stands after it. `count` 0: the timeline is busy past `latestMs`, nothing fits.
 */
export interface Reservation {
  startMs: number;
  count: number;
  spacingMs: number;
  tatMs: number;
}

/** The reservation a request gets against a timeline standing at `tatMs`. */
export function planReservation(tatMs: number, request: ReservationRequest): Reservation {
  const { earliestMs, latestMs, spacingMs } = request;
  const startMs = Math.max(tatMs, earliestMs);
  const fits = startMs > latestMs ? 0 : Math.floor((latestMs - startMs) / spacingMs) + 1;
  const count = Math.max(0, Math.min(request.count, fits));
  return { startMs, count, spacingMs, tatMs: count === 0 ? tatMs : startMs + count * spacingMs };
}

/** The instants of a reservation's sends. */
export function sendInstants(reservation: Reservation): number[] {
  return Array.from({ length: reservation.count }, (_, i) => reservation.startMs + i * reservation.spacingMs);
}
