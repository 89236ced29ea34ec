import fc from 'fast-check';
import {
  classifyGraphFailure,
  describeWhatsAppError,
  PAIR_RATE_RETRY_MS,
} from '../../../../lib/adapters/channels/whatsapp/graph-error.js';

/** A Graph error body as Meta sends it. */
function graphError(code: number, message: string, details?: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    error: {
      message,
      type: 'OAuthException',
      code,
      ...(details === undefined ? {} : { error_data: { messaging_product: 'whatsapp', details } }),
      fbtrace_id: 'AbCdEf123',
      ...extra,
    },
  });
}

describe('classifyGraphFailure', () => {
  it.each([
    [130429, 429, '(#130429) Rate limit hit', true],
    [80007, 400, '(#80007) Rate limit issues', true],
    [4, 400, '(#4) Application request limit reached', true],
    [131056, 400, '(#131056) (Business Account, Consumer Account) pair rate limit hit', false],
    [131000, 500, '(#131000) Something went wrong', false],
    [1, 500, 'An unknown error occurred', false],
    [2, 503, 'Service temporarily unavailable', false],
  ])('retries code %i (HTTP %i) with backoff', (code, status, message, throttled) => {
    // Act
    const failure = classifyGraphFailure(status, graphError(code, message));

    // Assess
    expect(failure).toMatchObject({ kind: 'transient', throttled, code });
  });

  it.each([
    [131026, '(#131026) Message Undeliverable.', 'whatsapp 131026: Message Undeliverable'],
    [131047, '(#131047) Re-engagement message', 'whatsapp 131047: Re-engagement message'],
    [132000, '(#132000) Number of parameters does not match', 'whatsapp 132000: Number of parameters does not match'],
    [132005, '(#132005) Translated text too long', 'whatsapp 132005: Translated text too long'],
    [132012, '(#132012) Parameter format does not match format in the created template', undefined],
  ])('fails only the contact for code %i, naming the code and the title', (code, message, reason) => {
    // Act
    const failure = classifyGraphFailure(400, graphError(code, message));

    // Assess
    expect(failure).toMatchObject({ kind: 'permanent', code });
    if (reason !== undefined) expect(failure.reason).toBe(reason);
  });

  it.each([
    [190, 401, 'Error validating access token: Session has expired.'],
    [10, 403, '(#10) Application does not have permission for this action'],
    [200, 403, '(#200) Permissions error'],
    [299, 403, '(#299) Permission denied'],
    [131031, 403, '(#131031) Business Account locked'],
    [132001, 404, '(#132001) Template name does not exist in the translation'],
    [132015, 400, '(#132015) Template is paused'],
    [132016, 400, '(#132016) Template is disabled'],
  ])('makes code %i the channel problem (HTTP %i)', (code, status, message) => {
    // Act
    const failure = classifyGraphFailure(status, graphError(code, message));

    // Assess
    expect(failure).toMatchObject({ kind: 'channel', code });
    expect(failure.reason.startsWith(`whatsapp ${code}`)).toBe(true);
  });

  it('branches on the code, not the HTTP status or the title', () => {
    // Act
    const undeliverableAs500 = classifyGraphFailure(500, graphError(131026, 'Internal error, retry later'));
    const throughputAs400 = classifyGraphFailure(400, graphError(130429, '(#130429) Message Undeliverable'));

    // Assess
    expect(undeliverableAs500.kind).toBe('permanent');
    expect(throughputAs400).toMatchObject({ kind: 'transient', throttled: true });
  });

  it.each([
    ['the to parameter', '(#100) Invalid parameter', "Param 'to' is not a valid phone number"],
    ['the recipient', '(#100) Invalid parameter', 'Recipient phone number not valid'],
    ['a phone number', '(#100) The parameter phone_number is invalid', undefined],
  ])('fails the contact on code 100 about %s', (_what, message, details) => {
    // Act
    const failure = classifyGraphFailure(400, graphError(100, message, details));

    // Assess
    expect(failure).toMatchObject({ kind: 'permanent', code: 100 });
  });

  it.each([
    ['an unknown phone number id', "Unsupported post request. Object with ID '1234' does not exist", undefined, 33],
    ['a misspelt field', '(#100) Invalid parameter', 'Unexpected key "tempalte" on param "$"', undefined],
    ['prose that says "to"', '(#100) Invalid parameter', 'Failed to convert the template to a message', undefined],
    ['the business phone number', '(#100) Invalid parameter', 'The business phone number is not registered', undefined],
  ])('pauses the channel on code 100 about %s', (_what, message, details, subcode) => {
    // Act
    const failure = classifyGraphFailure(
      400,
      graphError(100, message, details, subcode === undefined ? {} : { error_subcode: subcode }),
    );

    // Assess
    expect(failure).toMatchObject({ kind: 'channel', code: 100 });
  });

  it.each([
    [429, '', { kind: 'transient', throttled: true }],
    [503, '<html>Service Unavailable</html>', { kind: 'transient', throttled: false }],
    [408, '', { kind: 'transient', throttled: false }],
    [401, 'Unauthorized', { kind: 'channel' }],
    [403, '{"error":"forbidden"}', { kind: 'channel' }],
    [404, 'not found', { kind: 'permanent' }],
    [400, '{"error":{"code":999999,"message":"Something new"}}', { kind: 'permanent', code: 999999 }],
  ])('falls back on HTTP %i when the code is unknown or absent', (status, body, expected) => {
    // Act
    const failure = classifyGraphFailure(status, body);

    // Assess
    expect(failure).toMatchObject(expected);
  });

  it("follows Graph's is_transient hint for an unknown code", () => {
    // Act
    const failure = classifyGraphFailure(400, graphError(999998, 'Try again', undefined, { is_transient: true }));

    // Assess
    expect(failure).toMatchObject({ kind: 'transient', throttled: false, code: 999998 });
  });

  it('says only the status when the body says nothing', () => {
    // Act
    const failure = classifyGraphFailure(503, '<html><body>upstream connect error</body></html>');

    // Assess
    expect(failure.reason).toBe('whatsapp HTTP 503');
    expect(failure).not.toHaveProperty('code');
  });

  it('takes Retry-After, and waits at least the pair rate for 131056', () => {
    // Act
    const throughput = classifyGraphFailure(429, graphError(130429, 'Rate limit hit'), { retryAfter: '7' });
    const pairShort = classifyGraphFailure(400, graphError(131056, 'pair rate limit hit'), { retryAfter: '2' });
    const pairLong = classifyGraphFailure(400, graphError(131056, 'pair rate limit hit'), { retryAfter: '30' });
    const pairBare = classifyGraphFailure(400, graphError(131056, 'pair rate limit hit'));
    const atDate = classifyGraphFailure(503, '', {
      retryAfter: 'Wed, 21 Oct 2026 07:28:10 GMT',
      now: Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'),
    });

    // Assess
    expect(throughput).toMatchObject({ retryAfterMs: 7000 });
    expect(pairShort).toMatchObject({ retryAfterMs: PAIR_RATE_RETRY_MS });
    expect(pairLong).toMatchObject({ retryAfterMs: 30_000 });
    expect(pairBare).toMatchObject({ retryAfterMs: PAIR_RATE_RETRY_MS });
    expect(atDate).toMatchObject({ retryAfterMs: 10_000 });
  });

  it('adds the details to the reason but never other fields of the body', () => {
    // Prepare
    const body = graphError(131047, '(#131047) Re-engagement message', 'More than 24 hours have passed', {
      access_token: 'EAAG-secret-token',
    });

    // Act
    const failure = classifyGraphFailure(400, body);

    // Assess
    expect(failure.reason).toBe('whatsapp 131047: Re-engagement message (More than 24 hours have passed)');
    expect(failure.reason).not.toContain('EAAG');
    expect(failure.reason).not.toContain('fbtrace');
  });

  it('always answers a bounded one-line reason, whatever the body', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 599 }),
        fc.oneof(
          fc.string({ maxLength: 2000 }),
          fc.json(),
          fc
            .record({
              code: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
              message: fc.oneof(fc.string({ maxLength: 1000 }), fc.integer()),
              details: fc.string({ maxLength: 1000 }),
            })
            .map(({ code, message, details }) => JSON.stringify({ error: { code, message, error_data: { details } } })),
        ),
        (status, body) => {
          // Act
          const failure = classifyGraphFailure(status, body);

          // Assess
          expect(['transient', 'permanent', 'channel']).toContain(failure.kind);
          expect(failure.reason.length).toBeLessThanOrEqual(200);
          expect(failure.reason).not.toMatch(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u);
          expect(failure.reason.startsWith('whatsapp ')).toBe(true);
        },
      ),
    );
  });
});

describe('describeWhatsAppError', () => {
  it('strips control characters and bidirectional overrides and cuts at 200 characters', () => {
    // Act
    const reason = describeWhatsAppError(131026, 'Message\r\nUndeliverable\u202e', `x${'y'.repeat(400)}\u0007`);

    // Assess
    expect(reason.startsWith('whatsapp 131026: Message Undeliverable (xyyy')).toBe(true);
    expect(reason).toHaveLength(200);
    expect(reason.endsWith('…')).toBe(true);
  });
});
