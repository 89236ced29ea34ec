import { createHmac, timingSafeEqual } from 'node:crypto';
import type { UnsubscribeLinks, UnsubscribeTarget } from '../../ports/unsubscribe-links.js';

/** Separates these MACs from any other use of the same secret, and versions the token format. */
const DOMAIN = 'broadcast-unsubscribe.v1';
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Tenant ids as the HTTP layer admits them; contact and broadcast ids are short opaque strings (UUIDs). */
const TENANT_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const OPAQUE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TOKEN_LENGTH = 1024;

export const MIN_UNSUBSCRIBE_SECRET_LENGTH = 32;

/**
 * Unsubscribe tokens: `base64url(JSON [tenant, contact, broadcast])` + "." + `base64url(HMAC-SHA256)` of that
 * first part. Nothing in them is guessable without the secret; the ids are readable (they are not secret,
 * and the token grants only the opt-out of that one contact).
 */
export class HmacUnsubscribeLinks implements UnsubscribeLinks {
  private readonly baseUrl: string;

  constructor(
    private readonly secret: string,
    publicBaseUrl: string,
  ) {
    if (secret.length < MIN_UNSUBSCRIBE_SECRET_LENGTH) {
      throw new Error(`the unsubscribe secret must have at least ${MIN_UNSUBSCRIBE_SECRET_LENGTH} characters`);
    }
    this.baseUrl = publicBaseUrl.replace(/\/+$/, '');
  }

  linkFor(target: UnsubscribeTarget): string {
    return `${this.baseUrl}/unsubscribe/${this.tokenFor(target)}`;
  }

  tokenFor(target: UnsubscribeTarget): string {
    if (!isTarget(target)) throw new Error('an unsubscribe target needs a tenant, contact and broadcast id');
    const payload = Buffer.from(JSON.stringify([target.tenantId, target.contactId, target.broadcastId])).toString(
      'base64url',
    );
    return `${payload}.${this.mac(payload)}`;
  }

  verify(token: string): UnsubscribeTarget | undefined {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
    const parts = token.split('.');
    if (parts.length !== 2) return undefined;
    const [payload, signature] = parts as [string, string];
    if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return undefined;
    // Compared as text, not as decoded bytes: base64url's spare bits would let two spellings pass.
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return decode(payload);
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(`${DOMAIN}:${payload}`).digest('base64url');
  }
}

function decode(payload: string): UnsubscribeTarget | undefined {
  let ids: unknown;
  try {
    ids = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(ids) || ids.length !== 3) return undefined;
  const [tenantId, contactId, broadcastId] = ids as unknown[];
  const target = { tenantId, contactId, broadcastId };
  return isTarget(target) ? target : undefined;
}

function isTarget(value: { tenantId: unknown; contactId: unknown; broadcastId: unknown }): value is UnsubscribeTarget {
  return (
    typeof value.tenantId === 'string' &&
    TENANT_ID.test(value.tenantId) &&
    typeof value.contactId === 'string' &&
    OPAQUE_ID.test(value.contactId) &&
    typeof value.broadcastId === 'string' &&
    OPAQUE_ID.test(value.broadcastId)
  );
}
