import { UnprocessableError } from '../../../lib/domain/errors.js';
import { assertBroadcastRateWithinCap, pacedRatePerMinute } from '../../../lib/domain/rate-cap.js';

const CAP = 600;

function refusal(rateLimit: number, cap: number): unknown {
  try {
    assertBroadcastRateWithinCap(rateLimit, cap);
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('assertBroadcastRateWithinCap', () => {
  it.each([
    ['unlimited (0), which is not a rate', 0],
    ['one message per minute', 1],
    ['exactly the cap', CAP],
  ])('accepts %s', (_, rateLimit) => {
    // Act
    const error = refusal(rateLimit, CAP);

    // Assess
    expect(error).toBeUndefined();
  });

  it.each([
    ['one above the cap', CAP + 1],
    ['far above the cap', 60_000],
  ])('refuses %s with 422 broadcast.rate_limit_above_cap naming rate_limit', (_, rateLimit) => {
    // Act
    const error = refusal(rateLimit, CAP);

    // Assess
    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toMatchObject({
      code: 'broadcast.rate_limit_above_cap',
      errors: [{ field: 'rate_limit', message: expect.stringContaining(String(CAP)) }],
    });
    expect((error as Error).message).toContain(`${rateLimit}`);
  });
});

describe('pacedRatePerMinute', () => {
  it.each([
    ['an own rate is kept', 120, CAP, 120],
    ['unlimited in a capped stage runs at the cap', 0, CAP, CAP],
    ['unlimited stays unlimited where the stage allows the API ceiling', 0, 60_000, 0],
  ])('%s', (_, rateLimit, cap, expected) => {
    // Act
    const paced = pacedRatePerMinute(rateLimit, cap);

    // Assess
    expect(paced).toBe(expected);
  });
});
