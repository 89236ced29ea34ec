import fc from 'fast-check';
import {
  allocateSlots,
  chunkSizeFor,
  queueDelaySecondsForSlot,
  SEND_GUARD_MS,
  type SlotClock,
  sendTiming,
  slotSpacingMs,
  slotsBefore,
} from '../../../lib/domain/pacing.js';
import { maxInAnyMinute } from '../../support/send-windows.js';

/**
 * Simulates the pipeline with a controllable clock: chunks get slots, each is delivered with a random
 * lateness, sent if on time, else given a new slot; pauses move the clock on. Returns every send time.
 */
function simulate(rate: number, chunks: number, lateness: number[], pauses: number[]): number[] {
  const chunkSize = chunkSizeFor(rate);
  let clock: SlotClock = { anchorMs: 0, spacingMs: slotSpacingMs(rate, chunkSize) as number, nextSlot: 0 };
  const sends: number[] = [];
  let now = 0;
  let draw = 0;
  const queue: { slot: number; attempt: number }[] = [];
  for (let i = 0; i < chunks; i++) {
    const allocated = allocateSlots(clock, 1, now);
    clock = allocated.clock;
    queue.push({ slot: allocated.slots[0] as number, attempt: 0 });
  }
  while (queue.length > 0) {
    const { slot, attempt } = queue.shift() as { slot: number; attempt: number };
    // Lateness comes from a backlog; a chunk that was re-slotted a few times eventually arrives on time.
    const late = attempt < 3 ? (lateness[draw++ % lateness.length] as number) : 0;
    const delivered = Math.max(now, slot) + late;
    now = delivered + (attempt < 3 ? (pauses[draw % pauses.length] as number) : 0);
    const timing = sendTiming(slot, delivered);
    if (timing.action === 'late') {
      const allocated = allocateSlots(clock, 1, delivered);
      clock = allocated.clock;
      queue.push({ slot: allocated.slots[0] as number, attempt: attempt + 1 });
      continue;
    }
    const at = timing.action === 'wait' ? delivered + timing.ms : delivered;
    // Requests reach the channel a little after the decision, within the guard.
    for (let s = 0; s < chunkSize; s++) sends.push(at + ((s * 37) % SEND_GUARD_MS));
  }
  return sends;
}

describe('pacing', () => {
  it('sizes chunks at about one second of allowance', () => {
    expect(chunkSizeFor(0)).toBe(50);
    expect(chunkSizeFor(1)).toBe(1);
    expect(chunkSizeFor(60)).toBe(1);
    expect(chunkSizeFor(600)).toBe(10);
    expect(chunkSizeFor(60_000)).toBe(25);
  });

  it('never lets any 60-second window exceed the rate, whatever the lateness and pauses', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 7, 59, 60, 100, 130, 600, 1200, 6000),
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 0, max: 90_000 })), {
          minLength: 1,
          maxLength: 50,
        }),
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 120_000 })), { minLength: 1, maxLength: 10 }),
        (rate, lateness, pauses) => {
          // Prepare
          const chunks = Math.ceil((rate * 3) / chunkSizeFor(rate)) + 5;

          // Act
          const sends = simulate(rate, chunks, lateness, pauses);

          // Assess
          expect(sends).toHaveLength(chunks * chunkSizeFor(rate));
          expect(maxInAnyMinute(sends)).toBeLessThanOrEqual(rate);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('sends close to the rate at steady state when the channel keeps up', () => {
    for (const rate of [60, 100, 600, 1200]) {
      const chunks = Math.ceil((rate * 4) / chunkSizeFor(rate));
      const sends = simulate(rate, chunks, [0], [0]);
      const steady = sends.filter((t) => t >= 60_000 && t < 120_000).length;
      expect(steady).toBeGreaterThanOrEqual(Math.floor(rate * 0.95));
      expect(steady).toBeLessThanOrEqual(rate);
    }
  });

  it('never hands out a slot in the past, and keeps slots spaced after the anchor moves', () => {
    const clock: SlotClock = { anchorMs: 0, spacingMs: 1000, nextSlot: 5 };
    const { clock: next, slots } = allocateSlots(clock, 3, 100_000);
    expect(slots).toEqual([100_000, 101_000, 102_000]);
    expect(next.nextSlot).toBe(8);
    const later = allocateSlots(next, 1, 0);
    expect(later.slots).toEqual([103_000]);
    expect(slotsBefore(later.clock, 0, 106_500)).toBe(3);
  });

  it('tells the sender to wait, send or give up a late slot', () => {
    expect(sendTiming(undefined, 5)).toEqual({ action: 'send' });
    expect(sendTiming(1000, 400)).toEqual({ action: 'wait', ms: 600 });
    expect(sendTiming(1000, 1000)).toEqual({ action: 'send' });
    expect(sendTiming(1000, 2749)).toEqual({ action: 'send' });
    expect(sendTiming(1000, 2750)).toEqual({ action: 'late' });
  });
});

describe('queueDelaySecondsForSlot', () => {
  it('has a chunk arrive up to a second before its slot, never after', () => {
    // Prepare
    const untilSlot = [10_000, 10_999, 999, 0, -500];

    // Act
    const delays = untilSlot.map(queueDelaySecondsForSlot);

    // Assess
    expect(delays).toEqual([10, 10, 0, 0, 0]);
    for (const [i, ms] of untilSlot.entries())
      expect((delays[i] as number) * 1000).toBeLessThanOrEqual(Math.max(0, ms));
  });
});
