import { isTenantId } from '../domain/tenant.js';
import { HttpProblem } from './problem.js';
import { grants, type Role, rolesFromClaim, strongestRole } from './roles.js';

/** How the service reads a verified token (lib/config.ts: TENANT_CLAIM, ROLE_CLAIM, TENANT_ID, REQUIRE_ROLES). */
export interface AccessSettings {
  readonly tenantClaim: string;
  readonly roleClaim: string;
  /** The stage's tenant: a token of any other tenant is refused. Undefined: any tenant (`npm start` by default). */
  readonly tenantId?: string | undefined;
  /** A token naming no role is refused; otherwise it acts as `admin` (local runs). */
  readonly requireRoles: boolean;
}

/** Who is calling, once the token has been checked against the route. */
export interface Caller {
  readonly tenantId: string;
  readonly role: Role;
}

/**
 * Decides whether the bearer of a verified token (its claims, as the JWT authorizer hands them over) may call a route
 * that requires `required`. The signature, issuer, audience and expiry were checked by the authorizer (API Gateway's,
 * or the local server's); this checks what only the service knows: whose tenant the token is for, and what its bearer
 * may do here. Throws the problem to answer otherwise.
 */
export function authorizeCaller(
  claims: Readonly<Record<string, unknown>> | undefined,
  required: Role,
  settings: AccessSettings,
): Caller {
  // No claims: the request never passed an authorizer. No expiry: a token valid forever is never accepted, whatever
  // the issuer in front of us let through.
  if (!claims || claims.exp === undefined || claims.exp === null || claims.exp === '') {
    throw new HttpProblem(401, 'auth.unauthorized', 'a valid bearer token is required', [], {
      'www-authenticate': 'Bearer',
    });
  }
  const tenantId = claims[settings.tenantClaim];
  if (!isTenantId(tenantId)) {
    throw new HttpProblem(403, 'auth.forbidden', `the token carries no valid "${settings.tenantClaim}" claim`);
  }
  if (settings.tenantId !== undefined && tenantId !== settings.tenantId) {
    throw new HttpProblem(403, 'auth.tenant_mismatch', "the token is for another tenant than this stage's");
  }
  const role =
    strongestRole(rolesFromClaim(claims[settings.roleClaim])) ?? (settings.requireRoles ? undefined : 'admin');
  if (role === undefined) {
    throw new HttpProblem(
      403,
      'auth.insufficient_role',
      `the token names no role in "${settings.roleClaim}" (viewer, operator or admin)`,
    );
  }
  if (!grants(role, required)) {
    throw new HttpProblem(403, 'auth.insufficient_role', `this needs the ${required} role; the token has ${role}`);
  }
  return { tenantId, role };
}
