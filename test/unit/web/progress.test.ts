import { addSample, etaSeconds, percentDone, RATE_WINDOW_MS, ratePerMinute } from '../../../web/src/logic/progress.js';

const stats = (done: number, total = 100) => ({ total_contacts: total, sent: done, failed: 0, skipped: 0 });

describe('dashboard progress figures', () => {
  it('counts sent, failed and skipped as done, rounding down so 100 % means every contact', () => {
    // Act
    const almost = percentDone({ total_contacts: 1000, sent: 990, failed: 5, skipped: 4 });
    const all = percentDone({ total_contacts: 3, sent: 1, failed: 1, skipped: 1 });
    const empty = percentDone(stats(0, 0));

    // Assess
    expect([almost, all, empty]).toEqual([99, 100, 0]);
  });

  it('measures the rate per minute over the samples of the window', () => {
    // Prepare
    let samples = addSample([], { atMs: 0, done: 0 });
    samples = addSample(samples, { atMs: 10_000, done: 20 });
    samples = addSample(samples, { atMs: 20_000, done: 40 });

    // Act
    const rate = ratePerMinute(samples);

    // Assess
    expect(rate).toBe(120);
  });

  it('forgets samples older than the window but one, so a stall shows as a falling rate', () => {
    // Prepare
    let samples = addSample([], { atMs: 0, done: 0 });
    samples = addSample(samples, { atMs: 5_000, done: 50 });
    samples = addSample(samples, { atMs: 5_000 + RATE_WINDOW_MS, done: 50 });
    samples = addSample(samples, { atMs: 10_000 + RATE_WINDOW_MS, done: 50 });

    // Act
    const rate = ratePerMinute(samples);

    // Assess
    expect(samples.map((s) => s.atMs)).toEqual([5_000, 5_000 + RATE_WINDOW_MS, 10_000 + RATE_WINDOW_MS]);
    expect(rate).toBe(0);
  });

  it('has no rate from a single sample or samples under a second apart', () => {
    // Act
    const one = ratePerMinute([{ atMs: 0, done: 5 }]);
    const close = ratePerMinute([
      { atMs: 0, done: 5 },
      { atMs: 500, done: 9 },
    ]);

    // Assess
    expect([one, close]).toEqual([null, null]);
  });

  it('estimates the seconds left from the remaining contacts and the rate, and none without a rate', () => {
    // Act
    const eta = etaSeconds(stats(40), 120);
    const noRate = etaSeconds(stats(40), 0);
    const finished = etaSeconds(stats(100), null);

    // Assess
    expect([eta, noRate, finished]).toEqual([30, null, 0]);
  });
});
