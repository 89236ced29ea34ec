import { scheduledStartDecision } from '../../../lib/domain/scheduling.js';

const DAY = 86_400_000;
const AT = '2026-03-01T10:00:00.000Z';
const at = (offsetMs: number) => new Date(Date.parse(AT) + offsetMs);

describe('scheduledStartDecision', () => {
  it.each([
    ['a day early', -DAY, 'early'],
    ['a millisecond early', -1, 'early'],
    ['exactly on time', 0, 'start'],
    ['a minute late (Scheduler precision)', 60_000, 'start'],
    ['exactly the allowed lateness late', DAY, 'start'],
    ['a millisecond more than the allowed lateness late', DAY + 1, 'expire'],
    ['a week late', 7 * DAY, 'expire'],
  ] as const)('%s: %s', (_, offset, decision) => {
    expect(scheduledStartDecision(AT, at(offset), DAY)).toBe(decision);
  });

  it('reads scheduled_for with its offset', () => {
    expect(scheduledStartDecision('2026-03-01T07:00:00-03:00', at(0), DAY)).toBe('start');
    expect(scheduledStartDecision('2026-03-01T07:00:00-03:00', at(-1), DAY)).toBe('early');
  });

  it('follows the configured lateness', () => {
    expect(scheduledStartDecision(AT, at(61_000), 60_000)).toBe('expire');
    expect(scheduledStartDecision(AT, at(59_000), 60_000)).toBe('start');
  });

  it('refuses a time that is not one', () => {
    expect(() => scheduledStartDecision('soon', at(0), DAY)).toThrow(RangeError);
  });
});
