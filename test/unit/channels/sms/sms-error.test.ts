import { classifySmsFailure } from '../../../../lib/adapters/channels/sms/sms-error.js';

/** An error as the SDK throws it once AWS answered: a name, a message, modelled members, the HTTP status. */
function answered(name: string, members: Record<string, unknown> = {}, status = 400) {
  return Object.assign(new Error(members.message === undefined ? `${name} message` : String(members.message)), {
    name,
    $metadata: { httpStatusCode: status },
    ...members,
  });
}

/** An error thrown before any answer: a network failure, a timeout, the credential chain. */
function unanswered(name: string, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { name, ...extra });
}

describe('classifySmsFailure, when AWS answered', () => {
  it.each([
    ['ConflictException', { Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' }, 'opted_out'],
    ['ConflictException', { Reason: 'DESTINATION_PHONE_NUMBER_NOT_VERIFIED' }, 'permanent'],
    ['ConflictException', { Reason: 'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION' }, 'permanent'],
    ['ConflictException', { Reason: 'MESSAGE_TYPE_MISMATCH' }, 'channel'],
    ['ConflictException', { Reason: 'RESOURCE_NOT_ACTIVE' }, 'channel'],
    ['ConflictException', {}, 'permanent'],
    ['ThrottlingException', {}, 'transient'],
    ['InternalServerException', {}, 'transient'],
    ['ServiceQuotaExceededException', { Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT' }, 'channel'],
    ['AccessDeniedException', { Reason: 'INSUFFICIENT_ACCOUNT_REPUTATION' }, 'channel'],
    ['ResourceNotFoundException', { ResourceType: 'configuration-set' }, 'channel'],
    ['ValidationException', { Reason: 'CANNOT_PARSE', Fields: [{ Name: 'DestinationPhoneNumber' }] }, 'permanent'],
    ['ValidationException', { Reason: 'DESTINATION_COUNTRY_BLOCKED' }, 'permanent'],
    ['ValidationException', { Reason: 'PRICE_OVER_THRESHOLD' }, 'permanent'],
    ['ValidationException', { Reason: 'INVALID_IDENTITY_FOR_DESTINATION_COUNTRY' }, 'permanent'],
    ['ValidationException', { Reason: 'FIELD_VALIDATION_FAILED', Fields: [{ Name: 'MessageBody' }] }, 'permanent'],
    [
      'ValidationException',
      { Reason: 'FIELD_VALIDATION_FAILED', Fields: [{ Name: 'OriginationIdentity' }] },
      'channel',
    ],
    [
      'ValidationException',
      { Reason: 'INVALID_PARAMETER', Fields: [{ Name: 'MaxPrice' }, { Name: 'MessageBody' }] },
      'channel',
    ],
    ['ValidationException', { Reason: 'INVALID_ARN' }, 'channel'],
    ['ValidationException', { Reason: 'CHANNEL_NOT_ENABLED' }, 'channel'],
    ['UnrecognizedClientException', {}, 'channel'],
    ['InvalidSignatureException', {}, 'channel'],
    ['ExpiredTokenException', {}, 'channel'],
  ])('%s %j is %s', (name, members, kind) => {
    // Act
    const outcome = classifySmsFailure(answered(name, members), 10_000);

    // Assess
    expect(outcome.kind).toBe(kind);
    if (outcome.kind === 'opted_out') expect(outcome.suppression).toBe('sms');
  });

  it('marks a throttle as one (the channel slows down), not other transient errors', () => {
    // Act
    const throttle = classifySmsFailure(answered('ThrottlingException'), 10_000);
    const internal = classifySmsFailure(answered('InternalServerException', {}, 500), 10_000);

    // Assess
    expect(throttle).toEqual({
      kind: 'transient',
      throttled: true,
      reason: 'sms ThrottlingException: ThrottlingException message',
    });
    expect(internal).toEqual({
      kind: 'transient',
      reason: 'sms InternalServerException: InternalServerException message',
    });
  });

  it.each([
    [429, { kind: 'transient', throttled: true }],
    [503, { kind: 'transient' }],
    [403, { kind: 'channel' }],
    [401, { kind: 'channel' }],
    [400, { kind: 'permanent' }],
  ])('decides an error it does not know by its HTTP status: %i', (status, expected) => {
    // Act and assess
    expect(classifySmsFailure(answered('SomethingNewException', {}, status), 10_000)).toMatchObject(expected);
  });

  it("keeps AWS's message to one bounded line", () => {
    // Act
    const outcome = classifySmsFailure(
      answered('ValidationException', { message: `bad\nnumber\u202e ${'x'.repeat(500)}`, Reason: 'CANNOT_PARSE' }),
      10_000,
    );

    // Assess
    if (outcome.kind !== 'permanent') throw new Error(`not permanent: ${outcome.kind}`);
    expect(outcome.reason.startsWith('sms ValidationException CANNOT_PARSE: bad number x')).toBe(true);
    expect(outcome.reason).toHaveLength(200);
    expect(outcome.reason).not.toMatch(/[\n\u202e]/);
  });
});

describe('classifySmsFailure, when AWS did not answer', () => {
  it.each([
    [unanswered('Error', 'connect ECONNREFUSED 127.0.0.1:4566', { code: 'ECONNREFUSED' }), 'transient'],
    [unanswered('Error', 'getaddrinfo ENOTFOUND sms-voice.x', { cause: { code: 'ENOTFOUND' } }), 'transient'],
    [unanswered('Error', 'self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'transient'],
    [unanswered('TimeoutError', 'socket hang up', { code: 'ECONNRESET' }), 'unknown'],
    [unanswered('AbortError', 'Request aborted'), 'unknown'],
    [unanswered('Error', 'Unexpected end of JSON input'), 'unknown'],
    [unanswered('CredentialsProviderError', 'Could not load credentials from any providers'), 'channel'],
    [unanswered('Error', 'Region is missing'), 'channel'],
  ])('%s is %s', (error, kind) => {
    // Act and assess
    expect(classifySmsFailure(error, 10_000).kind).toBe(kind);
  });

  it('says a timeout may have sent the message, and what was thrown when it was not an Error', () => {
    // Act
    const timeout = classifySmsFailure(unanswered('AbortError', 'This operation was aborted'), 2500);
    const odd = classifySmsFailure('boom', 2500);
    const nothing = classifySmsFailure(undefined, 2500);

    // Assess
    expect(timeout).toEqual({
      kind: 'unknown',
      reason: 'sms: no answer within 2500 ms; the message may have been sent',
    });
    expect(odd).toEqual({ kind: 'unknown', reason: 'sms: no answer; the message may have been sent: boom' });
    expect(nothing).toEqual({ kind: 'unknown', reason: 'sms: no answer; the message may have been sent: undefined' });
  });
});
