import fc from 'fast-check';
import { grants, ROLES, type Role, rolesFromClaim, strongestRole } from '../../../lib/http/roles.js';

// Roles from the token's group claim, in every shape it reaches a function: the token's array (handler tests, any
// verifier that keeps types) and the strings API Gateway's JWT authorizer flattens it to.

const role = fc.constantFrom(...ROLES);
/** Group names that are not roles, as a pool also has (no spaces, commas or brackets: Cognito group names). */
const otherGroup = fc
  .stringMatching(/^[a-z][a-z0-9_-]{0,15}$/)
  .filter((name) => !(ROLES as readonly string[]).includes(name));

describe('rolesFromClaim', () => {
  it.each([
    ['an array', ['operator', 'marketing'], ['operator']],
    ['a lone group', 'admin', ['admin']],
    ['the authorizer’s flattened list', '[viewer operator]', ['viewer', 'operator']],
    ['a one-group flattened list', '[admin]', ['admin']],
    ['a comma-separated list', 'viewer,admin', ['viewer', 'admin']],
    ['a comma-and-space list', 'viewer, admin', ['viewer', 'admin']],
    ['a JSON array’s text', '["operator","viewer"]', ['operator', 'viewer']],
    ['duplicates', ['viewer', 'viewer'], ['viewer']],
  ])('reads %s', (_shape, claim, expected) => {
    expect(rolesFromClaim(claim)).toEqual(expected);
  });

  it.each([
    ['no claim', undefined],
    ['null', null],
    ['a number', 3],
    ['an object', { admin: true }],
    ['an empty string', ''],
    ['an empty list', '[]'],
    ['other groups only', '[marketing sales]'],
    ['a role in another case', 'Admin'],
    ['a role inside another word', 'administrators'],
    ['non-string array items', [1, { role: 'admin' }, null]],
    ['broken JSON', '["admin"'],
  ])('finds no role in %s', (_what, claim) => {
    expect(rolesFromClaim(claim)).toEqual([]);
    expect(strongestRole(rolesFromClaim(claim))).toBeUndefined();
  });

  it('reads the same roles from the array and from each string the authorizer may make of it', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(role, otherGroup), { maxLength: 6 }), (groups) => {
        const expected = new Set(groups.filter((group): group is Role => (ROLES as readonly string[]).includes(group)));
        for (const shape of [groups, `[${groups.join(' ')}]`, groups.join(','), JSON.stringify(groups)]) {
          expect(new Set(rolesFromClaim(shape))).toEqual(expected);
        }
      }),
    );
  });
});

describe('grants and strongestRole', () => {
  it('orders the roles viewer < operator < admin: each grants itself and every role before it', () => {
    expect(
      ROLES.flatMap((held) => ROLES.filter((required) => grants(held, required)).map((r) => `${held}:${r}`)),
    ).toEqual([
      'viewer:viewer',
      'operator:viewer',
      'operator:operator',
      'admin:viewer',
      'admin:operator',
      'admin:admin',
    ]);
  });

  it('takes the strongest role of a token that names several, whatever their order', () => {
    fc.assert(
      fc.property(fc.array(role, { minLength: 1, maxLength: 5 }), (roles) => {
        const strongest = strongestRole(roles);
        expect(roles).toContain(strongest);
        for (const other of roles) expect(grants(strongest as Role, other)).toBe(true);
      }),
    );
  });
});
