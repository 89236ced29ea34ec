import { randomUUID } from 'node:crypto';
import { getRuntime, resetRuntime } from '../../lib/composition-root.js';
import type { Role } from '../../lib/http/roles.js';
import { ROUTES, routeKey } from '../../lib/http/routes.js';
import {
  type Api,
  type E2e,
  expectProblem,
  forgedToken,
  newTenant,
  type Reply,
  standardClaims,
  startE2e,
  tokenFor,
} from './support.js';

// Issue 11 section 1, over HTTP: the stage's tenant pinned (TENANT_ID), roles per route (viewer < operator < admin),
// and tokens held to a string tenant, an expiry, the local issuer and audience. Every refusal changes nothing.

let e2e: E2e;
let tenant: string;
const apis = {} as Record<'admin' | 'operator' | 'viewer', Api>;
/** Per protected route key: a real path of `tenant` and a body that would succeed, were the caller allowed. */
let calls: Record<string, { path: string; body?: unknown }>;
let ids: { contact: string; draft: string; channel: string };
let snapshot: () => Promise<unknown>;

const future = () => new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
const protectedRoutes = ROUTES.filter((route) => !route.public);
const keysNeeding = (role: Role) => protectedRoutes.filter((route) => route.role === role).map(routeKey);

/** Sets (or, with undefined, unsets) a variable and reads the configuration again, as the next cold start would. */
function deploy(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  resetRuntime();
}

beforeAll(async () => {
  e2e = await startE2e();
  tenant = newTenant();
  for (const role of ['admin', 'operator', 'viewer'] as const)
    apis[role] = e2e.api(await tokenFor(tenant, { roles: [role] }));
  const admin = apis.admin;
  const contact = (await admin.post('/api/v1/contacts', { name: 'Ana', email: 'ana@example.com' })).body;
  const other = (await admin.post('/api/v1/contacts', { name: 'Bia', phone: '+5511999998888' })).body;
  const list = (await admin.post('/api/v1/contact-lists', { name: 'VIP', contact_ids: [contact.id] })).body;
  const template = { type: 'text', content: 'Hi {{contact.name}}' };
  const newBroadcast = (fields: Record<string, unknown> = {}) =>
    admin.post('/api/v1/broadcasts', { name: 'B', list_id: list.id, message_template: template, ...fields });
  const draft = (await newBroadcast()).body;
  const scheduled = (await newBroadcast({ scheduled_for: future() })).body;
  const channel = (await admin.post('/api/v1/channels', { name: 'Log', type: 'log' })).body;
  expect([draft.status, scheduled.status, channel.type]).toEqual(['draft', 'scheduled', 'log']);
  ids = { contact: contact.id, draft: draft.id, channel: channel.id };
  const broadcast = (id: string, action = '', body?: unknown) => ({
    path: `/api/v1/broadcasts/${id}${action}`,
    ...(body === undefined ? {} : { body }),
  });
  calls = {
    'POST /api/v1/contacts': { path: '/api/v1/contacts', body: { name: 'Eve' } },
    'POST /api/v1/contacts/batch': { path: '/api/v1/contacts/batch', body: { contacts: [{ name: 'Eve' }] } },
    'GET /api/v1/contacts': { path: '/api/v1/contacts' },
    'GET /api/v1/contacts/{id}': { path: `/api/v1/contacts/${contact.id}` },
    'PUT /api/v1/contacts/{id}': { path: `/api/v1/contacts/${contact.id}`, body: { name: 'Changed' } },
    'DELETE /api/v1/contacts/{id}': { path: `/api/v1/contacts/${other.id}` },
    'POST /api/v1/contact-lists': { path: '/api/v1/contact-lists', body: { name: 'New', contact_ids: [other.id] } },
    'GET /api/v1/contact-lists': { path: '/api/v1/contact-lists' },
    'GET /api/v1/contact-lists/{id}': { path: `/api/v1/contact-lists/${list.id}` },
    'PUT /api/v1/contact-lists/{id}': { path: `/api/v1/contact-lists/${list.id}`, body: { name: 'Renamed' } },
    'DELETE /api/v1/contact-lists/{id}': { path: `/api/v1/contact-lists/${list.id}` },
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
      body: { name: 'N', list_id: list.id, message_template: template },
    },
    'GET /api/v1/broadcasts': { path: '/api/v1/broadcasts' },
    'GET /api/v1/broadcasts/{id}': broadcast(draft.id),
    'PUT /api/v1/broadcasts/{id}': broadcast(draft.id, '', { name: 'Renamed' }),
    'DELETE /api/v1/broadcasts/{id}': broadcast(draft.id),
    'POST /api/v1/broadcasts/{id}/schedule': broadcast(draft.id, '/schedule', { scheduled_for: future() }),
    'POST /api/v1/broadcasts/{id}/unschedule': broadcast(scheduled.id, '/unschedule'),
    'POST /api/v1/broadcasts/{id}/execute': broadcast(draft.id, '/execute'),
    'POST /api/v1/broadcasts/{id}/cancel': broadcast(scheduled.id, '/cancel'),
    'POST /api/v1/broadcasts/{id}/pause': broadcast(draft.id, '/pause'),
    'POST /api/v1/broadcasts/{id}/resume': broadcast(draft.id, '/resume'),
    'POST /api/v1/broadcasts/{id}/preview': broadcast(draft.id, '/preview', { contact_id: contact.id }),
    'GET /api/v1/broadcasts/{id}/stats': broadcast(draft.id, '/stats'),
    'GET /api/v1/broadcasts/{id}/executions': broadcast(draft.id, '/executions'),
    'GET /api/v1/broadcasts/{id}/timeline': broadcast(draft.id, '/timeline'),
    'POST /api/v1/broadcasts/{id}/preflight': broadcast(draft.id, '/preflight'),
    'POST /api/v1/broadcasts/{id}/test-send': broadcast(draft.id, '/test-send', { contact_id: contact.id }),
    'GET /api/v1/broadcasts/{id}/test-sends': broadcast(draft.id, '/test-sends'),
    'POST /api/v1/channels': { path: '/api/v1/channels', body: { name: 'Another', type: 'log', is_default: true } },
    'GET /api/v1/channels': { path: '/api/v1/channels' },
    'GET /api/v1/channels/{id}': { path: `/api/v1/channels/${channel.id}` },
    'PUT /api/v1/channels/{id}': { path: `/api/v1/channels/${channel.id}`, body: { name: 'Renamed', type: 'log' } },
    'DELETE /api/v1/channels/{id}': { path: `/api/v1/channels/${channel.id}` },
    'POST /api/v1/automation/events': {
      path: '/api/v1/automation/events',
      body: {
        source: 'automation',
        'detail-type': 'trigger_broadcast',
        detail: { tenant_id: tenant, broadcast_id: draft.id },
      },
    },
  };
  const reads = [
    '/api/v1/contacts',
    `/api/v1/contacts/${contact.id}`,
    `/api/v1/contacts/${other.id}`,
    '/api/v1/contact-lists',
    `/api/v1/contact-lists/${list.id}/contacts`,
    '/api/v1/broadcasts',
    `/api/v1/broadcasts/${draft.id}`,
    `/api/v1/broadcasts/${scheduled.id}`,
    '/api/v1/channels',
  ];
  snapshot = () =>
    Promise.all(
      reads.map(async (path) => {
        const { status, body } = await admin.get(path);
        return { path, status, body };
      }),
    );
});

afterEach(() => {
  expect(e2e.serverErrors).toEqual([]);
});

afterAll(async () => {
  deploy('TENANT_ID', undefined);
  deploy('REQUIRE_ROLES', undefined);
  await e2e?.runtime.stop();
});

/** The call the fixture holds for a route key; random ids and an empty body for a route it lacks. */
function call(api: Api, key: string): Promise<Reply> {
  const [method, template] = key.split(' ') as [string, string];
  const known = calls[key] ?? {
    path: template.replace(/\{\w+\}/g, () => randomUUID()),
    ...(method === 'GET' ? {} : { body: {} }),
  };
  if (method === 'GET') return api.get(known.path);
  if (method === 'DELETE') return api.delete(known.path);
  return method === 'PUT' ? api.put(known.path, known.body) : api.post(known.path, known.body);
}

describe('roles', () => {
  let before: unknown;
  beforeAll(async () => {
    before = await snapshot();
  });

  it('has a real call for every protected route', () => {
    expect(Object.keys(calls).sort()).toEqual(protectedRoutes.map(routeKey).sort());
  });

  it.each(keysNeeding('viewer'))('a viewer may call %s', async (key) => {
    // Act
    const reply = await call(apis.viewer, key);

    // Assess
    expect(reply.status).toBe(200);
  });

  it.each([...keysNeeding('operator'), ...keysNeeding('admin')])(
    'a viewer calling %s → 403 auth.insufficient_role',
    async (key) => {
      // Act
      const reply = await call(apis.viewer, key);

      // Assess
      expectProblem(reply, 403, 'auth.insufficient_role');
    },
  );

  it.each(keysNeeding('admin'))('an operator calling %s → 403 auth.insufficient_role', async (key) => {
    // Act
    const reply = await call(apis.operator, key);

    // Assess
    expectProblem(reply, 403, 'auth.insufficient_role');
  });

  it('an operator reads channels and runs what needs no channel change (a preview)', async () => {
    // Act
    const channels = await call(apis.operator, 'GET /api/v1/channels');
    const preview = await call(apis.operator, 'POST /api/v1/broadcasts/{id}/preview');

    // Assess
    expect([channels.status, preview.status]).toEqual([200, 200]);
    expect(preview.body.message.content).toBe('Hi Ana');
  });

  it('left every resource as it was after all those refused calls', async () => {
    // Assess
    expect(await snapshot()).toEqual(before);
  });
});

describe('what each role may change', () => {
  it('an operator writes contacts (201)', async () => {
    // Act
    const reply = await apis.operator.post('/api/v1/contacts', { name: 'Written by an operator' });

    // Assess
    expect(reply.status).toBe(201);
  });

  it('an admin creates, changes and deletes a channel', async () => {
    // Act
    const created = await apis.admin.post('/api/v1/channels', { name: 'Ops log', type: 'log' });
    const changed = await apis.admin.put(`/api/v1/channels/${created.body.id}`, { name: 'Ops log 2', type: 'log' });
    const deleted = await apis.admin.delete(`/api/v1/channels/${created.body.id}`);

    // Assess
    expect([created.status, changed.status, changed.body.name, deleted.status]).toEqual([201, 200, 'Ops log 2', 204]);
  });

  it.each([
    ['a plain string', 'viewer', 'viewer'],
    ['API Gateway’s flattened list', '[viewer operator]', 'operator'],
    ['a comma-separated list', 'marketing,operator', 'operator'],
    ['a JSON array’s text', '["viewer","admin"]', 'admin'],
  ])('reads the role claim given as %s (%s) as %s', async (_shape, groups, strongest) => {
    // Prepare
    const api = e2e.api(await forgedToken({ ...standardClaims(), tenant_id: tenant, 'cognito:groups': groups }));

    // Act
    const read = await api.get('/api/v1/contacts');
    const preview = await call(api, 'POST /api/v1/broadcasts/{id}/preview');
    const channel = await api.delete(`/api/v1/channels/${randomUUID()}`);

    // Assess: a preview needs operator; deleting a channel (here an unknown one: 404) needs admin.
    expect(read.status).toBe(200);
    expect(preview.status).toBe(strongest === 'viewer' ? 403 : 200);
    expect(channel.status).toBe(strongest === 'admin' ? 404 : 403);
  });
});

describe('REQUIRE_ROLES', () => {
  afterEach(() => deploy('REQUIRE_ROLES', undefined));

  it('refuses a token that names no role, with 403 auth.insufficient_role, and changes nothing', async () => {
    // Prepare
    deploy('REQUIRE_ROLES', 'true');
    const before = await snapshot();
    const noRole = e2e.api(await tokenFor(tenant));
    const unknownGroup = e2e.api(await tokenFor(tenant, { roles: ['marketing'] }));

    // Act
    const replies = [
      await noRole.get('/api/v1/contacts'),
      await noRole.put(`/api/v1/contacts/${ids.contact}`, { name: 'Changed' }),
      await unknownGroup.get('/api/v1/contacts'),
    ];
    const viewer = await apis.viewer.get('/api/v1/contacts');

    // Assess
    for (const reply of replies) expectProblem(reply, 403, 'auth.insufficient_role');
    expect(viewer.status).toBe(200);
    expect(await snapshot()).toEqual(before);
  });

  it('lets a token without a role act as admin where it is off (npm start by default)', async () => {
    // Prepare
    const noRole = e2e.api(await tokenFor(tenant));

    // Act: deleting a channel needs admin; this one does not exist, so an admin hears 404.
    const reply = await noRole.delete(`/api/v1/channels/${randomUUID()}`);

    // Assess
    expectProblem(reply, 404, 'channel.not_found');
  });
});

describe('TENANT_ID: the stage serves its own tenant only', () => {
  let foreignTenant: string;
  let foreign: Api;
  let before: unknown;

  beforeAll(async () => {
    foreignTenant = newTenant();
    foreign = e2e.api(await tokenFor(foreignTenant, { roles: ['admin'] }));
    before = await snapshot();
    deploy('TENANT_ID', tenant);
  });

  afterAll(() => deploy('TENANT_ID', undefined));

  it.each(protectedRoutes.map(routeKey))(
    'another tenant’s token calling %s → 403 auth.tenant_mismatch',
    async (key) => {
      // Act
      const reply = await call(foreign, key);

      // Assess
      expectProblem(reply, 403, 'auth.tenant_mismatch');
    },
  );

  it('another tenant’s automation event, even for its own broadcast, → 403', async () => {
    // Act
    const reply = await foreign.post('/api/v1/automation/events', {
      source: 'automation',
      'detail-type': 'trigger_broadcast',
      detail: { tenant_id: foreignTenant, broadcast_id: randomUUID() },
    });

    // Assess
    expectProblem(reply, 403, 'auth.tenant_mismatch');
  });

  it('serves the stage’s own tenant as before', async () => {
    // Act
    const reply = await apis.viewer.get(`/api/v1/contacts/${ids.contact}`);

    // Assess
    expect(reply.status).toBe(200);
  });

  it('wrote nothing for the other tenant, and changed nothing of the stage’s', async () => {
    // Prepare: unpinned, the other tenant's token may read what it would have written.
    deploy('TENANT_ID', undefined);

    // Act
    const collections = await Promise.all(
      ['/api/v1/contacts', '/api/v1/contact-lists', '/api/v1/broadcasts', '/api/v1/channels'].map(
        async (path) => (await foreign.get(path)).body.items,
      ),
    );

    // Assess
    expect(collections).toEqual([[], [], [], []]);
    expect(await snapshot()).toEqual(before);
  });
});

describe('tokens', () => {
  let before: unknown;
  beforeAll(async () => {
    before = await snapshot();
  });

  /** A non-string JSON value is flattened to the text of a tenant id before the handler sees it. */
  const BAD_TENANTS: [string, unknown][] = [
    ['null', null],
    ['true', true],
    ['false', false],
    ['a number', 123],
    ['zero', 0],
    ['a negative number', -1],
    ['a float', 1.5],
    ['an empty string', ''],
    ['an array', ['acme']],
    ['an object', { id: 'acme' }],
    ['the string "null"', 'null'],
    ['the string "123"', '123'],
  ];

  it.each(BAD_TENANTS)(
    'refuses a tenant claim that is %s with 403 auth.forbidden, writing nothing',
    async (_what, value) => {
      // Prepare
      const api = e2e.api(await forgedToken({ ...standardClaims(), tenant_id: value, 'cognito:groups': ['admin'] }));

      // Act
      const write = await api.post('/api/v1/contacts', { name: 'Planted' });
      const read = await api.get('/api/v1/contacts');

      // Assess
      expectProblem(write, 403, 'auth.forbidden');
      expectProblem(read, 403, 'auth.forbidden');
      const flattened = typeof value === 'string' ? value : JSON.stringify(value);
      expect((await getRuntime().deps.contacts.list(flattened, { limit: 10 })).items).toEqual([]);
    },
  );

  const claimsOf = (change: (claims: Record<string, unknown>) => void) => {
    const claims = { ...standardClaims(), tenant_id: tenant, 'cognito:groups': ['admin'] };
    change(claims);
    return claims;
  };

  it.each([
    ['no exp', claimsOf((claims) => delete claims.exp)],
    ['an exp that is not a number', claimsOf((claims) => (claims.exp = 'never'))],
    ['another issuer', claimsOf((claims) => (claims.iss = 'https://issuer.example.com'))],
    ['no issuer', claimsOf((claims) => delete claims.iss)],
    ['another audience', claimsOf((claims) => (claims.aud = 'some-other-app'))],
    ['no audience', claimsOf((claims) => delete claims.aud)],
  ])('refuses a token with %s: 401 auth.unauthorized, writing nothing', async (_what, claims) => {
    // Prepare
    const api = e2e.api(await forgedToken(claims));

    // Act
    const write = await api.post('/api/v1/contacts', { name: 'Planted' });
    const read = await api.get('/api/v1/contacts');

    // Assess
    for (const reply of [write, read]) {
      expectProblem(reply, 401, 'auth.unauthorized');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('accepts the same claims when issuer, audience and expiry are right', async () => {
    // Act
    const reply = await e2e.api(await forgedToken(claimsOf(() => undefined))).get('/api/v1/contacts');

    // Assess
    expect(reply.status).toBe(200);
  });

  it('left every resource as it was after all those refused tokens', async () => {
    // Assess
    expect(await snapshot()).toEqual(before);
  });
});
