import { STATUS_CODES } from 'node:http';
import { oneLine, safeReason, truncate } from '../../domain/safe-text.js';

/** A provider's error title is kept to this many characters, so the status and code always fit the reason. */
const MAX_TITLE_CHARS = 120;
/** Error codes as providers spell them: `invalid_phone`, `E1001`, `rate.limited`, `131026`. */
const CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * What an execution's `error` (and a pause reason) says of a non-2xx answer: the status with its standard reason
 * phrase (not the server's own, which it writes freely), then the provider's error code and title when the body is
 * JSON of a known shape. Nothing else of the body is ever copied: an answer from somewhere internal (a stack trace,
 * a metadata document, an HTML error page) must not come back to the caller through the API. One line, at most 200
 * characters, no control characters.
 *
 * Known shapes: `{"error": {"code", "message" | "title"}}` (Graph, Google and many more), `{"error": "<code>",
 * "error_description"}` (OAuth 2) or `{"error": "<title>"}`, `{"code", "message" | "title"}`, RFC 9457 problems (`title`, `code`) and
 * `{"errors": [{"code", "message" | "title" | "detail"}]}` (JSON:API).
 */
export function describeHttpFailure(status: number, bodyText: string): string {
  const head = `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;
  if (status >= 300 && status < 400) return `${head}: redirects are not followed; use the final URL`;
  const { code, title } = providerErrorOf(bodyText);
  const parts = [head, code, title].filter((part): part is string => part !== undefined && part !== '');
  return safeReason(parts.join(': '));
}

interface ProviderError {
  code?: string;
  title?: string;
}

function providerErrorOf(bodyText: string): ProviderError {
  if (!bodyText.trimStart().startsWith('{')) return {};
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return {};
  }
  if (!isObject(body)) return {};
  if (isObject(body.error)) return pick(body.error.code, body.error.message ?? body.error.title);
  if (typeof body.error === 'string') {
    // OAuth's `{"error": "invalid_token"}`, or a plain `{"error": "Invalid recipient"}`.
    return CODE.test(body.error) ? pick(body.error, body.error_description) : pick(undefined, body.error);
  }
  if (Array.isArray(body.errors) && isObject(body.errors[0])) {
    const first = body.errors[0];
    return pick(first.code, first.message ?? first.title ?? first.detail);
  }
  return pick(body.code, body.message ?? body.title);
}

function pick(code: unknown, title: unknown): ProviderError {
  const result: ProviderError = {};
  const codeText = typeof code === 'number' && Number.isSafeInteger(code) ? String(code) : code;
  if (typeof codeText === 'string' && CODE.test(codeText)) result.code = codeText;
  if (typeof title === 'string') {
    const line = oneLine(title);
    if (line !== '' && line !== result.code) result.title = truncate(line, MAX_TITLE_CHARS);
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
