import fc from 'fast-check';
import { demandOf, maxMinShares, type ShareClaim, shareOf } from '../../../lib/domain/channel-share.js';

const claim = (broadcastId: string, demandPerSecond: number, expiresAtMs = 10_000): ShareClaim => ({
  broadcastId,
  demandPerSecond,
  expiresAtMs,
});

describe('max-min fair shares of a channel', () => {
  it('splits the capacity equally between unlimited broadcasts', () => {
    // Act
    const shares = maxMinShares(18, [claim('a', 0), claim('b', 0), claim('c', 0)]);

    // Assess
    expect([...shares.values()]).toEqual([6, 6, 6]);
  });

  it('leaves a broadcast asking less than an equal part what it asks, and splits the rest among the others', () => {
    // Act
    const shares = maxMinShares(18, [claim('slow', demandOf(120)), claim('a', 0), claim('b', 0)]);

    // Assess: 2/s for the 120/min broadcast, (18 - 2) / 2 for each of the others.
    expect(shares.get('slow')).toBe(2);
    expect(shares.get('a')).toBe(8);
    expect(shares.get('b')).toBe(8);
  });

  it('gives a broadcast that joins its equal part at once, and ignores claims that expired', () => {
    // Prepare
    const running = [claim('big', 0, 20_000), claim('crashed', 0, 4_000)];

    // Act
    const share = shareOf(18, running, claim('new', 0, 30_000), 5_000);

    // Assess
    expect(share).toBe(9);
  });

  it('is fair and adds up, for any demands', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 500, noNaN: true })), {
          minLength: 1,
          maxLength: 20,
        }),
        (capacity, demands) => {
          // Act
          const claims = demands.map((demand, i) => claim(`b${i}`, demand));
          const shares = maxMinShares(capacity, claims);

          // Assess
          const given = claims.map((c) => shares.get(c.broadcastId) as number);
          const total = given.reduce((sum, share) => sum + share, 0);
          expect(total).toBeLessThanOrEqual(capacity + 1e-6);
          claims.forEach((c, i) => {
            const share = given[i] as number;
            if (c.demandPerSecond > 0) expect(share).toBeLessThanOrEqual(c.demandPerSecond + 1e-9);
            // Max-min: whoever gets less than it asks gets at least as much as anyone else.
            const short = c.demandPerSecond === 0 || share < c.demandPerSecond - 1e-9;
            if (short) for (const other of given) expect(other).toBeLessThanOrEqual(share + 1e-6);
          });
          // Nothing is left unused while someone still wants more.
          const wantsMore = claims.some((c, i) => c.demandPerSecond === 0 || (given[i] as number) < c.demandPerSecond);
          if (wantsMore) expect(total).toBeCloseTo(capacity, 6);
        },
      ),
      { numRuns: 300 },
    );
  });
});
