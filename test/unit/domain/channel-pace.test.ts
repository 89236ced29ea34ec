import fc from 'fast-check';
import {
  CAP_GUARD,
  type ChannelPace,
  DECREASE_COOLDOWN_MS,
  decreaseAfterThrottle,
  effectiveRate,
  IDLE_PACE,
  MAX_SEND_LATENESS_MS,
  MIN_EFFECTIVE_RATE,
  planReservation,
  sendInstants,
  sendSpacingMs,
} from '../../../lib/domain/channel-pace.js';

/** The most events any window [a, a + width) holds. */
function maxInWindow(times: readonly number[], width: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= width) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/**
 * What the design promises to absorb (docs/channel-cap.md): a send may leave up to MAX_SEND_LATENESS_MS after its
 * instant, and reach the provider up to this much later than the send before it did.
 */
const NETWORK_JITTER_MS = 54;

describe('the channel timeline (GCRA)', () => {
  it('reserves consecutive instants from the later of the timeline and the earliest start', () => {
    // Act
    const idle = planReservation(0, { count: 3, earliestMs: 1000, latestMs: 5000, spacingMs: 50 });
    const busy = planReservation(1400, { count: 3, earliestMs: 1000, latestMs: 5000, spacingMs: 50 });

    // Assess
    expect(idle).toEqual({ startMs: 1000, count: 3, spacingMs: 50, tatMs: 1150 });
    expect(sendInstants(idle)).toEqual([1000, 1050, 1100]);
    expect(busy).toEqual({ startMs: 1400, count: 3, spacingMs: 50, tatMs: 1550 });
  });

  it('grants only the sends that start by the latest instant, and none when the timeline is busy beyond it', () => {
    // Act
    const some = planReservation(1900, { count: 5, earliestMs: 1000, latestMs: 2000, spacingMs: 50 });
    const none = planReservation(2001, { count: 5, earliestMs: 1000, latestMs: 2000, spacingMs: 50 });

    // Assess
    expect(sendInstants(some)).toEqual([1900, 1950, 2000]);
    expect(some.tatMs).toBe(2050);
    expect(none).toMatchObject({ count: 0, tatMs: 2001 });
    expect(sendInstants(none)).toEqual([]);
  });

  it('spaces sends for the cap with the guard: 20/s is one send every 53.8 ms, 93 % of the cap at most', () => {
    expect(sendSpacingMs(20)).toBeCloseTo(53.763, 3);
    expect(1000 / sendSpacingMs(80)).toBeCloseTo(80 * CAP_GUARD, 6);
    expect(sendSpacingMs(0)).toBe(sendSpacingMs(MIN_EFFECTIVE_RATE));
  });

  it('never lets a one-second window exceed the cap, for any interleaving of reservations by any senders', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 5, 20, 80, 250),
        fc.array(
          fc.record({
            // When the sender asks (its own clock), how many sends, how long it may hold them.
            askedAt: fc.integer({ min: 0, max: 20_000 }),
            count: fc.integer({ min: 1, max: 60 }),
            holdMs: fc.integer({ min: 0, max: 2000 }),
            // The sender's view of the channel's effective rate: the cap, or less after throttles (AIMD).
            rateShare: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 1, noNaN: true })),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.array(fc.double({ min: 0, max: MAX_SEND_LATENESS_MS + NETWORK_JITTER_MS, noNaN: true }), {
          minLength: 1,
          maxLength: 40,
        }),
        (cap, requests, delays) => {
          // Prepare: the writes land in any order (the array's); each reservation moves the one timeline.
          let tatMs = 0;
          const arrivals: number[] = [];
          let draw = 0;

          // Act
          for (const request of requests) {
            const spacingMs = sendSpacingMs(cap * request.rateShare);
            const reservation = planReservation(tatMs, {
              count: request.count,
              earliestMs: request.askedAt,
              latestMs: request.askedAt + request.holdMs,
              spacingMs,
            });
            tatMs = reservation.tatMs;
            // Each send reaches the provider a little after its instant: the sender's lateness and the network's.
            for (const at of sendInstants(reservation)) arrivals.push(at + (delays[draw++ % delays.length] as number));
          }

          // Assess
          expect(maxInWindow(arrivals, 1000)).toBeLessThanOrEqual(cap);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the timeline busy at the guarded cap when senders keep asking', () => {
    // Prepare: a sender asks for 5 sends every 100 ms, well over a 20/s cap.
    let tatMs = 0;
    const instants: number[] = [];

    // Act
    for (let askedAt = 0; askedAt < 10_000; askedAt += 100) {
      const reservation = planReservation(tatMs, {
        count: 5,
        earliestMs: askedAt,
        latestMs: askedAt + 2000,
        spacingMs: sendSpacingMs(20),
      });
      tatMs = reservation.tatMs;
      instants.push(...sendInstants(reservation));
    }

    // Assess: 93 % of 20/s in every steady second, never more than 20.
    const steady = instants.filter((t) => t >= 3000 && t < 8000).length;
    expect(steady).toBeGreaterThanOrEqual(Math.floor(5 * 20 * CAP_GUARD));
    expect(maxInWindow(instants, 1000)).toBeLessThanOrEqual(20);
  });
});

describe('AIMD', () => {
  const cap = 20;

  it('sends at the cap until the provider throttles', () => {
    expect(effectiveRate(cap, IDLE_PACE, 1_000_000)).toBe(cap);
  });

  it('halves the effective rate on a throttle, then adds a tenth of the cap per second back, up to the cap', () => {
    // Act
    const decrease = decreaseAfterThrottle(cap, IDLE_PACE, 10_000);
    const pace: ChannelPace = { tatMs: 0, ...(decrease ? { decrease } : {}) };

    // Assess
    expect(decrease).toEqual({ ratePerSecond: 10, atMs: 10_000 });
    expect(effectiveRate(cap, pace, 10_000)).toBe(10);
    expect(effectiveRate(cap, pace, 12_500)).toBeCloseTo(15, 9);
    expect(effectiveRate(cap, pace, 15_000)).toBe(20);
    expect(effectiveRate(cap, pace, 60_000)).toBe(20);
  });

  it('counts the throttles of one burst once: no second decrease within the cooldown', () => {
    // Prepare
    const pace: ChannelPace = { tatMs: 0, decrease: { ratePerSecond: 10, atMs: 10_000 } };

    // Act
    const sameBurst = decreaseAfterThrottle(cap, pace, 10_000 + DECREASE_COOLDOWN_MS - 1);
    const nextBurst = decreaseAfterThrottle(cap, pace, 10_000 + DECREASE_COOLDOWN_MS);

    // Assess: the second halves the rate reached by then (10 + 2 × 2 = 14).
    expect(sameBurst).toBeUndefined();
    expect(nextBurst).toEqual({ ratePerSecond: 7, atMs: 10_000 + DECREASE_COOLDOWN_MS });
  });

  it('never goes below the floor, and never above a cap lowered since', () => {
    // Prepare
    let pace: ChannelPace = IDLE_PACE;
    let now = 0;

    // Act: a throttle at every cooldown for a minute.
    for (let i = 0; i < 30; i++, now += DECREASE_COOLDOWN_MS) {
      const decrease = decreaseAfterThrottle(cap, pace, now);
      if (decrease) pace = { tatMs: 0, decrease };
    }

    // Assess
    expect(effectiveRate(cap, pace, now - DECREASE_COOLDOWN_MS)).toBeGreaterThanOrEqual(MIN_EFFECTIVE_RATE);
    expect(effectiveRate(cap, pace, now - DECREASE_COOLDOWN_MS)).toBeLessThan(cap / 2);
    expect(effectiveRate(5, { tatMs: 0, decrease: { ratePerSecond: 10, atMs: 0 } }, 0)).toBe(5);
  });
});
