import { errors, jwtVerify, SignJWT } from 'jose';

/** Documented in docs/configuration.md; fine for a laptop, never for anything reachable by others. */
export const DEFAULT_LOCAL_JWT_SECRET = 'local-dev-secret-change-me';
/** The `iss` local tokens carry and the local server requires, as API Gateway requires its issuer's. */
export const DEFAULT_LOCAL_JWT_ISSUER = 'broadcast-service-local';
/** The `aud` local tokens carry and the local server requires, as API Gateway requires its audience (client id). */
export const DEFAULT_LOCAL_JWT_AUDIENCE = 'broadcast-service-local-api';

/** What the local server accepts tokens from: the stand-in for the JWT authorizer's configuration. */
export interface LocalJwtTrust {
  readonly secret: string;
  readonly issuer: string;
  readonly audience: string;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signLocalToken(options: {
  secret: string;
  tenantId?: string;
  tenantClaim?: string;
  /** Groups, in the claim Cognito puts them in (an array); none: the claim is left out. */
  roles?: readonly string[];
  roleClaim?: string;
  issuer?: string;
  audience?: string;
  subject?: string;
  expiresIn?: string;
}): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (options.tenantId !== undefined) claims[options.tenantClaim ?? 'tenant_id'] = options.tenantId;
  if (options.roles !== undefined) claims[options.roleClaim ?? 'cognito:groups'] = [...options.roles];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer ?? DEFAULT_LOCAL_JWT_ISSUER)
    .setAudience(options.audience ?? DEFAULT_LOCAL_JWT_AUDIENCE)
    .setSubject(options.subject ?? 'local-user')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '24h')
    .sign(key(options.secret));
}

/**
 * Verifies like API Gateway's JWT authorizer: signature, issuer, audience, and an expiry that must be there and in the
 * future; returns the claims as the authorizer hands them to the function, flattened to strings (arrays as
 * `[a b]`), so the handlers meet locally the shapes they meet in AWS.
 */
export async function verifyLocalToken(
  token: string,
  trust: LocalJwtTrust,
): Promise<Record<string, string> | undefined> {
  try {
    const { payload } = await jwtVerify(token, key(trust.secret), {
      algorithms: ['HS256'],
      issuer: trust.issuer,
      audience: trust.audience,
      requiredClaims: ['exp'],
    });
    return Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, flattenClaim(value)]));
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
    throw error;
  }
}

/** A claim as API Gateway passes it on: strings as they are, arrays as `[a b]`, anything else as its JSON text. */
function flattenClaim(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value))
    return `[${value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(' ')}]`;
  return JSON.stringify(value);
}
