import fc from 'fast-check';
import { type AccessSettings, authorizeCaller } from '../../../lib/http/authorize-caller.js';
import { HttpProblem } from '../../../lib/http/problem.js';
import { grants, ROLES } from '../../../lib/http/roles.js';

// The decision every authenticated request goes through (lib/http/middlewares.ts authorizedCaller): the claims as
// the JWT authorizer hands them over, the route's declared role, and the stage's settings.

const AWS: AccessSettings = { tenantClaim: 'custom:tenant_id', roleClaim: 'cognito:groups', requireRoles: true };
const LOCAL: AccessSettings = { tenantClaim: 'custom:tenant_id', roleClaim: 'cognito:groups', requireRoles: false };

/** Claims as API Gateway passes them to the function: every value a string. */
const claims = (extra: Record<string, unknown>) => ({
  iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool',
  exp: '1718722804',
  'custom:tenant_id': 'acme',
  ...extra,
});

/** The problem authorizeCaller throws, as status and code; `allowed` and the caller when it throws none. */
function decide(...args: Parameters<typeof authorizeCaller>) {
  try {
    return { allowed: authorizeCaller(...args) };
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    return { status: error.status, code: error.code };
  }
}

describe('authorizeCaller', () => {
  it('names the tenant and the strongest role of a valid token', () => {
    expect(decide(claims({ 'cognito:groups': '[viewer operator]' }), 'operator', AWS)).toEqual({
      allowed: { tenantId: 'acme', role: 'operator' },
    });
  });

  it('refuses a request that passed no authorizer, and a token without exp, with 401', () => {
    const { exp: _left, ...withoutExp } = claims({ 'cognito:groups': 'admin' });
    expect(decide(undefined, 'viewer', AWS)).toEqual({ status: 401, code: 'auth.unauthorized' });
    expect(decide(withoutExp, 'viewer', AWS)).toEqual({ status: 401, code: 'auth.unauthorized' });
    expect(decide({ ...withoutExp, exp: '' }, 'viewer', AWS)).toEqual({ status: 401, code: 'auth.unauthorized' });
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['true', true],
    ['123', 123],
    ['the text of null', 'null'],
    ['the text of true', 'true'],
    ['the text of false', 'FALSE'],
    ['the text of a number', '123'],
    ['the text of a negative float', '-1.5e3'],
    ['empty', ''],
    ['an array', ['acme']],
    ['the flattened array', '[acme]'],
    ['a path', 'acme/../globex'],
    ['too long', 'a'.repeat(65)],
  ])('refuses a tenant claim that is %s with 403 auth.forbidden', (_what, tenant) => {
    expect(decide(claims({ 'custom:tenant_id': tenant, 'cognito:groups': 'admin' }), 'viewer', AWS)).toEqual({
      status: 403,
      code: 'auth.forbidden',
    });
  });

  it('pins the stage’s tenant: another tenant’s token is 403 auth.tenant_mismatch, even an admin’s', () => {
    const pinned = { ...AWS, tenantId: 'acme' };
    expect(decide(claims({ 'custom:tenant_id': 'globex', 'cognito:groups': 'admin' }), 'viewer', pinned)).toEqual({
      status: 403,
      code: 'auth.tenant_mismatch',
    });
    expect(decide(claims({ 'custom:tenant_id': 'ACME', 'cognito:groups': 'admin' }), 'viewer', pinned)).toEqual({
      status: 403,
      code: 'auth.tenant_mismatch',
    });
    expect(decide(claims({ 'cognito:groups': 'admin' }), 'viewer', pinned)).toEqual({
      allowed: { tenantId: 'acme', role: 'admin' },
    });
  });

  it('refuses a token naming no role where roles are required, and lets it act as admin where they are not', () => {
    expect(decide(claims({}), 'viewer', AWS)).toEqual({ status: 403, code: 'auth.insufficient_role' });
    expect(decide(claims({ 'cognito:groups': '[marketing]' }), 'viewer', AWS)).toEqual({
      status: 403,
      code: 'auth.insufficient_role',
    });
    expect(decide(claims({}), 'admin', LOCAL)).toEqual({ allowed: { tenantId: 'acme', role: 'admin' } });
  });

  it('holds a token that names a role to it, also where roles are not required', () => {
    expect(decide(claims({ 'cognito:groups': 'viewer' }), 'operator', LOCAL)).toEqual({
      status: 403,
      code: 'auth.insufficient_role',
    });
  });

  it('reads the role from the configured claim only', () => {
    const groups = { ...AWS, roleClaim: 'groups' };
    expect(decide(claims({ 'cognito:groups': 'admin' }), 'viewer', groups)).toEqual({
      status: 403,
      code: 'auth.insufficient_role',
    });
    expect(decide(claims({ groups: ['admin'] }), 'admin', groups)).toMatchObject({ allowed: { role: 'admin' } });
  });

  it('allows exactly the roles at or above the route’s, in either claim shape', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ROLES),
        fc.constantFrom(...ROLES),
        fc.boolean(),
        fc.boolean(),
        (held, required, flattened, requireRoles) => {
          const value = flattened ? `[${held}]` : [held];
          const result = decide(claims({ 'cognito:groups': value }), required, { ...AWS, requireRoles });
          expect(result).toEqual(
            grants(held, required)
              ? { allowed: { tenantId: 'acme', role: held } }
              : { status: 403, code: 'auth.insufficient_role' },
          );
        },
      ),
    );
  });
});
