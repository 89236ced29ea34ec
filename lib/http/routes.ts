import type { Role } from './roles.js';

/**
 * Every HTTP route, once: the local server routes with it and the CDK stack creates API Gateway routes
 * from it, so the two cannot drift. `fn` names the Lambda entry point in functions/ that serves it.
 */
export const HTTP_FUNCTIONS = [
  'health',
  'unsubscribe',
  'contacts-api',
  'contact-lists-api',
  'broadcasts-api',
  'channels-api',
  'automation-api',
  'whatsapp-webhook',
  'api-docs',
] as const;
export type HttpFunctionName = (typeof HTTP_FUNCTIONS)[number];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface RouteTarget {
  method: HttpMethod;
  /** API Gateway syntax: path parameters in braces. */
  path: string;
  fn: HttpFunctionName;
}

/**
 * A route is either public (no JWT: the authorizer is skipped) or names the least role a caller needs
 * (lib/http/roles.ts): the type admits nothing in between, so a new route does not compile until it says which.
 */
export type RouteDefinition = RouteTarget & ({ public: true; role?: never } | { public?: never; role: Role });

const route = (method: HttpMethod, path: string, fn: HttpFunctionName, role: Role): RouteDefinition => ({
  method,
  path,
  fn,
  role,
});

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/health', fn: 'health', public: true },
  // The link in every message: no JWT, the signed token is the credential.
  { method: 'GET', path: '/unsubscribe/{token}', fn: 'unsubscribe', public: true },
  { method: 'POST', path: '/unsubscribe/{token}', fn: 'unsubscribe', public: true },
  // Meta's webhook for delivery receipts: no JWT, the channel's verify token and app secret are the credentials.
  { method: 'GET', path: '/api/v1/webhooks/whatsapp/{channel_id}', fn: 'whatsapp-webhook', public: true },
  { method: 'POST', path: '/api/v1/webhooks/whatsapp/{channel_id}', fn: 'whatsapp-webhook', public: true },
  // The API's own reference: the OpenAPI document and the interactive page, every asset served from here.
  { method: 'GET', path: '/api/v1/openapi.json', fn: 'api-docs', public: true },
  { method: 'GET', path: '/docs', fn: 'api-docs', public: true },
  { method: 'GET', path: '/docs/{asset}', fn: 'api-docs', public: true },

  // Roles: reading is `viewer`; changing contacts, lists and broadcasts, running broadcasts and sending automation
  // events is `operator`; managing channels (where messages go, and their credentials) is `admin`.
  route('POST', '/api/v1/contacts', 'contacts-api', 'operator'),
  route('POST', '/api/v1/contacts/batch', 'contacts-api', 'operator'),
  route('GET', '/api/v1/contacts', 'contacts-api', 'viewer'),
  route('GET', '/api/v1/contacts/{id}', 'contacts-api', 'viewer'),
  route('PUT', '/api/v1/contacts/{id}', 'contacts-api', 'operator'),
  route('DELETE', '/api/v1/contacts/{id}', 'contacts-api', 'operator'),

  route('POST', '/api/v1/contact-lists', 'contact-lists-api', 'operator'),
  route('GET', '/api/v1/contact-lists', 'contact-lists-api', 'viewer'),
  route('GET', '/api/v1/contact-lists/{id}', 'contact-lists-api', 'viewer'),
  route('PUT', '/api/v1/contact-lists/{id}', 'contact-lists-api', 'operator'),
  route('DELETE', '/api/v1/contact-lists/{id}', 'contact-lists-api', 'operator'),
  route('GET', '/api/v1/contact-lists/{id}/contacts', 'contact-lists-api', 'viewer'),
  route('POST', '/api/v1/contact-lists/{id}/contacts', 'contact-lists-api', 'operator'),
  route('DELETE', '/api/v1/contact-lists/{id}/contacts/{cid}', 'contact-lists-api', 'operator'),

  route('POST', '/api/v1/broadcasts', 'broadcasts-api', 'operator'),
  route('GET', '/api/v1/broadcasts', 'broadcasts-api', 'viewer'),
  route('GET', '/api/v1/broadcasts/{id}', 'broadcasts-api', 'viewer'),
  route('PUT', '/api/v1/broadcasts/{id}', 'broadcasts-api', 'operator'),
  route('DELETE', '/api/v1/broadcasts/{id}', 'broadcasts-api', 'operator'),
  route('POST', '/api/v1/broadcasts/{id}/schedule', 'broadcasts-api', 'operator'),
  route('POST', '/api/v1/broadcasts/{id}/unschedule', 'broadcasts-api', 'operator'),
  route('POST', '/api/v1/broadcasts/{id}/execute', 'broadcasts-api', 'operator'),
  route('POST', '/api/v1/broadcasts/{id}/cancel', 'broadcasts-api', 'operator'),
  route('POST', '/api/v1/broadcasts/{id}/pause', 'broadcasts-api', 'operator'),
  route('POST', '/api/v1/broadcasts/{id}/resume', 'broadcasts-api', 'operator'),
  route('POST', '/api/v1/broadcasts/{id}/preview', 'broadcasts-api', 'operator'),
  route('GET', '/api/v1/broadcasts/{id}/stats', 'broadcasts-api', 'viewer'),
  route('GET', '/api/v1/broadcasts/{id}/executions', 'broadcasts-api', 'viewer'),
  route('GET', '/api/v1/broadcasts/{id}/timeline', 'broadcasts-api', 'viewer'),
  // What a run would do now, sending nothing: an operator's check before executing.
  route('POST', '/api/v1/broadcasts/{id}/preflight', 'broadcasts-api', 'operator'),
  // Test sends: one real message to one contact, outside the broadcast's executions and stats, and their history.
  route('POST', '/api/v1/broadcasts/{id}/test-send', 'broadcasts-api', 'operator'),
  route('GET', '/api/v1/broadcasts/{id}/test-sends', 'broadcasts-api', 'viewer'),

  // Viewers may read channels: credentials are write-only, never presented (lib/http/presenters.ts).
  route('POST', '/api/v1/channels', 'channels-api', 'admin'),
  route('GET', '/api/v1/channels', 'channels-api', 'viewer'),
  route('GET', '/api/v1/channels/{id}', 'channels-api', 'viewer'),
  route('PUT', '/api/v1/channels/{id}', 'channels-api', 'admin'),
  route('DELETE', '/api/v1/channels/{id}', 'channels-api', 'admin'),

  // Issue 4: a trigger_broadcast automation event over HTTP (the same event the EventBridge rule routes).
  route('POST', '/api/v1/automation/events', 'automation-api', 'operator'),
];

export function routeKey(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

const BY_KEY = new Map(ROUTES.map((definition) => [routeKey(definition), definition]));

/** The route table's entry for an API Gateway routeKey (`GET /api/v1/contacts`), if there is one. */
export function routeFor(key: string): RouteDefinition | undefined {
  return BY_KEY.get(key);
}
