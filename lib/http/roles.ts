/**
 * What a caller may do, from least to most: `viewer` reads; `operator` also writes contacts, lists and broadcasts and
 * runs them; `admin` also manages channels. Each role includes every role before it.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** Whether a caller holding `held` may call a route that requires `required`. */
export function grants(held: Role, required: Role): boolean {
  return RANK[held] >= RANK[required];
}

/** The strongest of the roles, or undefined when there are none. */
export function strongestRole(roles: readonly Role[]): Role | undefined {
  let strongest: Role | undefined;
  for (const role of roles) if (strongest === undefined || RANK[role] > RANK[strongest]) strongest = role;
  return strongest;
}

/**
 * The roles a group claim names, whichever shape it arrives in: the token's own array (`["admin", "operator"]`), or the
 * string API Gateway's JWT authorizer flattens it to (`[admin operator]`, and from some issuers `admin,operator`, a
 * JSON array's text, or a lone `admin`). Groups that are not roles are ignored; anything else (numbers, objects) names
 * no role.
 */
export function rolesFromClaim(value: unknown): Role[] {
  const names = Array.isArray(value) ? value : typeof value === 'string' ? groupNames(value) : [];
  return [...new Set(names.filter(isRole))];
}

function groupNames(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') && trimmed.includes('"')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // Not JSON after all: read it as the authorizer's flattened form below.
    }
  }
  const inner = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  return inner.split(/[\s,]+/).filter((name) => name !== '');
}
