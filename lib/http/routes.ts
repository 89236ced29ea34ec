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
] as const;
export type HttpFunctionName = (typeof HTTP_FUNCTIONS)[number];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteDefinition {
  method: HttpMethod;
  /** API Gateway syntax: path parameters in braces. */
  path: string;
  fn: HttpFunctionName;
  /** Public routes skip the JWT authorizer. */
  public?: true;
}

const route = (method: HttpMethod, path: string, fn: HttpFunctionName): RouteDefinition => ({ method, path, fn });

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/health', fn: 'health', public: true },
  // The link in every message: no JWT, the signed token is the credential.
  { method: 'GET', path: '/unsubscribe/{token}', fn: 'unsubscribe', public: true },
  { method: 'POST', path: '/unsubscribe/{token}', fn: 'unsubscribe', public: true },
  // Meta's webhook for delivery receipts: no JWT, the channel's verify token and app secret are the credentials.
  { method: 'GET', path: '/api/v1/webhooks/whatsapp/{channel_id}', fn: 'whatsapp-webhook', public: true },
  { method: 'POST', path: '/api/v1/webhooks/whatsapp/{channel_id}', fn: 'whatsapp-webhook', public: true },

  route('POST', '/api/v1/contacts', 'contacts-api'),
  route('POST', '/api/v1/contacts/batch', 'contacts-api'),
  route('GET', '/api/v1/contacts', 'contacts-api'),
  route('GET', '/api/v1/contacts/{id}', 'contacts-api'),
  route('PUT', '/api/v1/contacts/{id}', 'contacts-api'),
  route('DELETE', '/api/v1/contacts/{id}', 'contacts-api'),

  route('POST', '/api/v1/contact-lists', 'contact-lists-api'),
  route('GET', '/api/v1/contact-lists', 'contact-lists-api'),
  route('GET', '/api/v1/contact-lists/{id}', 'contact-lists-api'),
  route('PUT', '/api/v1/contact-lists/{id}', 'contact-lists-api'),
  route('DELETE', '/api/v1/contact-lists/{id}', 'contact-lists-api'),
  route('GET', '/api/v1/contact-lists/{id}/contacts', 'contact-lists-api'),
  route('POST', '/api/v1/contact-lists/{id}/contacts', 'contact-lists-api'),
  route('DELETE', '/api/v1/contact-lists/{id}/contacts/{cid}', 'contact-lists-api'),

  route('POST', '/api/v1/broadcasts', 'broadcasts-api'),
  route('GET', '/api/v1/broadcasts', 'broadcasts-api'),
  route('GET', '/api/v1/broadcasts/{id}', 'broadcasts-api'),
  route('PUT', '/api/v1/broadcasts/{id}', 'broadcasts-api'),
  route('DELETE', '/api/v1/broadcasts/{id}', 'broadcasts-api'),
  route('POST', '/api/v1/broadcasts/{id}/schedule', 'broadcasts-api'),
  route('POST', '/api/v1/broadcasts/{id}/unschedule', 'broadcasts-api'),
  route('POST', '/api/v1/broadcasts/{id}/execute', 'broadcasts-api'),
  route('POST', '/api/v1/broadcasts/{id}/cancel', 'broadcasts-api'),
  route('POST', '/api/v1/broadcasts/{id}/pause', 'broadcasts-api'),
  route('POST', '/api/v1/broadcasts/{id}/resume', 'broadcasts-api'),
  route('POST', '/api/v1/broadcasts/{id}/preview', 'broadcasts-api'),
  route('GET', '/api/v1/broadcasts/{id}/stats', 'broadcasts-api'),
  route('GET', '/api/v1/broadcasts/{id}/executions', 'broadcasts-api'),
  // Test sends: one real message to one contact, outside the broadcast's executions and stats, and their history.
  route('POST', '/api/v1/broadcasts/{id}/test-send', 'broadcasts-api'),
  route('GET', '/api/v1/broadcasts/{id}/test-sends', 'broadcasts-api'),

  route('POST', '/api/v1/channels', 'channels-api'),
  route('GET', '/api/v1/channels', 'channels-api'),
  route('GET', '/api/v1/channels/{id}', 'channels-api'),
  route('PUT', '/api/v1/channels/{id}', 'channels-api'),
  route('DELETE', '/api/v1/channels/{id}', 'channels-api'),

  // Issue 4: a trigger_broadcast automation event over HTTP (the same event the EventBridge rule routes).
  route('POST', '/api/v1/automation/events', 'automation-api'),
];

export function routeKey(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
