/**
 * Rate pacing, pure. A broadcast's sends are grouped in chunks; each chunk gets a time slot, and the
 * sender may start a chunk's sends only inside [slot, slot + SEND_WINDOW_MS - SEND_GUARD_MS). Slots are
 * spaced so that the chunks of any 60-second window can hold at most `rateLimit` sends:
 *
 *   a send at time t belongs to a slot in (t - window, t], so the sends in [a, a + 60 s) come from slots
 *   in an open interval of 60 s + window. With spacing (60 s + window) / floor(rate / chunk), at most
 *   floor(rate / chunk) slots fit, i.e. at most `rateLimit` sends.
 *
 * A chunk that arrives too late is not sent but given a new slot, so lateness (a busy queue, a retry)
 * never bunches sends together. The slot clock's anchor only moves forward, which keeps the whole
 * sequence of slots monotone and spaced, across pause/resume and retries.
 */
export const SEND_WINDOW_MS = 2000;
/** Margin for the gap between the sender's decision and the request reaching the channel. */
export const SEND_GUARD_MS = 250;
/**
 * Chunk size at unlimited rate: big enough to amortise the per-chunk reads and writes (run, lease, tally:
 * about a tenth of a write unit per recipient at 50), small enough for one invocation's parallel sends.
 */
export const UNLIMITED_CHUNK_SIZE = 50;
const MAX_RATED_CHUNK_SIZE = 25;
const MINUTE_MS = 60_000;

/** About one chunk per second of allowance: a 600/min broadcast sends ~10 every second, not 600 at once. */
export function chunkSizeFor(rateLimit: number): number {
  if (rateLimit === 0) return UNLIMITED_CHUNK_SIZE;
  return Math.min(MAX_RATED_CHUNK_SIZE, Math.max(1, Math.ceil(rateLimit / 60)));
}

/**
 * On a capped channel: about one second of the broadcast's share of the channel (messages per second), within what
 * its own rate allows, and at most half a second of the whole channel (`capacityPerSecond`): a chunk's sends then fit
 * a sender's hold on the channel's timeline (MAX_CAP_HOLD_MS) with room for the other broadcasts' chunks. Fixed at
 * start; the share it was sized for may change later, the slot spacing follows.
 */
export function chunkSizeForShare(rateLimit: number, sharePerSecond: number, capacityPerSecond: number): number {
  const perChunk = Math.min(sharePerSecond, capacityPerSecond * MAX_CHUNK_SHARE_OF_CHANNEL);
  return Math.max(1, Math.min(chunkSizeFor(rateLimit), Math.floor(perChunk)));
}

/** A chunk on a capped channel holds at most this many seconds of the whole channel. */
const MAX_CHUNK_SHARE_OF_CHANNEL = 0.5;

/** Milliseconds between chunk slots; undefined when the rate is unlimited. */
export function slotSpacingMs(rateLimit: number, chunkSize: number): number | undefined {
  if (rateLimit === 0) return undefined;
  const chunksPerWindow = Math.floor(rateLimit / chunkSize);
  return Math.ceil((MINUTE_MS + SEND_WINDOW_MS) / chunksPerWindow);
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
