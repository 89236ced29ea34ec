import { MAX_REASON_CHARS, oneLine, truncate } from '../../../domain/safe-text.js';
import type { SendOutcome } from '../../../ports/channel-sender.js';
import { failedBeforeSending, requestNeverLeft } from '../request-never-left.js';

/**
 * What a failed SendEmail means for the broadcast, decided by the SDK's error name (SES v2's error shapes, as the
 * AWS SDK v3 throws them) and, for the few SES documents by text, the message. Sources: the SES v2 API reference
 * (SendEmail errors), the SES developer guide ("Errors related to sending quotas": over the rate or the daily quota,
 * SES refuses the message, saying "Maximum sending rate exceeded" or "Daily message quota exceeded"; the sandbox's
 * "Email address is not verified").
 *
 * - throttled (transient, the channel slows down): TooManyRequestsException, ThrottlingException / Throttling
 *   ("Maximum sending rate exceeded"), LimitExceededException. Never skipped: the contact is retried later.
 * - channel (the broadcast pauses with the reason): "Daily message quota exceeded" (it clears only as the 24-hour
 *   window moves, hours away: retrying would burn every attempt), AccountSuspendedException,
 *   SendingPausedException, MailFromDomainNotVerifiedException, NotFoundException (the configuration set is gone),
 *   authentication and permission errors, missing credentials, and a MessageRejected that names the From identity
 *   as not verified (the sandbox, or an identity deleted since).
 * - permanent (this contact fails): MessageRejected otherwise (in the sandbox: a recipient not verified),
 *   BadRequestException and any other refusal SES answers with a 4xx.
 * - transient: SES's 5xx answers (it refused to work on the request), and network failures that prove the request
 *   never left (refused, unresolved, no connection within the timeout).
 * - unknown: no answer after the request may have left (a timeout, a connection cut, an answer that could not be
 *   read): SendEmail has no idempotency key, so the contact fails as `outcome_unknown` rather than risk a second
 *   e-mail.
 */

export const THROTTLING_NAMES: ReadonlySet<string> = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'LimitExceededException',
  'RequestLimitExceeded',
]);

export const CHANNEL_NAMES: ReadonlySet<string> = new Set([
  'AccountSuspendedException',
  'SendingPausedException',
  'MailFromDomainNotVerifiedException',
  'NotFoundException',
  // Authentication and authorisation: the role or keys, not the contact.
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'AccessDenied',
  'AccessDeniedException',
  'NotAuthorized',
  'ExpiredToken',
  'ExpiredTokenException',
  'OptInRequired',
  // The SDK found no credentials at all: nothing was sent.
  'CredentialsProviderError',
]);

const DAILY_QUOTA = /daily message quota exceeded/i;
const NOT_VERIFIED = /not verified/i;

/** @smithy/node-http-handler's connection timeout: the socket never connected. */
const NO_CONNECTION = /did not establish a connection/i;

interface SdkError {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

export interface SesFailureContext {
  /** The channel's From address: a MessageRejected naming it as not verified is the channel's problem. */
  fromAddress: string;
}

/** Classifies what SendEmail threw; never echoes more than a bounded, one-line reason. */
export function classifySesError(error: unknown, context: SesFailureContext): SendOutcome {
  const e = (error ?? {}) as SdkError;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const text = typeof e.message === 'string' ? e.message : String(error);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const reason = describeSesError(name, text);

  if (DAILY_QUOTA.test(text)) return { kind: 'channel', reason };
  if (THROTTLING_NAMES.has(name) || status === 429) return { kind: 'transient', reason, throttled: true };
  if (CHANNEL_NAMES.has(name)) return { kind: 'channel', reason };
  if (name === 'MessageRejected') {
    return namesIdentity(text, context.fromAddress) && NOT_VERIFIED.test(text)
      ? { kind: 'channel', reason }
      : { kind: 'permanent', reason };
  }
  if (status !== undefined) {
    if (status === 401 || status === 403) return { kind: 'channel', reason };
    if (status >= 500) return { kind: 'transient', reason };
    return { kind: 'permanent', reason };
  }
  // No HTTP answer: did the request leave?
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (name === 'TimeoutError' && NO_CONNECTION.test(text)) {
    return { kind: 'transient', reason: 'ses: no connection within the timeout; nothing was sent' };
  }
  if (requestNeverLeft(code)) return failedBeforeSending('ses', code);
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return { kind: 'unknown', reason: 'ses: no answer within the timeout; the e-mail may have been sent' };
  }
  return {
    kind: 'unknown',
    reason: truncate(
      `ses: no usable answer; the e-mail may have been sent: ${code ?? oneLine(text)}`,
      MAX_REASON_CHARS,
    ),
  };
}

/** `ses MessageRejected: Email address is not verified...`: one line, bounded. */
export function describeSesError(name: string, message: string): string {
  const text = oneLine(message);
  return truncate(text === '' || text === name ? `ses ${name}` : `ses ${name}: ${text}`, MAX_REASON_CHARS);
}

/**
 * Whether SES's message names the channel's From address, or its domain as an identity of its own (not as the domain
 * of a recipient's address, which a sandbox rejection of a recipient at the same domain would show), case-insensitively.
 */
function namesIdentity(text: string, fromAddress: string): boolean {
  const lower = text.toLowerCase();
  const address = fromAddress.toLowerCase();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const standsAlone = (identity: string) =>
    identity !== '' && new RegExp(`(^|[\\s:,<])${escapeRegExp(identity)}($|[\\s,>]|\\.(\\s|$))`).test(lower);
  return standsAlone(address) || standsAlone(domain);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
