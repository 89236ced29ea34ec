import { randomUUID } from 'node:crypto';
import { ROUTES, routeKey } from '../../lib/http/routes.js';
import { type Api, e2eForFile, expectProblem, MiB, newTenant, tokenFor } from './support.js';

/**
 * What every route shares: authentication (401/403) and the parsing of request bodies (400/413/415),
 * checked on every route of lib/http/routes.ts, whatever it holds: against real resources where this
 * file has them (which must stay untouched), with random ids otherwise.
 */
const e2e = e2eForFile();
let acme: Api;
let tokens: { valid: string; badSignature: string; expired: string; noTenant: string };
/** Per route key: a real path of tenant acme and a body that would succeed, were the request authorized. */
let calls: Record<string, { path: string; body?: unknown }>;
let snapshot: () => Promise<unknown>;

const future = () => new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();

beforeAll(async () => {
  const tenant = newTenant();
  tokens = {
    valid: await tokenFor(tenant),
    badSignature: await tokenFor(tenant, { secret: 'not-the-local-secret-at-all' }),
    expired: await tokenFor(tenant, { expiresIn: '-1h' }),
    noTenant: await tokenFor(undefined),
  };
  acme = e2e.api(tokens.valid);
  const contact = (await acme.post('/api/v1/contacts', { name: 'Ana', external_id: 'crm-1', tags: ['vip'] })).body;
  const other = (await acme.post('/api/v1/contacts', { name: 'Bia', phone: '+5511999998888' })).body;
  const list = (await acme.post('/api/v1/contact-lists', { name: 'VIP', contact_ids: [contact.id] })).body;
  const dynamic = (
    await acme.post('/api/v1/contact-lists', { name: 'Tagged', is_dynamic: true, filters: { tags: ['vip'] } })
  ).body;
  const template = { type: 'text', content: 'Hi {{contact.name}}' };
  const draft = (await acme.post('/api/v1/broadcasts', { name: 'Draft', list_id: list.id, message_template: template }))
    .body;
  const scheduled = (
    await acme.post('/api/v1/broadcasts', {
      name: 'Later',
      list_id: list.id,
      message_template: template,
      scheduled_for: future(),
    })
  ).body;
  expect([contact.id, other.id, list.id, dynamic.id, draft.status, scheduled.status]).toEqual([
    expect.any(String),
    expect.any(String),
    expect.any(String),
    expect.any(String),
    'draft',
    'scheduled',
  ]);
  const broadcast = (id: string, action = '') => ({ path: `/api/v1/broadcasts/${id}${action}` });
  calls = {
    'POST /api/v1/contacts': { path: '/api/v1/contacts', body: { name: 'Eve', email: 'eve@example.com' } },
    'POST /api/v1/contacts/batch': { path: '/api/v1/contacts/batch', body: { contacts: [{ name: 'Eve' }] } },
    'GET /api/v1/contacts': { path: '/api/v1/contacts' },
    'GET /api/v1/contacts/{id}': { path: `/api/v1/contacts/${contact.id}` },
    'PUT /api/v1/contacts/{id}': { path: `/api/v1/contacts/${contact.id}`, body: { name: 'Changed' } },
    'DELETE /api/v1/contacts/{id}': { path: `/api/v1/contacts/${other.id}` },
    'POST /api/v1/contact-lists': { path: '/api/v1/contact-lists', body: { name: 'New', contact_ids: [other.id] } },
    'GET /api/v1/contact-lists': { path: '/api/v1/contact-lists' },
    'GET /api/v1/contact-lists/{id}': { path: `/api/v1/contact-lists/${list.id}` },
    'PUT /api/v1/contact-lists/{id}': { path: `/api/v1/contact-lists/${list.id}`, body: { name: 'Renamed' } },
    'DELETE /api/v1/contact-lists/{id}': { path: `/api/v1/contact-lists/${dynamic.id}` },
    'GET /api/v1/contact-lists/{id}/contacts': { path: `/api/v1/contact-lists/${list.id}/contacts` },
    'POST /api/v1/contact-lists/{id}/contacts': {
      path: `/api/v1/contact-lists/${list.id}/contacts`,
      body: { contact_ids: [other.id] },
    },
    'DELETE /api/v1/contact-lists/{id}/contacts/{cid}': {
      path: `/api/v1/contact-lists/${list.id}/contacts/${contact.id}`,
    },
    'POST /api/v1/broadcasts': {
      path: '/api/v1/broadcasts',
      body: { name: 'New', list_id: list.id, message_template: template },
    },
    'GET /api/v1/broadcasts': { path: '/api/v1/broadcasts' },
    'GET /api/v1/broadcasts/{id}': broadcast(draft.id),
    'PUT /api/v1/broadcasts/{id}': { ...broadcast(draft.id), body: { name: 'Renamed' } },
    'DELETE /api/v1/broadcasts/{id}': broadcast(draft.id),
    'POST /api/v1/broadcasts/{id}/schedule': { ...broadcast(draft.id, '/schedule'), body: { scheduled_for: future() } },
    'POST /api/v1/broadcasts/{id}/unschedule': broadcast(scheduled.id, '/unschedule'),
    'POST /api/v1/broadcasts/{id}/execute': broadcast(draft.id, '/execute'),
    'POST /api/v1/broadcasts/{id}/cancel': broadcast(scheduled.id, '/cancel'),
    'GET /api/v1/broadcasts/{id}/stats': broadcast(draft.id, '/stats'),
    'GET /api/v1/broadcasts/{id}/executions': broadcast(draft.id, '/executions'),
  };
  const reads = [
    '/api/v1/contacts',
    `/api/v1/contacts/${contact.id}`,
    `/api/v1/contacts/${other.id}`,
    '/api/v1/contact-lists',
    `/api/v1/contact-lists/${list.id}`,
    `/api/v1/contact-lists/${list.id}/contacts`,
    `/api/v1/contact-lists/${dynamic.id}`,
    '/api/v1/broadcasts',
    `/api/v1/broadcasts/${draft.id}`,
    `/api/v1/broadcasts/${scheduled.id}`,
  ];
  snapshot = () =>
    Promise.all(
      reads.map(async (path) => {
        const { status, body } = await acme.get(path);
        return { path, status, body };
      }),
    );
});

const protectedRoutes = ROUTES.filter((route) => !route.public).map(routeKey);
const writeRoutes = protectedRoutes.filter((key) => /^(POST|PUT) /.test(key));
/** The routes whose body is a JSON object (the other POSTs take none). */
const JSON_BODY_ROUTES = [
  'POST /api/v1/contacts',
  'POST /api/v1/contacts/batch',
  'PUT /api/v1/contacts/{id}',
  'POST /api/v1/contact-lists',
  'PUT /api/v1/contact-lists/{id}',
  'POST /api/v1/contact-lists/{id}/contacts',
  'POST /api/v1/broadcasts',
  'PUT /api/v1/broadcasts/{id}',
  'POST /api/v1/broadcasts/{id}/schedule',
];

/** The method, path and body for a route key: the fixture call, or the path with random ids. */
function target(key: string): { method: string; path: string; body?: unknown } {
  const [method, template] = key.split(' ') as [string, string];
  const known = calls[key];
  if (known) return { method, ...known };
  return { method, path: template.replace(/\{\w+\}/g, () => randomUUID()), ...(method === 'GET' ? {} : { body: {} }) };
}

function call(api: Api, key: string) {
  const { method, path, body } = target(key);
  if (method === 'GET') return api.get(path);
  if (method === 'DELETE') return api.delete(path);
  return method === 'PUT' ? api.put(path, body) : api.post(path, body);
}

describe('GET /health', () => {
  it('answers 200 {"status":"ok"} without a token', async () => {
    // Act
    const reply = await e2e.api().get('/health');

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok' });
  });
});

describe('unknown routes', () => {
  it.each(['/api/v1/nothing', '/nothing', '/api/v1/contacts/a/b', '/api/v2/contacts'])(
    'answers GET %s with a 404 problem+json, with or without a token',
    async (path) => {
      // Act
      const anonymous = await e2e.api().get(path);
      const authenticated = await acme.get(path);

      // Assess
      expectProblem(anonymous, 404, 'route.not_found');
      expectProblem(authenticated, 404, 'route.not_found');
    },
  );

  it('answers a method the path does not support with a 405 problem+json', async () => {
    // Act
    const reply = await acme.raw('PATCH', '/api/v1/contacts', '{}', 'application/json');

    // Assess
    expectProblem(reply, 405, 'route.not_found');
  });
});

describe('authentication on every /api/v1 route', () => {
  let before: unknown;
  beforeAll(async () => {
    before = await snapshot();
  });

  it('has a fixture call for every route of this issue, each one in the route table', () => {
    // Assess
    expect(Object.keys(calls)).toHaveLength(25);
    expect(protectedRoutes).toEqual(expect.arrayContaining(Object.keys(calls)));
  });

  it.each(protectedRoutes)(
    '%s: no token, a bad signature or an expired token → 401; no tenant claim → 403',
    async (key) => {
      // Act
      const noToken = await call(e2e.api(), key);
      const badSignature = await call(e2e.api(tokens.badSignature), key);
      const expired = await call(e2e.api(tokens.expired), key);
      const garbage = await call(e2e.api('not.a.jwt'), key);
      const noTenant = await call(e2e.api(tokens.noTenant), key);

      // Assess
      for (const reply of [noToken, badSignature, expired, garbage]) {
        expectProblem(reply, 401, 'auth.unauthorized');
        expect(reply.headers.get('www-authenticate')).toBe('Bearer');
      }
      expectProblem(noTenant, 403, 'auth.forbidden');
    },
  );

  it('rejects a token whose tenant claim is not a usable tenant id with 403', async () => {
    // Prepare
    const token = await tokenFor('acme corp/../other');

    // Act
    const reply = await e2e.api(token).get('/api/v1/contacts');

    // Assess
    expectProblem(reply, 403, 'auth.forbidden');
  });

  it('left every resource as it was after all those rejected calls', async () => {
    // Assess
    expect(await snapshot()).toEqual(before);
  });
});

describe('request bodies on every POST and PUT route', () => {
  let before: unknown;
  beforeAll(async () => {
    before = await snapshot();
  });

  it('knows the nine routes that take a JSON object, all of them in the route table', () => {
    // Assess
    expect(JSON_BODY_ROUTES).toHaveLength(9);
    expect(writeRoutes).toEqual(expect.arrayContaining(JSON_BODY_ROUTES));
  });

  it.each(writeRoutes)('%s: malformed JSON → 400 request.malformed_json', async (key) => {
    // Prepare
    const { method, path } = target(key);

    // Act
    const reply = await acme.raw(method, path, '{"name": "Eve",', 'application/json');

    // Assess
    expectProblem(reply, 400, 'request.malformed_json');
  });

  it.each(writeRoutes)('%s: a body that is not JSON → 415', async (key) => {
    // Prepare
    const { method, path, body } = target(key);

    // Act
    const plain = await acme.raw(method, path, JSON.stringify(body ?? {}), 'text/plain');
    const form = await acme.raw(method, path, 'name=Eve', 'application/x-www-form-urlencoded');

    // Assess
    expectProblem(plain, 415, 'request.unsupported_media_type');
    expectProblem(form, 415, 'request.unsupported_media_type');
  });

  it.each(writeRoutes)('%s: a body over 1 MiB → 413', async (key) => {
    // Prepare
    const { method, path } = target(key);
    const huge = JSON.stringify({ name: 'x'.repeat(MiB) });

    // Act
    const reply = await acme.raw(method, path, huge, 'application/json');

    // Assess
    expectProblem(reply, 413, 'request.too_large');
  });

  it.each(JSON_BODY_ROUTES)('%s: JSON that is not an object → 400 with errors', async (key) => {
    // Prepare
    const { method, path } = target(key);

    // Act
    const replies = await Promise.all(
      ['[]', '"text"', '42', 'null'].map((body) => acme.raw(method, path, body, 'application/json')),
    );

    // Assess
    for (const reply of replies) {
      expectProblem(reply, 400, 'request.validation_failed');
      expect(reply.body.errors.length).toBeGreaterThan(0);
    }
  });

  it('left every resource as it was after all those rejected bodies', async () => {
    // Assess
    expect(await snapshot()).toEqual(before);
  });

  it('accepts application/json with a charset parameter', async () => {
    // Act
    const reply = await acme.raw('POST', '/api/v1/contacts', '{"name":"Charset"}', 'application/json; charset=utf-8');

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body.name).toBe('Charset');
  });
});

describe('the whole file', () => {
  it('never got a 5xx', () => {
    // Assess
    expect(e2e.serverErrors).toEqual([]);
  });
});
