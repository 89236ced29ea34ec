import { MAX_REASON_CHARS, oneLine, truncate } from '../../../domain/safe-text.js';
import { parseRetryAfter } from '../webhook-channel.js';

/**
 * What a failed Cloud API send means for the broadcast, decided by Meta's `error.code` (Meta: "build your
 * app's error handling logic around code values and details payload properties", not titles, which "will
 * eventually be deprecated"). Sources: developers.facebook.com/documentation/business-messaging/whatsapp/
 * support/error-codes, the throughput page (130429, 131056, 131057) and the Graph API error-handling guide
 * (1, 2, 4, 17, 341, 190, 10, 200-299).
 *
 * - transient: worth retrying with backoff; `throttled` when the provider asks the whole channel to slow down.
 * - permanent: this contact's message cannot be delivered; retrying cannot help.
 * - channel: credentials, permissions, the account, or the template itself (missing, paused, disabled); every
 *   contact would fail alike, so the broadcast pauses instead of failing its audience one contact at a time.
 */
export type GraphFailure =
  | {
      kind: 'transient';
      throttled: boolean;
      code?: number;
      title: string;
      /** `whatsapp <code>: <title>`, bounded: what an execution's `error` or a pause reason says. */
      reason: string;
      retryAfterMs?: number;
    }
  | { kind: 'permanent'; code?: number; title: string; reason: string }
  | { kind: 'channel'; code?: number; title: string; reason: string };

export interface GraphFailureContext {
  /** The response's `Retry-After` header, when it had one. */
  retryAfter?: string | null;
  /** For an HTTP-date `Retry-After`; `Date.now()` when unset. */
  now?: number;
}

/** Account-wide rate limits: the channel as a whole must slow down. */
export const THROTTLED_CODES: ReadonlySet<number> = new Set([
  130429, // Cloud API throughput reached (per business number)
  80007, // WhatsApp Business Account rate limit
  4, // Graph: application request limit
  17, // Graph: user request limit
  341, // Graph: application limit reached
]);

/** Temporary conditions worth a retry that say nothing about the channel's pace. */
export const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  131056, // pair rate limit: this sender to this recipient; others are unaffected
  131057, // account in maintenance mode (e.g. a throughput upgrade, up to a minute)
  131000, // something went wrong
  131016, // service unavailable
  133004, // server temporarily unavailable
  1, // Graph: API unknown (possibly temporary)
  2, // Graph: API service (temporary downtime)
]);

/** Credentials, permissions, payment and account state: the channel's problem, not the contact's. */
export const CHANNEL_CODES: ReadonlySet<number> = new Set([
  0, // AuthException
  3, // capability or permission missing
  10, // permission denied
  102, // Graph: session expired
  190, // access token expired or invalid
  368, // temporarily blocked for policy violations
  131031, // business account locked
  131042, // business eligibility: payment issue
  131045, // incorrect certificate (phone number not registered)
  131048, // spam rate limit: sending from this number is restricted for quality
  133010, // phone number not registered
  // 200-299 (API permissions) are checked as a range below.
]);

/**
 * The broadcast's template as a whole, the same for every contact: failing each contact with it would burn the
 * whole audience, while a person can fix it (approve the template in this language, wait for Meta to lift a quality
 * pause, which it does by itself after hours) and resume. So these pause the broadcast like a channel problem.
 * The rest of 132000-132999 (parameter count or format, text too long, policy) can depend on one contact's
 * rendered values, so it stays per contact.
 */
export const TEMPLATE_WIDE_CODES: ReadonlySet<number> = new Set([
  132001, // template name does not exist in the translation (this name in this language)
  132015, // template is paused (low quality)
  132016, // template is disabled
]);

/** Per-recipient or per-message failures that no retry fixes. */
export const PERMANENT_CODES: ReadonlySet<number> = new Set([
  131008, // required parameter missing
  131009, // parameter value not valid
  131021, // recipient cannot be the sender
  131026, // message undeliverable
  131030, // recipient not in the allowed list (test numbers)
  131047, // re-engagement: more than 24 h since the user last replied; only templates are allowed
  131049, // Meta chose not to deliver (per-user marketing limit)
  131050, // user stopped marketing messages
  131051, // unsupported message type
  131052, // media download error
  131053, // media upload error
  130472, // user's number is part of an experiment
  130497, // business account restricted from messaging users in this country
  // 132000-132999 (template parameter count, missing template, text too long, policy, format, paused,
  // disabled...) are checked as a range below.
]);

/** Meta asks for about one message every 6 s to the same user (the pair rate limit behind 131056). */
export const PAIR_RATE_RETRY_MS = 6000;

const MAX_BODY_CHARS = 64 * 1024;
const MAX_TITLE_CHARS = 160;

interface GraphErrorBody {
  code?: number;
  subcode?: number;
  message?: string;
  details?: string;
  isTransient?: boolean;
}

/** Classifies a non-2xx answer of the messages endpoint; never echoes the raw body. */
export function classifyGraphFailure(
  httpStatus: number,
  bodyText: string,
  context: GraphFailureContext = {},
): GraphFailure {
  const error = graphErrorOf(bodyText);
  const code = error.code;
  const title = titleOf(error, httpStatus);
  const reason = describeWhatsAppError(code ?? `HTTP ${httpStatus}`, title, error.details);
  const base = code === undefined ? { title, reason } : { code, title, reason };
  const transient = (throttled: boolean) => {
    let retryAfterMs = retryAfterOf(context);
    if (code === 131056) retryAfterMs = Math.max(retryAfterMs ?? 0, PAIR_RATE_RETRY_MS);
    return retryAfterMs === undefined
      ? { kind: 'transient' as const, throttled, ...base }
      : { kind: 'transient' as const, throttled, ...base, retryAfterMs };
  };

  if (code !== undefined) {
    if (THROTTLED_CODES.has(code)) return transient(true);
    if (TRANSIENT_CODES.has(code)) return transient(false);
    if (CHANNEL_CODES.has(code) || TEMPLATE_WIDE_CODES.has(code) || (code >= 200 && code <= 299))
      return { kind: 'channel', ...base };
    if (PERMANENT_CODES.has(code) || (code >= 132000 && code <= 132999)) return { kind: 'permanent', ...base };
    // 100 "Invalid parameter" is permanent only when it is about the recipient (a number WhatsApp will not
    // take). Otherwise the request itself is wrong (a missing or misspelt field, an unknown phone number id,
    // subcode 33): that fails every contact alike, so it is the channel's configuration problem and the
    // broadcast pauses with the code, instead of failing the whole audience one contact at a time.
    if (code === 100) return concernsRecipient(error) ? { kind: 'permanent', ...base } : { kind: 'channel', ...base };
  }
  // An unknown code (or none): Graph's own hint first, then the HTTP status.
  if (error.isTransient === true) return transient(false);
  if (httpStatus === 429) return transient(true);
  if (httpStatus === 408 || (httpStatus >= 500 && httpStatus < 600)) return transient(false);
  if (httpStatus === 401 || httpStatus === 403) return { kind: 'channel', ...base };
  return { kind: 'permanent', ...base };
}

/**
 * `whatsapp 131026: Message Undeliverable (details)`: one line, control characters dropped, at most 200
 * characters. Shared by send failures and failed status receipts, so both read alike.
 */
export function describeWhatsAppError(code: number | string, title: string, details?: string): string {
  const label = oneLine(title);
  const head = label === '' || label === String(code) ? `whatsapp ${code}` : `whatsapp ${code}: ${label}`;
  // Details that only repeat the title (Graph often says it twice, once as `(#code) Title.`) add nothing.
  const extra = details === undefined ? '' : oneLine(details);
  const repeats = extra.replace(/^\(#\d+\)\s*/, '').replace(/\.$/, '') === label;
  return truncate(extra === '' || extra === label || repeats ? head : `${head} (${extra})`, MAX_REASON_CHARS);
}

/** Graph's `{ error: { message, type, code, error_subcode, error_data: { details }, is_transient } }`. */
function graphErrorOf(bodyText: string): GraphErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText.slice(0, MAX_BODY_CHARS));
  } catch {
    return {};
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (error === null || typeof error !== 'object') return {};
  const { code, error_subcode, message, error_data, is_transient } = error as Record<string, unknown>;
  const details = (error_data as { details?: unknown } | null | undefined)?.details;
  const result: GraphErrorBody = {};
  const numericCode = integerOf(code);
  if (numericCode !== undefined) result.code = numericCode;
  const subcode = integerOf(error_subcode);
  if (subcode !== undefined) result.subcode = subcode;
  if (typeof message === 'string') result.message = message.slice(0, MAX_TITLE_CHARS * 4);
  if (typeof details === 'string') result.details = details.slice(0, MAX_REASON_CHARS * 2);
  if (typeof is_transient === 'boolean') result.isTransient = is_transient;
  return result;
}

function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,9}$/.test(value)) return Number(value);
  return undefined;
}

/** Meta puts the title in `message`, prefixed with the code: `(#131026) Message Undeliverable.` */
function titleOf(error: GraphErrorBody, httpStatus: number): string {
  const title = oneLine((error.message ?? '').replace(/^\(#\d+\)\s*/, '')).replace(/\.$/, '');
  if (title === '') return `HTTP ${httpStatus}`;
  return truncate(title, MAX_TITLE_CHARS);
}

/**
 * Whether a code-100 error names the recipient: the `to` parameter, a recipient or a (user's) phone number,
 * but not the business's own phone number (a configuration problem). A bare "to" in prose does not count.
 */
function concernsRecipient(error: GraphErrorBody): boolean {
  const text = `${error.message ?? ''} ${error.details ?? ''}`;
  if (/business phone/i.test(text)) return false;
  return (
    /\brecipient/i.test(text) ||
    /\bwa_id\b/i.test(text) ||
    /\bphone[ _-]?number\b/i.test(text) ||
    /(?:param(?:eter)?|field)\s*[`'"]?to\b/i.test(text) ||
    /[`'"]to[`'"]/.test(text)
  );
}

function retryAfterOf({ retryAfter, now }: GraphFailureContext): number | undefined {
  return retryAfter === undefined ? undefined : parseRetryAfter(retryAfter, now ?? Date.now());
}
