import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Meta's webhook handshake and signatures (developers.facebook.com/documentation/business-messaging/whatsapp/
 * webhooks/create-webhook-endpoint):
 * - subscribing, Meta sends `GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`; the endpoint
 *   answers 200 with the challenge as plain text when the token is the one configured, 403 otherwise;
 * - every POST carries `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the app
 *   secret>`. The signature covers the exact bytes sent, so it is checked before any parsing.
 */

const SIGNATURE_PREFIX = 'sha256=';
/** Meta's challenge is a number; anything long or with control characters is not reflected back. */
const MAX_CHALLENGE_CHARS = 256;

/** True when `header` is the HMAC-SHA256 of `rawBody` with `appSecret`; compared in constant time. */
export function verifyHubSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  // An empty secret would make the signature computable by anyone: it never verifies.
  if (appSecret === '' || header === undefined) return false;
  // Meta sends exactly `sha256=` and 64 lowercase hex digits; anything else is not its signature. The fixed
  // length also means the buffers compared below always have the same length.
  if (!header.startsWith(SIGNATURE_PREFIX)) return false;
  const hex = header.slice(SIGNATURE_PREFIX.length);
  if (!/^[0-9a-f]{64}$/.test(hex)) return false;
  const given = Buffer.from(hex, 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(given, expected);
}

/** The `X-Hub-Signature-256` value Meta sends for `rawBody`. */
export function hubSignatureOf(rawBody: Buffer | string, appSecret: string): string {
  return `${SIGNATURE_PREFIX}${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * The bytes Meta signed. API Gateway hands a body over as a string, base64-encoded when it flags
 * `isBase64Encoded`; decoding anything else as UTF-8 gives back the bytes of a JSON body unchanged.
 */
export function rawBodyOf(body: string | undefined | null, isBase64Encoded: boolean | undefined): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  return Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8');
}

export type SubscriptionCheck = { ok: true; challenge: string } | { ok: false };

/**
 * The verification request: `hub.mode` must be `subscribe` and `hub.verify_token` the channel's token
 * (compared in constant time through digests, so neither the length nor a prefix leaks).
 */
export function verifySubscription(
  query: Readonly<Record<string, string | undefined>> | null | undefined,
  verifyToken: string,
): SubscriptionCheck {
  if (!query || verifyToken === '') return { ok: false };
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe' || token === undefined || challenge === undefined) return { ok: false };
  if (challenge === '' || challenge.length > MAX_CHALLENGE_CHARS || /[\p{Cc}]/u.test(challenge)) return { ok: false };
  return sameSecret(token, verifyToken) ? { ok: true, challenge } : { ok: false };
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
