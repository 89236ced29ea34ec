import {
  channelFaultStatusReason,
  classifySend,
  type RetryPolicy,
  retryDelayMs,
  type SendResult,
} from '../../../lib/domain/send-outcome.js';

const policy: RetryPolicy = { maxSendAttempts: 3, retryBaseMs: 5000 };

describe('classifySend', () => {
  it('records an accepted message as sent, with the provider id when there is one', () => {
    // Prepare
    const withId: SendResult = { outcome: { kind: 'accepted', providerMessageId: 'wamid.1' } };
    const withoutId: SendResult = { outcome: { kind: 'accepted' } };

    // Act
    const verdicts = [classifySend(withId, 1, true, policy), classifySend(withoutId, 1, true, policy)];

    // Assess
    expect(verdicts).toEqual([{ next: 'sent', providerMessageId: 'wamid.1' }, { next: 'sent' }]);
  });

  it('fails a permanent rejection at once, with the channel reason', () => {
    // Prepare
    const result: SendResult = { outcome: { kind: 'permanent', reason: 'invalid recipient' } };

    // Act
    const verdict = classifySend(result, 1, true, policy);

    // Assess
    expect(verdict).toEqual({ next: 'failed', reason: 'rejected', error: 'invalid recipient' });
  });

  it('puts a transient failure back, with the backoff for this attempt', () => {
    // Prepare
    const result: SendResult = { outcome: { kind: 'transient', reason: 'HTTP 503' } };

    // Act
    const verdicts = [classifySend(result, 1, true, policy), classifySend(result, 2, true, policy)];

    // Assess
    expect(verdicts).toEqual([
      { next: 'retry', error: 'HTTP 503', retryAfterMs: 5000, throttled: false },
      { next: 'retry', error: 'HTTP 503', retryAfterMs: 10_000, throttled: false },
    ]);
  });

  it('fails a transient failure on the last attempt as retries_exhausted', () => {
    // Prepare
    const result: SendResult = { outcome: { kind: 'transient', reason: 'HTTP 503' } };

    // Act
    const verdict = classifySend(result, policy.maxSendAttempts, true, policy);

    // Assess
    expect(verdict).toEqual({ next: 'failed', reason: 'retries_exhausted', error: 'HTTP 503' });
  });

  it('says when the channel asked to slow down, and waits as long as it asked', () => {
    // Prepare
    const result: SendResult = {
      outcome: { kind: 'transient', reason: 'HTTP 429', retryAfterMs: 120_000, throttled: true },
    };

    // Act
    const verdict = classifySend(result, 1, true, policy);

    // Assess
    expect(verdict).toEqual({ next: 'retry', error: 'HTTP 429', retryAfterMs: 120_000, throttled: true });
  });

  it('retries a throw like a transient failure where the channel de-duplicates', () => {
    // Prepare
    const result: SendResult = { thrown: new Error('socket hang up') };

    // Act
    const verdict = classifySend(result, 1, true, policy);

    // Assess
    expect(verdict).toEqual({
      next: 'retry',
      error: 'channel error: socket hang up',
      retryAfterMs: 5000,
      throttled: false,
    });
  });

  it('fails a throw as outcome_unknown where the channel cannot de-duplicate: it may have sent', () => {
    // Prepare
    const result: SendResult = { thrown: new Error(`socket\u0000 hang\nup \u001b[2J${'x'.repeat(500)}`) };

    // Act
    const verdict = classifySend(result, 1, false, policy);

    // Assess: one line, no control characters, at most 200 characters (issue 11).
    expect(verdict).toMatchObject({ next: 'failed', reason: 'outcome_unknown' });
    const error = verdict.next === 'failed' ? verdict.error : '';
    expect(error).toHaveLength(200);
    expect(error).toMatch(/^channel error: socket hang up \[2Jx+…$/);
  });
});

describe('classifySend: a send whose fate is unknown', () => {
  const timeout: SendResult = { outcome: { kind: 'unknown', reason: 'whatsapp: no answer within 10000 ms' } };

  it('fails it as outcome_unknown where the channel cannot de-duplicate: a second send could deliver twice', () => {
    // Act
    const verdicts = [1, 2, policy.maxSendAttempts].map((attempt) => classifySend(timeout, attempt, false, policy));

    // Assess: whatever the attempt, never a retry.
    for (const verdict of verdicts) {
      expect(verdict).toEqual({
        next: 'failed',
        reason: 'outcome_unknown',
        error: 'whatsapp: no answer within 10000 ms',
      });
    }
  });

  it('retries it with backoff where the channel de-duplicates by key, until retries run out', () => {
    // Act
    const first = classifySend(timeout, 1, true, policy);
    const last = classifySend(timeout, policy.maxSendAttempts, true, policy);

    // Assess
    expect(first).toEqual({
      next: 'retry',
      error: 'whatsapp: no answer within 10000 ms',
      retryAfterMs: 5000,
      throttled: false,
    });
    expect(last).toEqual({ next: 'failed', reason: 'retries_exhausted', error: 'whatsapp: no answer within 10000 ms' });
  });

  it('retries a failure that proves nothing left (transient) even where the channel cannot de-duplicate', () => {
    // Prepare
    const refused: SendResult = { outcome: { kind: 'transient', reason: 'connection failed before sending' } };

    // Act
    const verdict = classifySend(refused, 1, false, policy);

    // Assess
    expect(verdict).toMatchObject({ next: 'retry', error: 'connection failed before sending' });
  });
});

describe('classifySend: a broken channel', () => {
  it('halts with the channel reason, whatever the attempt and the channel: the contact is not at fault', () => {
    // Prepare
    const result: SendResult = { outcome: { kind: 'channel', reason: 'whatsapp 190: Session has expired' } };

    // Act
    const verdicts = [
      classifySend(result, 1, false, policy),
      classifySend(result, policy.maxSendAttempts, true, policy),
    ];

    // Assess: never failed, never retried (no attempt is spent on it).
    expect(verdicts).toEqual([
      { next: 'halt', reason: 'whatsapp 190: Session has expired' },
      { next: 'halt', reason: 'whatsapp 190: Session has expired' },
    ]);
  });
});

describe('classifySend: the person opted out with the provider', () => {
  it('skips the contact as opted_out and names the address to suppress, at any attempt, whatever the channel', () => {
    // Prepare
    const result: SendResult = { outcome: { kind: 'opted_out', suppression: 'sms', reason: 'sms ConflictException' } };

    // Act
    const verdicts = [classifySend(result, 1, false, policy), classifySend(result, 3, true, policy)];

    // Assess: never a retry, never a failure, even on the last attempt.
    for (const verdict of verdicts) {
      expect(verdict).toEqual({
        next: 'skipped',
        reason: 'opted_out',
        error: 'sms ConflictException',
        suppress: 'sms',
      });
    }
  });
});

describe('channelFaultStatusReason', () => {
  it('names the channel error, on one bounded line', () => {
    // Act
    const short = channelFaultStatusReason('whatsapp 190: Error validating access token');
    const long = channelFaultStatusReason(`whatsapp 10:\n${'x'.repeat(1000)}`);

    // Assess
    expect(short).toBe('channel_error: whatsapp 190: Error validating access token');
    expect(long).toHaveLength(300);
    expect(long.startsWith('channel_error: whatsapp 10: xxx')).toBe(true);
    expect(long).not.toContain('\n');
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base with every attempt', () => {
    // Prepare
    const attempts = [1, 2, 3, 4];

    // Act
    const delays = attempts.map((attempt) => retryDelayMs(attempt, 5000));

    // Assess
    expect(delays).toEqual([5000, 10_000, 20_000, 40_000]);
  });

  it('waits for a Retry-After longer than the backoff, and never less than the backoff', () => {
    // Prepare, Act
    const longer = retryDelayMs(1, 5000, 60_000);
    const shorter = retryDelayMs(3, 5000, 1000);

    // Assess
    expect(longer).toBe(60_000);
    expect(shorter).toBe(20_000);
  });

  it('keeps a wait beyond what a queue holds whole: the queue, not the policy, cuts it', () => {
    // Prepare, Act
    const backoff = retryDelayMs(10, 5000);
    const asked = retryDelayMs(1, 5000, 3_600_000);

    // Assess
    expect(backoff).toBe(5000 * 2 ** 9);
    expect(asked).toBe(3_600_000);
  });
});
