import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/**
 * A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), inlined. `input`: what a client may send (defaults
 * optional, before transforms); `output`: what the API answers. Refinements (cross-field rules) have no JSON Schema
 * form: the handlers still apply them, and their 400 names the field.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: keyedMapAsItsMap,
  });
  return rest;
}

/**
 * A map checked for reserved keys on the raw JSON (lib/http/schemas.ts `keyedMap`) is an `unknown` piped into the
 * map's schema: described as the map, which is what a client must send.
 */
function keyedMapAsItsMap(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const def = (ctx.zodSchema as { _zod?: { def?: { type?: string; in?: z.ZodType; out?: z.ZodType } } })._zod?.def;
  if (def?.type !== 'pipe' || def.in?._zod.def.type !== 'unknown' || !def.out) return;
  const described = jsonSchemaOf(def.out, 'input');
  for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
  Object.assign(ctx.jsonSchema, described);
}
