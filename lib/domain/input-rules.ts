/**
 * What the API accepts in free-form input, beyond types: rules the HTTP schemas apply and the documentation
 * (docs/security-input.md) states. Pure values and predicates, so the domain and the schemas share them.
 */

/**
 * Short text (names, tags, ids, keys) holds no control character (C0, DEL, C1) and no bidirectional override or
 * isolate: they can break a line in a log or a CSV export, drive a terminal, or make a name read backwards.
 */
const SHORT_TEXT_FORBIDDEN = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;
/** Longer text (descriptions, custom field values) may hold tabs and line breaks, and no other control character. */
const LONG_TEXT_FORBIDDEN = /[^\P{Cc}\t\n\r]/u;

export const isCleanShortText = (text: string): boolean => !SHORT_TEXT_FORBIDDEN.test(text);
export const isCleanLongText = (text: string): boolean => !LONG_TEXT_FORBIDDEN.test(text);

/**
 * Keys that name a JavaScript prototype member. `JSON.parse` makes `"__proto__"` an own property, which a plain
 * object copy then turns into a prototype change (or drops); `constructor` makes the DynamoDB marshaller mistake the
 * map for a class instance. A custom field (or a filter on one, or a template variable) may not be named so.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Numbers a custom field may hold: what DynamoDB stores and the SDK reads back as the same JavaScript number. The
 * SDK refuses any number beyond ±(2^53 - 1) (it cannot tell a large one from an integer that lost precision), and
 * DynamoDB any non-zero magnitude below 1e-130.
 */
export const MAX_STORABLE_NUMBER = Number.MAX_SAFE_INTEGER;
export const MIN_STORABLE_MAGNITUDE = 1e-130;

export function isStorableNumber(n: number): boolean {
  if (!Number.isFinite(n)) return false;
  const magnitude = Math.abs(n);
  return magnitude <= MAX_STORABLE_NUMBER && (magnitude === 0 || magnitude >= MIN_STORABLE_MAGNITUDE);
}

/** Whether a URL carries credentials (`https://user:password@host/`), which are refused wherever a URL is taken. */
export function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/**
 * A URL as the API shows it: one stored with credentials before they were refused comes back without them (and
 * one that does not parse but looks as if it had some, not at all).
 */
export function withoutCredentials(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.includes('@') ? null : url;
  }
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}
