import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  DEFAULT_LOCAL_JWT_AUDIENCE,
  DEFAULT_LOCAL_JWT_ISSUER,
  DEFAULT_LOCAL_JWT_SECRET,
  signLocalToken,
} from '../../local/local-jwt.js';
import {
  type LocalRuntime,
  type LocalRuntimeFaults,
  loadLocalSettings,
  startLocalRuntime,
} from '../../local/local-runtime.js';
import { type Api, type ApiOptions, apiClient, type Reply } from '../support/http-client.js';
import { expectProblemAnswer } from '../support/problem.js';
import { sharedForFile } from '../support/shared-for-file.js';

export type { Api, Reply } from '../support/http-client.js';

export interface E2e {
  runtime: LocalRuntime;
  /** A client calling as the bearer of `token` (none: no Authorization header); `onReply` sees its replies. */
  api(token?: string, onReply?: ApiOptions['onReply']): Api;
  /** A client for a new tenant of its own, whose collections hold only what the test puts there. */
  tenantApi(onReply?: ApiOptions['onReply']): Promise<Api>;
  /** Every 5xx answered so far, as "METHOD path -> status", except the documented 501 of execute. */
  serverErrors: string[];
}

/**
 * The local runtime on a free port and a table of its own, against the DynamoDB Local of global-setup.ts; `faults`
 * changes its queues (e.g. a shorter visibility timeout, so a failed message comes back sooner).
 */
export async function startE2e(faults: LocalRuntimeFaults = {}): Promise<E2e> {
  const runtime = await startLocalRuntime(
    {
      ...loadLocalSettings({}),
      PORT: 0,
      DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
      TABLE_NAME: `e2e-${randomUUID()}`,
    },
    faults,
  );
  const serverErrors: string[] = [];
  const keepServerErrors = (method: string, path: string, reply: Reply) => {
    if (reply.status >= 500 && !(reply.status === 501 && reply.body?.code === 'not_implemented')) {
      serverErrors.push(`${method} ${path} -> ${reply.status}`);
    }
  };
  const api: E2e['api'] = (token, onReply) =>
    apiClient(runtime.url, {
      token,
      onReply: (method, path, reply) => {
        keepServerErrors(method, path, reply);
        onReply?.(method, path, reply);
      },
    });
  return {
    runtime,
    serverErrors,
    api,
    tenantApi: async (onReply) => api(await tokenFor(newTenant()), onReply),
  };
}

/** The e2e runtime of a test file: started before its first test and stopped after its last (see sharedForFile). */
export function e2eForFile(): E2e {
  return sharedForFile(startE2e, (e2e) => e2e.runtime.stop());
}

/** A static list of new contacts, each with a name and a phone (Ada alone unless given). */
export async function aListOfContacts(
  api: Api,
  people: readonly { name: string; phone: string }[] = [{ name: 'Ada', phone: '+5511999990001' }],
): Promise<{ listId: string; contactIds: string[] }> {
  const contactIds: string[] = [];
  for (const person of people) {
    const contact = await api.post('/api/v1/contacts', person);
    expect(contact.status).toBe(201);
    contactIds.push(contact.body.id);
  }
  const list = await api.post('/api/v1/contact-lists', { name: 'Audience', contact_ids: contactIds });
  expect(list.status).toBe(201);
  return { listId: list.body.id, contactIds };
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
  expectProblemAnswer({ ...reply, contentType: reply.headers.get('content-type') }, status, code);
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
