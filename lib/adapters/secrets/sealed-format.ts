import { type SecretContext, SecretUnsealError } from '../../ports/secret-box.js';

/** The sealed format this code writes: `v1.<algorithm>.<payload parts>`. A value of another version is refused. */
export const SEALED_FORMAT_VERSION = 'v1';

/** A sealed value from its algorithm tag and payload parts (each base64url, so never containing a dot). */
export function formatSealed(algorithm: string, payload: readonly Buffer[]): string {
  return [SEALED_FORMAT_VERSION, algorithm, ...payload.map((part) => part.toString('base64url'))].join('.');
}

/**
 * The payload parts of a value sealed by `algorithm` in this format: exactly `count` of them, base64url. Anything else
 * is a SecretUnsealError naming what is wrong (another version, another algorithm, a malformed value), never the value.
 */
export function payloadOf(sealed: string, algorithm: string, count: number): Buffer[] {
  const [version, tag, ...payload] = typeof sealed === 'string' ? sealed.split('.') : [];
  if (version !== SEALED_FORMAT_VERSION) {
    throw new SecretUnsealError(`not a sealed secret of format ${SEALED_FORMAT_VERSION} (format: ${label(version)})`);
  }
  if (tag !== algorithm) throw new SecretUnsealError(`sealed with ${label(tag)}; this stage opens ${algorithm} only`);
  if (payload.length !== count || payload.some((part) => !BASE64URL.test(part))) {
    throw new SecretUnsealError(`a malformed ${algorithm} sealed secret`);
  }
  return payload.map((part) => Buffer.from(part, 'base64url'));
}

/** The context in one canonical text (keys sorted): the same context always gives the same bytes. */
export function canonicalContext(context: SecretContext): string {
  return JSON.stringify(
    Object.keys(context)
      .sort()
      .map((key) => [key, context[key]]),
  );
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** A tag of a sealed value as an error message may repeat it: a short label, else a word that says it is not one. */
function label(text: string | undefined): string {
  if (text === undefined || text === '') return 'none';
  return /^[A-Za-z0-9-]{1,20}$/.test(text) ? text : 'unrecognised';
}
