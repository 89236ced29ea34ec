/**
 * Typed domain errors. Each carries a stable machine `code` (see ERROR_CODES) that clients can branch on;
 * the HTTP layer maps the error class to a status, the domain never knows about HTTP.
 */
import type { ErrorCode } from './error-codes.js';

export interface FieldError {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The resource does not exist, or belongs to another tenant (the two are indistinguishable on purpose). */
export class NotFoundError extends DomainError {
  readonly code: ErrorCode;
  constructor(resource: 'contact' | 'contact_list' | 'broadcast' | 'execution' | 'channel', id: string) {
    super(`${resource.replace('_', ' ')} ${id} was not found`);
    this.code = `${resource}.not_found`;
  }
}

export class InvalidTransitionError extends DomainError {
  readonly code = 'broadcast.invalid_transition' as const;
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`a ${from} broadcast cannot become ${to}`);
  }
}

/** A state-dependent conflict that is not a status transition (e.g. editing a running broadcast). */
export class ConflictError extends DomainError {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Well-formed input that cannot be applied (unknown referenced ids, a time in the past, ...). */
export class UnprocessableError extends DomainError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

/** Too many requests of one kind: try again after `retryAfterSeconds` (HTTP 429 with Retry-After). */
export class RateLimitedError extends DomainError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class NotImplementedError extends DomainError {
  readonly code = 'not_implemented' as const;
}

export class InvalidCursorError extends DomainError {
  readonly code = 'request.invalid_cursor' as const;
  constructor() {
    super('the cursor is not one this API issued; start again without it');
  }
}
