import { errors, jwtVerify, SignJWT } from 'jose';

/** Documented in docs/configuration.md; fine for a laptop, never for anything reachable by others. */
export const DEFAULT_LOCAL_JWT_SECRET = 'local-dev-secret-change-me';
export const LOCAL_ISSUER = 'broadcast-local';

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signLocalToken(options: {
  secret: string;
  tenantId?: string;
  tenantClaim?: string;
  subject?: string;
  expiresIn?: string;
}): Promise<string> {
  const claims = options.tenantId === undefined ? {} : { [options.tenantClaim ?? 'tenant_id']: options.tenantId };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(LOCAL_ISSUER)
    .setSubject(options.subject ?? 'local-user')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '24h')
    .sign(key(options.secret));
}

/**
 * Verifies like API Gateway's JWT authorizer: signature, expiry; returns the claims as the authorizer
 * hands them to the function (string values).
 */
export async function verifyLocalToken(token: string, secret: string): Promise<Record<string, string> | undefined> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'] });
    return Object.fromEntries(
      Object.entries(payload).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]),
    );
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
    throw error;
  }
}
