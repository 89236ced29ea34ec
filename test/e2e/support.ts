import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  DEFAULT_LOCAL_JWT_AUDIENCE,
  DEFAULT_LOCAL_JWT_ISSUER,
  DEFAULT_LOCAL_JWT_SECRET,
  signLocalToken,
} from '../../local/local-jwt.js';
import { type LocalRuntime, loadLocalSettings, startLocalRuntime } from '../../local/local-runtime.js';

/** What a test sees of a response: the body parsed when it is JSON (problem+json included). */
export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  body: any;
}

export interface Api {
  get(path: string): Promise<Reply>;
  post(path: string, body?: unknown): Promise<Reply>;
  put(path: string, body?: unknown): Promise<Reply>;
  delete(path: string): Promise<Reply>;
  /** A body sent verbatim, for malformed JSON, other media types and oversized bodies. */
  raw(method: string, path: string, body: string, contentType: string): Promise<Reply>;
}

export interface E2e {
  runtime: LocalRuntime;
  /** A client calling as the bearer of `token` (none: no Authorization header). */
  api(token?: string): Api;
  /** Every 5xx answered so far, as "METHOD path -> status", except the documented 501 of execute. */
  serverErrors: string[];
}

/** The local runtime on a free port and a table of its own, against the DynamoDB Local of global-setup.ts. */
export async function startE2e(): Promise<E2e> {
  const runtime = await startLocalRuntime({
    ...loadLocalSettings({}),
    PORT: 0,
    DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
    TABLE_NAME: `e2e-${randomUUID()}`,
  });
  const serverErrors: string[] = [];
  const request = async (token: string | undefined, method: string, path: string, body?: string, type?: string) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (type) headers['content-type'] = type;
    const response = await fetch(`${runtime.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
    const reply = { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
    if (reply.status >= 500 && !(reply.status === 501 && reply.body?.code === 'not_implemented')) {
      serverErrors.push(`${method} ${path} -> ${reply.status}`);
    }
    return reply;
  };
  const withJson = (token: string | undefined, method: string, path: string, body: unknown) =>
    body === undefined
      ? request(token, method, path)
      : request(token, method, path, JSON.stringify(body), 'application/json');
  return {
    runtime,
    serverErrors,
    api: (token) => ({
      get: (path) => request(token, 'GET', path),
      post: (path, body) => withJson(token, 'POST', path, body),
      put: (path, body) => withJson(token, 'PUT', path, body),
      delete: (path) => request(token, 'DELETE', path),
      raw: (method, path, body, contentType) => request(token, method, path, body, contentType),
    }),
  };
}

/**
 * A token the local server accepts, for `tenantId`; without one, a token that names no tenant. `roles` puts groups in
 * the role claim (`cognito:groups`); without them the token names no role.
 */
export function tokenFor(
  tenantId?: string,
  options: { secret?: string; expiresIn?: string; roles?: readonly string[] } = {},
): Promise<string> {
  return signLocalToken({
    secret: options.secret ?? DEFAULT_LOCAL_JWT_SECRET,
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(options.expiresIn ? { expiresIn: options.expiresIn } : {}),
    ...(options.roles ? { roles: options.roles } : {}),
  });
}

/**
 * A token with exactly these claims, signed with the local secret (or `secret`): nothing added, so a test can leave
 * out `exp`, put in another `iss`, or give the tenant claim any JSON value, as an attacker holding a signing key of a
 * trusted issuer could.
 */
export function forgedToken(claims: Record<string, unknown>, secret = DEFAULT_LOCAL_JWT_SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

/** The claims every token of the local issuer carries besides tenant and roles: issuer, audience, subject, expiry. */
export function standardClaims(): Record<string, unknown> {
  return {
    iss: DEFAULT_LOCAL_JWT_ISSUER,
    aud: DEFAULT_LOCAL_JWT_AUDIENCE,
    sub: 'local-user',
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 3600,
  };
}

/** A tenant id no other test uses, so its collections hold exactly what the test put there. */
export function newTenant(): string {
  return `t-${randomUUID()}`;
}

/** Asserts an RFC 9457 problem: status, stable code, content type and the documented fields. */
export function expectProblem(reply: Reply, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
  expect(reply.headers.get('content-type')).toBe('application/problem+json');
  expect(reply.body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code,
    }),
  );
}

/** The fields a 400 validation problem names, sorted. */
export function errorFields(reply: Reply): string[] {
  expectProblem(reply, 400, 'request.validation_failed');
  return (reply.body.errors as { field: string }[]).map((error) => error.field).sort();
}

/** Follows next_cursor to the end; returns every item and the page count. Fails on an oversized page. */
export async function allPages(
  api: Api,
  path: string,
  limit: number,
): Promise<{ items: Reply['body'][]; pages: number }> {
  const items: Reply['body'][] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const reply = await api.get(
      `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(reply.status).toBe(200);
    expect(reply.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...reply.body.items);
    cursor = reply.body.next_cursor;
    pages++;
    if (pages > 200) throw new Error(`${path}: the cursors never ended`);
  } while (cursor);
  return { items, pages };
}

export const MiB = 1024 * 1024;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
