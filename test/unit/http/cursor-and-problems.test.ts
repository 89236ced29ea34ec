import fc from 'fast-check';
import { decodeCursor, encodeCursor } from '../../../lib/adapters/dynamodb/cursor.js';
import {
  ConflictError,
  InvalidCursorError,
  InvalidTransitionError,
  NotFoundError,
  NotImplementedError,
  RateLimitedError,
  UnprocessableError,
} from '../../../lib/domain/errors.js';
import { problemResponse, toProblem } from '../../../lib/http/problem.js';

describe('pagination cursor', () => {
  it('round-trips what it encodes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1024 }), fc.string({ minLength: 1, maxLength: 200 }), (s, k) => {
        expect(decodeCursor(encodeCursor({ s, k }))).toEqual({ s, k });
      }),
    );
  });

  it("reaches a big broadcast's last chunks: one partition per 50 contacts, millions of contacts", () => {
    // A million contacts is 20,000 chunks; the cursor past chunk 1,024 was refused.
    for (const s of [1025, 20_000, 10_000_000]) {
      expect(decodeCursor(encodeCursor({ s, k: 'CONTACT#c-1' }))).toEqual({ s, k: 'CONTACT#c-1' });
    }
    expect(() => decodeCursor(encodeCursor({ s: 10_000_001 }))).toThrow(InvalidCursorError);
  });

  it('refuses anything it did not issue with InvalidCursorError', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (garbage) => {
        try {
          const decoded = decodeCursor(garbage);
          // A random string that happens to decode must still be a well-formed cursor.
          expect(typeof decoded?.s).toBe('number');
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidCursorError);
        }
      }),
    );
    const forged = Buffer.from(JSON.stringify({ s: 0, k: 'x', pk: 'T#other#CONTACTS#0' })).toString('base64url');
    expect(() => decodeCursor(forged)).toThrow(InvalidCursorError);
  });
});

describe('problem mapping', () => {
  it.each([
    [new NotFoundError('broadcast', 'b-1'), 404, 'broadcast.not_found'],
    [new InvalidTransitionError('completed', 'running'), 409, 'broadcast.invalid_transition'],
    [new ConflictError('broadcast.not_draft', 'x'), 409, 'broadcast.not_draft'],
    [new UnprocessableError('broadcast.unknown_list', 'x'), 422, 'broadcast.unknown_list'],
    [new InvalidCursorError(), 400, 'request.invalid_cursor'],
    [new NotImplementedError('later'), 501, 'not_implemented'],
  ])('maps %s to %i', (error, status, code) => {
    const problem = toProblem(error);
    expect(problem.status).toBe(status);
    expect(problem.code).toBe(code);
  });

  it('answers a rate limit with 429 and Retry-After in seconds', () => {
    // Prepare
    const error = new RateLimitedError('broadcast.test_send_rate_limited', 'retry in 42 s', 42);

    // Act
    const response = problemResponse(toProblem(error), '/api/v1/broadcasts/b-1/test-send');

    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.headers).toEqual({ 'content-type': 'application/problem+json', 'retry-after': '42' });
    expect(JSON.parse(response.body as string)).toMatchObject({ code: 'broadcast.test_send_rate_limited' });
  });

  it('never leaks the message of an unexpected error', () => {
    // Prepare
    const error = new Error('connect ECONNREFUSED 10.0.0.1:8000 table secret-table');

    // Act
    const response = problemResponse(toProblem(error), '/api/v1/contacts');

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.body).not.toContain('ECONNREFUSED');
    expect(response.body).not.toContain('secret-table');
    expect(JSON.parse(response.body as string)).toMatchObject({
      status: 500,
      code: 'internal',
      title: 'Internal error',
    });
  });
});
