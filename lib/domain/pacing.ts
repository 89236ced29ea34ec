/**
 * Rate pacing, pure. A broadcast's sends are grouped in chunks; each chunk gets a time slot, and the
 * sender may start a chunk's sends only inside [slot, slot + SEND_WINDOW_MS - SEND_GUARD_MS), so they reach
 * the channel within [slot, slot + SEND_WINDOW_MS). Slots are spaced so that the chunks of any 60-second window
 * can hold at most `rateLimit` sends:
 *
 *   a send at time t belongs to a slot in (t - window, t], so the sends in [a, a + 60 s) come from slots
 *   in an open interval of 60 s + window. With spacing (60 s + window) / floor(rate / chunk), at most
 *   floor(rate / chunk) slots fit, i.e. at most `rateLimit` sends.
 *
 * The other way round, when every chunk goes on time, a 60-second window holds every slot of a stretch of
 * 60 s − jitter (jitter: how much the delay from slot to channel varies), i.e. at least
 * floor((60 s − jitter) / spacing) chunks. What it loses against `rateLimit` is the window (60 / (60 + window)),
 * the jitter, and one chunk of granularity: hence a short window and small rated chunks (SLOTS_PER_MINUTE).
 * 1,200/min: chunks of 4, spacing 201.5 ms, ≥ 297 chunks = 1,188 (99.0 %) with up to 150 ms of jitter, 298 (99.3 %)
 * with less than 45 ms; 6,000/min: chunks of 20, ≥ 297 × 20 = 5,940 (99.0 %). Below 300/min a chunk is one message
 * and a slot a message: at 60/min a window holds 59 or 60, never all 60 in every sliding window, because both bounds at once would need every
 * 60th send exactly 60 s apart, which no jitter allows (59/60 = 98.3 % is the best a sliding window can show).
 *
 * A chunk that arrives too late is not sent but given a new slot, so lateness (a busy queue, a retry)
 * never bunches sends together. The slot clock's anchor only moves forward, which keeps the whole
 * sequence of slots monotone and spaced, across pause/resume and retries.
 */
/**
 * 450 ms: what a minute loses to the window is window / (60 s + window), 0.74 %, leaving a quarter of what 99 %
 * allows to jitter and granularity. The sender prepares a chunk (reads, lease, rendering) before its slot and only
 * waits for the instant, so its first request leaves within milliseconds of the slot: the 200 ms before the guard are
 * room for a late timer or a busy event loop, not for work.
 */
export const SEND_WINDOW_MS = 450;
/**
 * Margin for the gap between the sender's decision and the request reaching the channel: a request on a warm
 * connection takes a few milliseconds, but twenty requests of a chunk leaving at once from a busy process can take
 * over 100 ms to arrive (a bench run at 6,000/min on a loaded machine saw one chunk too many in a minute with a
 * 100 ms guard). The rate_limit is the promise; 99 % of it is the aim.
 */
export const SEND_GUARD_MS = 250;
/**
 * Chunk size at unlimited rate: big enough to amortise the per-chunk reads and writes (run, lease, tally:
 * about a tenth of a write unit per recipient at 50), small enough for one invocation's parallel sends.
 */
export const UNLIMITED_CHUNK_SIZE = 50;
/** A rated chunk's sends all start within the window, in parallel: a handful of requests, not a long batch. */
const MAX_RATED_CHUNK_SIZE = 25;
/**
 * Rated chunks are sized for about this many slots a minute: a window's count is whole chunks, so one chunk too few
 * (granularity, or one chunk deferred to a fresh slot) costs 1/300 = 0.33 % of the rate. Smaller chunks cost more
 * per recipient (each one is a queue message, a few reads and writes, an invocation): 300 a minute is 5 a second.
 */
const SLOTS_PER_MINUTE = 300;
const MINUTE_MS = 60_000;

/** About 1/300 of the per-minute allowance per chunk: 1,200/min sends 4 every ~200 ms, not 1,200 at once. */
export function chunkSizeFor(rateLimit: number): number {
  if (rateLimit === 0) return UNLIMITED_CHUNK_SIZE;
  return Math.min(MAX_RATED_CHUNK_SIZE, Math.max(1, Math.floor(rateLimit / SLOTS_PER_MINUTE)));
}

/**
 * On a capped channel: about one second of the broadcast's share of the channel (messages per second), within what
 * its own rate allows, and at most half a second of the whole channel (`capacityPerSecond`): a chunk's sends then fit
 * a sender's hold on the channel's timeline (MAX_CAP_HOLD_MS) with room for the other broadcasts' chunks. Fixed at
 * start; the share it was sized for may change later, the slot spacing follows.
 */
export function chunkSizeForShare(rateLimit: number, sharePerSecond: number, capacityPerSecond: number): number {
  let perChunk = Math.min(sharePerSecond, capacityPerSecond * MAX_CHUNK_SHARE_OF_CHANNEL);
  // A rated chunk's sends must all start within its slot's window, one after the other on the channel's timeline:
  // at most half the window's worth of the channel, leaving the rest to the other broadcasts' chunks.
  if (rateLimit > 0) perChunk = Math.min(perChunk, (capacityPerSecond * SEND_DECISION_MS * 0.5) / 1000);
  return Math.max(1, Math.min(chunkSizeFor(rateLimit), Math.floor(perChunk)));
}

/** How long after its slot a send of a chunk may still start. */
const SEND_DECISION_MS = SEND_WINDOW_MS - SEND_GUARD_MS;

/** A chunk on a capped channel holds at most this many seconds of the whole channel. */
const MAX_CHUNK_SHARE_OF_CHANNEL = 0.5;

/** Milliseconds between chunk slots; undefined when the rate is unlimited. */
export function slotSpacingMs(rateLimit: number, chunkSize: number): number | undefined {
  if (rateLimit === 0) return undefined;
  const chunksPerWindow = Math.floor(rateLimit / chunkSize);
  // Not rounded to whole milliseconds: at 200 ms a slot, rounding up would cost up to 0.5 % of the rate. Rounded up
  // to the next microsecond, plus one, so that the float slot times (epoch ms, ~0.2 µs apart at their magnitude)
  // never put chunksPerWindow + 1 slots in 60 s + window.
  return (Math.ceil(((MINUTE_MS + SEND_WINDOW_MS) * 1000) / chunksPerWindow) + 1) / 1000;
}

export interface SlotClock {
  /** Epoch ms of slot 0 (moves forward when the sequence would otherwise fall behind the clock). */
  anchorMs: number;
  spacingMs: number;
  /** Index of the next slot to hand out. */
  nextSlot: number;
}

/**
 * Hands out `count` consecutive slots, none earlier than `earliestMs`. Returns the new clock and the
 * slot times (epoch ms).
 */
export function allocateSlots(
  clock: SlotClock,
  count: number,
  earliestMs: number,
): { clock: SlotClock; slots: number[] } {
  const anchorMs = Math.max(clock.anchorMs, earliestMs - clock.nextSlot * clock.spacingMs);
  const slots = Array.from({ length: count }, (_, i) => anchorMs + (clock.nextSlot + i) * clock.spacingMs);
  return { clock: { ...clock, anchorMs, nextSlot: clock.nextSlot + count }, slots };
}

/**
 * Slot spacing for a broadcast paced at its share of a capped channel: chunks of `chunkSize` at `sharePerSecond`,
 * never faster than its own rate_limit allows (slotSpacingMs), so its per-minute invariant holds whatever the share.
 */
export function shareSlotSpacingMs(rateLimit: number, chunkSize: number, sharePerSecond: number): number {
  const own = slotSpacingMs(rateLimit, chunkSize) ?? 0;
  const share = Math.max(sharePerSecond, MIN_SHARE_PER_SECOND);
  return Math.max(own, Math.ceil((chunkSize * 1000) / share));
}

/** A share is never taken as less than this (one message a minute): it keeps a slot clock finite. */
const MIN_SHARE_PER_SECOND = 1 / 60;

/**
 * The clock with a new spacing from its next slot on. The next slot stays where the old spacing put it (one old
 * gap after the last slot handed out), later ones follow at the new spacing: slot times stay increasing, and every
 * gap is one of the spacings used, so whatever bound holds for each spacing holds across the change. The anchor is
 * only bookkeeping (next slot = anchor + nextSlot × spacing): it moves back when the spacing grows.
 */
export function respaceClock(clock: SlotClock, spacingMs: number): SlotClock {
  if (spacingMs === clock.spacingMs) return clock;
  const nextMs = clock.anchorMs + clock.nextSlot * clock.spacingMs;
  return { anchorMs: nextMs - clock.nextSlot * spacingMs, spacingMs, nextSlot: clock.nextSlot };
}

/** How many slots starting at the clock's next one fall before `untilMs`. */
export function slotsBefore(clock: SlotClock, earliestMs: number, untilMs: number): number {
  const anchorMs = Math.max(clock.anchorMs, earliestMs - clock.nextSlot * clock.spacingMs);
  const first = anchorMs + clock.nextSlot * clock.spacingMs;
  return first >= untilMs ? 0 : Math.ceil((untilMs - first) / clock.spacingMs);
}

export type SendTiming = { action: 'send' } | { action: 'wait'; ms: number } | { action: 'late' };

/** What the sender does with a chunk whose slot is `slotAt`, at `nowMs`. */
export function sendTiming(slotAt: number | undefined, nowMs: number): SendTiming {
  if (slotAt === undefined) return { action: 'send' };
  if (nowMs < slotAt) return { action: 'wait', ms: slotAt - nowMs };
  if (nowMs >= (sendWindowEnd(slotAt) as number)) return { action: 'late' };
  return { action: 'send' };
}

/** The last instant a send of a chunk with slot `slotAt` may start (undefined: no slot, no such bound). */
export function sendWindowEnd(slotAt: number | undefined): number | undefined {
  return slotAt === undefined ? undefined : slotAt + SEND_WINDOW_MS - SEND_GUARD_MS;
}

/**
 * How long the queue should hold a chunk whose slot is `msUntilSlot` away: whole seconds rounded down, so that it
 * arrives up to a second before its slot, never after (the sender holds an early chunk until its slot; a late one
 * loses it).
 */
export function queueDelaySecondsForSlot(msUntilSlot: number): number {
  return Math.max(0, Math.floor(msUntilSlot / 1000));
}
