import { oneLine, truncate } from '../../../domain/safe-text.js';
import type { SendOutcome } from '../../../ports/channel-sender.js';
import { failedBeforeSending, requestNeverLeft } from '../request-never-left.js';

/**
 * What a failed SendTextMessage means, decided by the exception's name and its `Reason` (AWS End User Messaging SMS
 * API reference, SendTextMessage "Errors", and the SDK's ConflictExceptionReason, ServiceQuotaExceededExceptionReason
 * and ValidationExceptionReason enums), never by its message text:
 *
 * - ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT: the person opted out (STOP): `opted_out`, the contact is
 *   skipped and their number suppressed;
 * - ThrottlingException: `transient`, `throttled` (the channel slows down); InternalServerException, other 5xx:
 *   `transient`;
 * - ServiceQuotaExceededException (the monthly spend limit, MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT), AccessDenied,
 *   ResourceNotFound (the origination identity or configuration set), authentication errors, a conflict or a
 *   validation error about the channel's own settings: `channel`, the broadcast pauses with the reason;
 * - a ValidationException or ConflictException about this destination (unparseable number, country blocked, no
 *   identity for that country, over MaxPrice there...): `permanent`, this contact fails;
 * - no answer: nothing proves the request did not arrive (a timeout, a reset connection): `unknown`, never sent
 *   again; a failure before any byte left (refused, unresolved, no credentials) is `transient` or `channel`.
 */

/** Conflicts that come from the channel's settings (its identity, message type, keyword): every contact alike. */
const CHANNEL_CONFLICTS: ReadonlySet<string> = new Set([
  'MESSAGE_TYPE_MISMATCH',
  'KEYWORD_MISMATCH',
  'RESOURCE_NOT_ACTIVE',
  'NUMBER_CAPABILITIES_MISMATCH',
  'TWO_WAY_CONFIG_MISMATCH',
  'OPT_OUT_LIST_MISMATCH',
  'SELF_MANAGED_OPT_OUTS_MISMATCH',
  'EVENT_DESTINATION_MISMATCH',
]);

/** Request fields that are the channel's (its config), not the contact's: an error naming one fails everyone. */
const CHANNEL_FIELDS: ReadonlySet<string> = new Set([
  'OriginationIdentity',
  'ConfigurationSetName',
  'MessageType',
  'MaxPrice',
  'Context',
  'Keyword',
  'ProtectConfigurationId',
  'TimeToLive',
]);

/** Validation reasons that say the request itself (the channel's settings) is wrong, not the destination. */
const CHANNEL_VALIDATIONS: ReadonlySet<string> = new Set([
  'INVALID_ARN',
  'UNKNOWN_OPERATION',
  'RESOURCE_NOT_ACCESSIBLE',
  'CHANNEL_NOT_ENABLED',
]);

/** Answers that mean the credentials or their signature were refused (AWS's common errors). */
const AUTHENTICATION_ERRORS: ReadonlySet<string> = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'ExpiredTokenException',
  'ExpiredToken',
  'AccessDenied',
  'NotAuthorized',
]);

interface SdkError {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  Reason?: unknown;
  ResourceType?: unknown;
  Fields?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: { code?: unknown };
}

/** Classifies what SendTextMessage threw. `timeoutMs`: the limit the caller set on the whole call. */
export function classifySmsFailure(thrown: unknown, timeoutMs: number): SendOutcome {
  if (thrown === null || typeof thrown !== 'object') {
    return {
      kind: 'unknown',
      reason: truncate(`sms: no answer; the message may have been sent: ${oneLine(String(thrown))}`),
    };
  }
  const error = thrown as SdkError;
  const name = typeof error.name === 'string' ? error.name : 'Error';
  const status = typeof error.$metadata?.httpStatusCode === 'number' ? error.$metadata.httpStatusCode : undefined;
  if (status !== undefined) return answered(error, name, status);
  return noAnswer(error, name, timeoutMs);
}

/** AWS answered with an error: nothing was sent. */
function answered(error: SdkError, name: string, status: number): SendOutcome {
  const reasonCode = typeof error.Reason === 'string' ? error.Reason : undefined;
  const reason = describe(name, reasonCode, error);
  switch (name) {
    case 'ConflictException':
      if (reasonCode === 'DESTINATION_PHONE_NUMBER_OPTED_OUT') return { kind: 'opted_out', suppression: 'sms', reason };
      return reasonCode !== undefined && CHANNEL_CONFLICTS.has(reasonCode)
        ? { kind: 'channel', reason }
        : { kind: 'permanent', reason };
    case 'ThrottlingException':
      return { kind: 'transient', reason, throttled: true };
    case 'InternalServerException':
      return { kind: 'transient', reason };
    case 'ServiceQuotaExceededException':
    case 'AccessDeniedException':
    case 'ResourceNotFoundException':
      return { kind: 'channel', reason };
    case 'ValidationException':
      return aboutTheChannel(reasonCode, fieldsOf(error)) ? { kind: 'channel', reason } : { kind: 'permanent', reason };
  }
  if (AUTHENTICATION_ERRORS.has(name)) return { kind: 'channel', reason };
  if (status === 429) return { kind: 'transient', reason, throttled: true };
  if (status >= 500) return { kind: 'transient', reason };
  if (status === 401 || status === 403) return { kind: 'channel', reason };
  return { kind: 'permanent', reason };
}

/** No answer from AWS: whether the request may have arrived decides between `transient` and `unknown`. */
function noAnswer(error: SdkError, name: string, timeoutMs: number): SendOutcome {
  const code = codeOf(error);
  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    return { kind: 'channel', reason: `sms: no AWS credentials to send with (${oneLineOf(error.message)})` };
  }
  if (/region is missing/i.test(String(error.message))) {
    return { kind: 'channel', reason: 'sms: no AWS Region is configured (AWS_REGION)' };
  }
  if (requestNeverLeft(code)) return failedBeforeSending('sms', code);
  if (name === 'AbortError' || name === 'TimeoutError') {
    return {
      kind: 'unknown',
      reason: `sms: no answer within ${timeoutMs} ms${code ? ` (${code})` : ''}; the message may have been sent`,
    };
  }
  return {
    kind: 'unknown',
    reason: truncate(
      `sms: no answer; the message may have been sent: ${code ?? `${name}: ${oneLineOf(error.message)}`}`,
    ),
  };
}

/** A validation error naming one of the channel's own fields, or a reason about the request as a whole. */
function aboutTheChannel(reasonCode: string | undefined, fields: readonly string[]): boolean {
  if (fields.some((field) => CHANNEL_FIELDS.has(field))) return true;
  if (fields.includes('DestinationPhoneNumber') || fields.includes('MessageBody')) return false;
  return reasonCode !== undefined && CHANNEL_VALIDATIONS.has(reasonCode);
}

/** The names of the fields a ValidationException lists (`Fields: [{Name, Message}]`). */
function fieldsOf(error: SdkError): string[] {
  if (!Array.isArray(error.Fields)) return [];
  return error.Fields.flatMap((field: { Name?: unknown }) => (typeof field?.Name === 'string' ? [field.Name] : []));
}

/** `sms ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT: <AWS's message>`: one line, bounded. */
function describe(name: string, reasonCode: string | undefined, error: SdkError): string {
  const head = `sms ${name}${reasonCode ? ` ${reasonCode}` : ''}`;
  const resource = typeof error.ResourceType === 'string' ? ` (${oneLine(error.ResourceType)})` : '';
  const message = oneLineOf(error.message);
  return truncate(message === '' || message === name ? `${head}${resource}` : `${head}${resource}: ${message}`);
}

function codeOf(error: SdkError): string | undefined {
  if (typeof error.code === 'string') return error.code;
  return typeof error.cause?.code === 'string' ? error.cause.code : undefined;
}

function oneLineOf(text: unknown): string {
  return typeof text === 'string' ? oneLine(text) : '';
}
