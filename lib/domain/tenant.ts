/** Tenant ids become part of every DynamoDB key, so they are held to a safe alphabet. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * What API Gateway's JWT authorizer makes of a claim that is not a string: it hands every claim to the function as
 * text, so `null`, `true` and `123` in a token arrive as "null", "true" and "123", indistinguishable from strings.
 * A tenant claim reading like one of them is refused wherever it comes from (deployed tenants start with a letter).
 */
const NON_STRING_JSON = /^(null|true|false|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/i;

/** Whether a value from a token's tenant claim names a tenant: a string of the safe alphabet, not a flattened literal. */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID_PATTERN.test(value) && !NON_STRING_JSON.test(value);
}
