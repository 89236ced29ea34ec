import type { SendOutcome } from '../../ports/channel-sender.js';

/**
 * Connection failures that prove the request never left: the name did not resolve, nobody listened, no route. A
 * provider without an idempotency key may be sent to again after these, and only after these: anything else (a
 * reset, a socket closed mid-answer, a timeout) may come after the provider got the request.
 */
export const NEVER_LEFT_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
]);

/**
 * A failed TLS handshake (certificate, protocol): a request is only written once the handshake succeeded. Node names
 * most certificate failures with CERT in them; UNABLE_TO_VERIFY_LEAF_SIGNATURE is the one that does not.
 */
const TLS_FAILURE = /CERT|TLS|SSL|UNABLE_TO_VERIFY/;

/** Whether a failed connection's error code proves that nothing was sent. */
export function requestNeverLeft(code: string | undefined): code is string {
  return code !== undefined && (NEVER_LEFT_CODES.has(code) || TLS_FAILURE.test(code));
}

/** The outcome of a send whose request never left: retried later, as nothing reached the provider. */
export function failedBeforeSending(channel: string, code: string): SendOutcome {
  return { kind: 'transient', reason: `${channel}: connection failed before sending: ${code}` };
}
