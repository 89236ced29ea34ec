import { UnprocessableError } from '../../../lib/domain/errors.js';
import { assertBroadcastRateWithinCap } from '../../../lib/domain/rate-cap.js';

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
