import type { Config } from '../lib/config.js';
import type { Role } from '../lib/http/roles.js';
import { signLocalToken } from './local-jwt.js';
import type { LocalSettings } from './local-settings.js';

/**
 * A token `npm start` accepts, as the service is configured: the tenant in TENANT_CLAIM, the role in ROLE_CLAIM (a
 * one-group array, as Cognito puts it), the local issuer and audience, signed with LOCAL_JWT_SECRET.
 */
export function devToken(
  settings: LocalSettings,
  config: Pick<Config, 'TENANT_CLAIM' | 'ROLE_CLAIM'>,
  options: { tenantId: string; role: Role; expiresIn?: string },
): Promise<string> {
  return signLocalToken({
    secret: settings.LOCAL_JWT_SECRET,
    issuer: settings.LOCAL_JWT_ISSUER,
    audience: settings.LOCAL_JWT_AUDIENCE,
    tenantId: options.tenantId,
    tenantClaim: config.TENANT_CLAIM,
    roles: [options.role],
    roleClaim: config.ROLE_CLAIM,
    ...(options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn }),
  });
}
