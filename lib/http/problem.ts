import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ERROR_CODES, type ErrorCode } from '../domain/error-codes.js';
import {
  ConflictError,
  DomainError,
  type FieldError,
  InvalidCursorError,
  InvalidTransitionError,
  NotFoundError,
  NotImplementedError,
  RateLimitedError,
  UnprocessableError,
} from '../domain/errors.js';

/** An RFC 9457 problem the HTTP layer answers with. Thrown by middlewares and request parsing. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    detail: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export class ValidationProblem extends HttpProblem {
  constructor(errors: FieldError[]) {
    super(400, 'request.validation_failed', 'the request is not valid; see errors', errors);
  }
}

const STATUS_BY_ERROR: [new (...args: never[]) => DomainError, number][] = [
  [NotFoundError, 404],
  [InvalidTransitionError, 409],
  [ConflictError, 409],
  [UnprocessableError, 422],
  [InvalidCursorError, 400],
  [NotImplementedError, 501],
];

/** Maps any thrown value to a problem. Unknown errors become a 500 whose body reveals nothing internal. */
export function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof RateLimitedError) {
    return new HttpProblem(429, error.code, error.message, [], { 'retry-after': String(error.retryAfterSeconds) });
  }
  if (error instanceof DomainError) {
    const status = STATUS_BY_ERROR.find(([type]) => error instanceof type)?.[1] ?? 400;
    const errors = error instanceof UnprocessableError ? error.errors : [];
    return new HttpProblem(status, error.code, error.message, errors);
  }
  return new HttpProblem(500, 'internal', 'an internal error occurred; it has been logged');
}

export function problemResponse(problem: HttpProblem, instance?: string): APIGatewayProxyStructuredResultV2 {
  const body = {
    type: `https://broadcast.dev/problems/${problem.code.replaceAll('.', '/')}`,
    title: ERROR_CODES[problem.code],
    status: problem.status,
    detail: problem.message,
    code: problem.code,
    ...(instance ? { instance } : {}),
    ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
  };
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', ...problem.headers },
    body: JSON.stringify(body),
  };
}
