import type { z } from 'zod';
import { openApiDocument } from '../../lib/http/openapi/openapi-document.js';
import { ROUTE_DOCS } from '../../lib/http/openapi/route-docs.js';
import { ROUTES, routeKey } from '../../lib/http/routes.js';
import { type Api, aListOfContacts, e2eForFile, expectProblem, type Reply } from './support.js';

// GET /api/v1/openapi.json and GET /docs: public, served by the service itself, nothing loaded from another host.

const e2e = e2eForFile();
let anonymous: Api;

beforeAll(() => {
  anonymous = e2e.api();
});

afterEach(() => {
  expect(e2e.serverErrors).toEqual([]);
});

/** The URLs a page's src and href attributes name. */
const referencesOf = (html: string) => [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)].map((m) => m[1] as string);
const offHost = (reference: string) => /^[a-z][a-z0-9+.-]*:|^\/\//i.test(reference);

describe('GET /api/v1/openapi.json', () => {
  it('answers the generated document without a token', async () => {
    // Act
    const reply = await anonymous.get('/api/v1/openapi.json');

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(reply.body.servers).toEqual([{ url: '/', description: 'This service' }]);
  });
});

describe('GET /docs', () => {
  it('answers the reference page without a token; every asset it names is served here, none off-host', async () => {
    // Act
    const page = await anonymous.get('/docs');
    const references = referencesOf(page.body);
    const assets = await Promise.all(
      references.map((reference) => fetch(new URL(reference, `${anonymous.baseUrl}/docs`))),
    );

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(references.length).toBeGreaterThanOrEqual(3);
    expect(references.filter(offHost)).toEqual([]);
    for (const asset of assets) {
      expect({ url: asset.url, status: asset.status }).toEqual({ url: asset.url, status: 200 });
      expect(new URL(asset.url).origin).toBe(new URL(anonymous.baseUrl).origin);
      const text = await asset.text();
      expect(text.length).toBeGreaterThan(0);
      // A style sheet that imported a font or image from elsewhere would load it off-host.
      if (asset.headers.get('content-type')?.startsWith('text/css')) {
        expect(text).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i);
      }
    }
  });

  it("points Swagger UI at this service's document, with the online validator off", async () => {
    // Act
    const script = await anonymous.get('/docs/docs.js');

    // Assess
    expect(script.status).toBe(200);
    expect(script.body).toContain("url: 'api/v1/openapi.json'");
    expect(script.body).toContain('validatorUrl: null');
  });

  it('answers 404 route.not_found for a file it does not serve', async () => {
    // Act
    const reply = await anonymous.get('/docs/index.html');

    // Assess
    expectProblem(reply, 404, 'route.not_found');
  });
});

describe('the documented response schemas', () => {
  /** The route of a request path, as the router matches it. */
  const routeOf = (method: string, path: string) =>
    ROUTES.find(
      (route) =>
        route.method === method &&
        new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(new URL(path, 'http://x').pathname),
    );

  it('describe what the API really answers', async () => {
    // Prepare
    const checked: string[] = [];
    const mismatches: string[] = [];
    const check = (method: string, path: string, reply: Reply) => {
      const route = routeOf(method, path);
      const schema: z.ZodType | undefined = route
        ? ROUTE_DOCS[routeKey(route)]?.responses[reply.status]?.schema
        : undefined;
      if (!route || !schema) return;
      checked.push(routeKey(route));
      const result = schema.safeParse(reply.body);
      if (!result.success) mismatches.push(`${method} ${path} ${reply.status}: ${result.error.message}`);
    };
    const api = await e2e.tenantApi(check);

    // Act
    const { listId, contactIds } = await aListOfContacts(api);
    await api.get('/api/v1/contacts');
    await api.get(`/api/v1/contacts/${contactIds[0]}`);
    await api.get(`/api/v1/contact-lists/${listId}`);
    await api.get(`/api/v1/contact-lists/${listId}/contacts`);
    await api.post('/api/v1/channels', { name: 'Log', type: 'log' });
    await api.get('/api/v1/channels');
    const broadcast = (
      await api.post('/api/v1/broadcasts', {
        name: 'B',
        list_id: listId,
        message_template: { type: 'text', content: 'Hi {{contact.name}}' },
      })
    ).body;
    await api.post(`/api/v1/broadcasts/${broadcast.id}/preview`, { contact_id: contactIds[0] });
    await api.post(`/api/v1/broadcasts/${broadcast.id}/preflight`);
    await api.post(`/api/v1/broadcasts/${broadcast.id}/execute`);
    await api.get('/api/v1/broadcasts');
    await api.get(`/api/v1/broadcasts/${broadcast.id}/stats`);
    await api.get(`/api/v1/broadcasts/${broadcast.id}/executions`);
    await api.get(`/api/v1/broadcasts/${broadcast.id}/timeline`);

    // Assess
    expect(mismatches).toEqual([]);
    expect(new Set(checked).size).toBeGreaterThanOrEqual(14);
  }, 180_000);
});
