import { type AutoPausePolicy, autoPauseReason, isAutoPauseOn } from '../../../lib/domain/auto-pause.js';

const policy: AutoPausePolicy = { window: 100, minSends: 20, failureRate: 0.5 };
const run = (sent: number, failed: number, autoPauseOff?: boolean) => ({
  sent,
  failed,
  chunkSize: 50,
  ...(autoPauseOff === undefined ? {} : { autoPauseOff }),
});

describe('autoPauseReason', () => {
  it('pauses when at least half of the first sends failed, saying how many', () => {
    // Prepare
    const counts = run(10, 10);

    // Act
    const reason = autoPauseReason(counts, policy);

    // Assess
    expect(reason).toBe('auto_paused: 10 of the first 20 sends failed');
  });

  it('keeps going while the failure share is under the threshold', () => {
    // Prepare
    const counts = run(11, 9);

    // Act
    const reason = autoPauseReason(counts, policy);

    // Assess
    expect(reason).toBeUndefined();
  });

  it('does not judge before minSends sends are in', () => {
    // Prepare
    const counts = run(0, 19);

    // Act
    const reason = autoPauseReason(counts, policy);

    // Assess
    expect(reason).toBeUndefined();
  });

  it('judges up to one chunk past the window, and not after', () => {
    // Prepare
    const atTheEdge = run(0, policy.window + 50);
    const pastIt = run(0, policy.window + 51);

    // Act
    const reasons = [autoPauseReason(atTheEdge, policy), autoPauseReason(pastIt, policy)];

    // Assess
    expect(reasons).toEqual([`auto_paused: 150 of the first 150 sends failed`, undefined]);
  });

  it('does not second-guess a person who resumed the broadcast', () => {
    // Prepare
    const counts = run(0, 40, true);

    // Act
    const reason = autoPauseReason(counts, policy);

    // Assess
    expect(reason).toBeUndefined();
  });

  it('is off with a failure rate of 1', () => {
    // Prepare
    const off: AutoPausePolicy = { ...policy, failureRate: 1 };

    // Act
    const reason = autoPauseReason(run(0, 40), off);

    // Assess
    expect(isAutoPauseOn(off)).toBe(false);
    expect(isAutoPauseOn(policy)).toBe(true);
    expect(reason).toBeUndefined();
  });
});
