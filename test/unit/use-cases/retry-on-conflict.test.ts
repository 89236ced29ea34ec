import type { ErrorCode } from '../../../lib/domain/error-codes.js';
import { ConflictError, NotFoundError } from '../../../lib/domain/errors.js';
import { retryOnConflict } from '../../../lib/use-cases/retry-on-conflict.js';

/** A read-modify-write that loses `losses` races (ConflictError `code`) before it commits. */
function losing(losses: number, code: ErrorCode = 'contact.concurrent_update') {
  let calls = 0;
  return {
    calls: () => calls,
    attempt: async () => {
      calls++;
      if (calls <= losses) throw new ConflictError(code, 'the contact changed meanwhile');
      return 'committed';
    },
  };
}

describe('retryOnConflict', () => {
  it('runs the read-modify-write again after a lost race, up to 5 times in all', async () => {
    // Prepare
    const fourLosses = losing(4);
    const fiveLosses = losing(5);

    // Act
    const committed = await retryOnConflict(['contact.concurrent_update'], fourLosses.attempt);
    const gaveUp = retryOnConflict(['contact.concurrent_update'], fiveLosses.attempt);

    // Assess
    expect(committed).toBe('committed');
    expect(fourLosses.calls()).toBe(5);
    await expect(gaveUp).rejects.toBeInstanceOf(ConflictError);
    expect(fiveLosses.calls()).toBe(5);
  });

  it('throws a conflict with another code, or any other error, at once', async () => {
    // Prepare
    const otherCode = losing(1, 'contact.external_id_taken');
    const notFound = async () => {
      throw new NotFoundError('contact', 'c-1');
    };

    // Act
    const conflict = retryOnConflict(['contact.concurrent_update'], otherCode.attempt);
    const missing = retryOnConflict(['contact.concurrent_update'], notFound);

    // Assess
    await expect(conflict).rejects.toHaveProperty('code', 'contact.external_id_taken');
    expect(otherCode.calls()).toBe(1);
    await expect(missing).rejects.toBeInstanceOf(NotFoundError);
  });
});
