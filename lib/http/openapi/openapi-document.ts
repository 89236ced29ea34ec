import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../../domain/error-codes.js';
import { DOCS_ASSET_FILES, type DocsAssetFile } from '../docs-assets.js';
import { problemResource } from '../response-schemas.js';
import { ROUTES, type RouteDefinition, routeKey } from '../routes.js';
import { id } from '../schemas.js';
import { ERROR_STATUSES } from './error-statuses.js';
import { jsonSchemaOf } from './json-schema.js';
import { ROUTE_DOCS, type RouteDoc } from './route-docs.js';

type Json = Record<string, unknown>;

/** The page's own script, beside the package's files. */
export const DOCS_INIT_SCRIPT = 'docs.js';
export const DOCS_ASSETS = [...(Object.keys(DOCS_ASSET_FILES) as DocsAssetFile[]), DOCS_INIT_SCRIPT] as const;

const PATH_PARAMETERS: Record<string, { schema: z.ZodType; description: string }> = {
  id: { schema: id, description: 'The resource id' },
  cid: { schema: id, description: 'The contact id' },
  token: { schema: z.string().min(1), description: 'The signed token of the unsubscribe link' },
  channel_id: { schema: z.string().min(1), description: "The WhatsApp channel's id" },
  asset: { schema: z.enum(DOCS_ASSETS), description: 'A file of the reference page' },
};

const AUTH_ERRORS: ErrorCode[] = [
  'auth.unauthorized',
  'auth.forbidden',
  'auth.tenant_mismatch',
  'auth.insufficient_role',
];
const BODY_ERRORS: ErrorCode[] = [
  'request.validation_failed',
  'request.malformed_json',
  'request.too_large',
  'request.unsupported_media_type',
];

/**
 * The OpenAPI 3.1 document of every route lib/http/routes.ts declares (and nothing else), generated from the zod
 * schemas the handlers validate with and the response schemas the presenters are typed by. Built once per process.
 */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    const doc = ROUTE_DOCS[routeKey(route)];
    if (!doc) throw new Error(`${routeKey(route)} has no entry in lib/http/openapi/route-docs.ts`);
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route, doc) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Broadcast service API',
      version: '1',
      description:
        'Contacts, contact lists, channels and broadcasts of one tenant. Every `/api/v1` route except the webhooks and this document needs a bearer JWT naming the tenant and a role (viewer, operator or admin). Errors are RFC 9457 problem+json with a stable `code`.',
    },
    servers: [{ url: '/', description: 'This service' }],
    security: [{ bearerAuth: [] }],
    tags: ['Contacts', 'Contact lists', 'Broadcasts', 'Channels', 'Automation', 'Public', 'Reference'].map((name) => ({
      name,
    })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "A JWT of the stage's issuer: the tenant in its tenant claim, the role in its role claim. Locally: `npm run token -- --tenant acme`.",
        },
      },
      schemas: { Problem: jsonSchemaOf(problemResource, 'output') },
    },
  };
}

function operation(route: RouteDefinition, doc: RouteDoc): Json {
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  const roleNote = route.public ? 'Public: no token.' : `Needs the role \`${route.role}\` or above.`;
  return {
    operationId: operationId(route),
    summary: doc.summary,
    description: [doc.description, roleNote].filter(Boolean).join('\n\n'),
    tags: [doc.tag],
    ...(route.public ? { security: [] } : { 'x-required-role': route.role }),
    parameters: [...params.map(pathParameter), ...queryParameters(doc.query)],
    ...(doc.body ? { requestBody: requestBody(route, doc) } : {}),
    responses: { ...successResponses(doc), ...errorResponses(route, doc, params.length > 0) },
  };
}

function operationId(route: RouteDefinition): string {
  const words = route.path
    .replace(/^\/api\/v1/, '')
    .split(/[/.-]/)
    .filter(Boolean)
    .map((part) => (part.startsWith('{') ? `by_${part.slice(1, -1)}` : part));
  return [route.method.toLowerCase(), ...words].join('_');
}

function pathParameter(name: string): Json {
  const known = PATH_PARAMETERS[name];
  if (!known) throw new Error(`path parameter {${name}} is not described in openapi-document.ts`);
  return {
    name,
    in: 'path',
    required: true,
    description: known.description,
    schema: jsonSchemaOf(known.schema, 'input'),
  };
}

function queryParameters(query: z.ZodType | undefined): Json[] {
  if (!query) return [];
  const schema = jsonSchemaOf(query, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: property,
  }));
}

function requestBody(route: RouteDefinition, doc: RouteDoc): Json {
  const optionalBody = doc.bodyExamples && Object.values(doc.bodyExamples).every((e) => JSON.stringify(e) === '{}');
  return {
    required: !optionalBody,
    content: {
      'application/json': {
        schema: jsonSchemaOf(doc.body as z.ZodType, 'input'),
        ...(doc.bodyExamples ? { examples: namedExamples(doc.bodyExamples) } : {}),
      },
    },
    ...(route.method === 'PUT' ? { description: 'Only the fields given change.' } : {}),
  };
}

function namedExamples(examples: Record<string, unknown>): Json {
  return Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }]));
}

function successResponses(doc: RouteDoc): Json {
  return Object.fromEntries(
    Object.entries(doc.responses).map(([status, response]) => [
      status,
      {
        description: response.description,
        ...(response.schema || response.contentType
          ? {
              content: {
                [response.contentType ?? 'application/json']: {
                  ...(response.schema ? { schema: jsonSchemaOf(response.schema, 'output') } : {}),
                  ...(response.example === undefined ? {} : { example: response.example }),
                },
              },
            }
          : {}),
      },
    ]),
  );
}

/** The route's problems, grouped by status: each status lists the codes it may carry, with one example each. */
function errorResponses(route: RouteDefinition, doc: RouteDoc, hasPathParameters: boolean): Json {
  const codes = new Set<ErrorCode>(doc.errors ?? []);
  if (!route.public) for (const code of AUTH_ERRORS) codes.add(code);
  if (doc.body) for (const code of BODY_ERRORS) codes.add(code);
  if (doc.query || hasPathParameters) codes.add('request.validation_failed');
  codes.add('internal');
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUSES[code], [...(byStatus.get(ERROR_STATUSES[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, statusCodes]) => [
        String(status),
        {
          description: statusCodes.map((code) => `\`${code}\`: ${ERROR_CODES[code]}`).join('; '),
          content: {
            'application/problem+json': {
              schema: {
                allOf: [{ $ref: '#/components/schemas/Problem' }, { properties: { code: { enum: statusCodes } } }],
              },
              examples: Object.fromEntries(statusCodes.map((code) => [code, { value: problemExample(route, code) }])),
            },
          },
        },
      ]),
  );
}

export function problemExample(route: RouteDefinition, code: ErrorCode) {
  return {
    type: `https://broadcast.dev/problems/${code.replaceAll('.', '/')}`,
    title: ERROR_CODES[code],
    status: ERROR_STATUSES[code],
    detail: ERROR_CODES[code],
    code,
    instance: route.path,
    ...(code === 'request.validation_failed' ? { errors: [{ field: 'name', message: 'Required' }] } : {}),
  };
}

let built: Json | undefined;

/** The document, built on first use and kept for the life of the process. */
export function cachedOpenApiDocument(): Json {
  built ??= openApiDocument();
  return built;
}
