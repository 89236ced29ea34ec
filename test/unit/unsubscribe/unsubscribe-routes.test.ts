import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HmacUnsubscribeLinks } from '../../../lib/adapters/unsubscribe/hmac-unsubscribe-links.js';
import { type Contact, newContact } from '../../../lib/domain/contact.js';
import type { HttpContext, HttpEvent } from '../../../lib/http/middlewares.js';
import {
  escapeHtml,
  prefersJson,
  unsubscribeHandler,
  unsubscribeRoutes,
} from '../../../lib/http/unsubscribe-routes.js';
import type { ContactRepository } from '../../../lib/ports/contact-repository.js';
import type { UnsubscribeDeps } from '../../../lib/use-cases/unsubscribe-contact.js';

const T0 = '2025-01-15T12:00:00.000Z';
const T1 = '2025-01-16T08:00:00.000Z';
const links = new HmacUnsubscribeLinks('unit-test-secret-0123456789-0123456789', 'https://broadcast.example');

/** Just enough of a ContactRepository: a map, and a log of writes. */
function memoryContacts(...contacts: Contact[]) {
  const byKey = new Map(contacts.map((c) => [`${c.tenantId}/${c.id}`, c]));
  const writes: Contact[] = [];
  const repository = {
    findById: async (tenantId: string, id: string) => byKey.get(`${tenantId}/${id}`),
    replace: async (contact: Contact) => {
      writes.push(contact);
      byKey.set(`${contact.tenantId}/${contact.id}`, contact);
    },
  } as unknown as ContactRepository;
  return { repository, writes, get: (c: Contact) => byKey.get(`${c.tenantId}/${c.id}`) };
}

function event(method: 'GET' | 'POST', token: string, headers: Record<string, string> = {}, body?: string): HttpEvent {
  return {
    version: '2.0',
    routeKey: `${method} /unsubscribe/{token}`,
    rawPath: `/unsubscribe/${token}`,
    rawQueryString: '',
    headers,
    pathParameters: { token },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
    requestContext: { http: { method } } as HttpEvent['requestContext'],
  };
}

const context = { getRemainingTimeInMillis: () => 10_000, functionName: 'unsubscribe' } as unknown as HttpContext;

function setUp() {
  const contact = newContact(
    'acme',
    randomUUID(),
    { externalId: 'crm-1', name: 'Ana', email: 'ana@example.com', tags: ['vip'], customFields: { plan: 'gold' } },
    T0,
  );
  const contacts = memoryContacts(contact);
  const deps: UnsubscribeDeps = {
    contacts: contacts.repository,
    clock: { now: () => new Date(T1) },
    unsubscribeLinks: links,
  };
  const handler = unsubscribeHandler(unsubscribeRoutes, () => deps);
  const token = links.tokenFor({ tenantId: 'acme', contactId: contact.id, broadcastId: randomUUID() });
  const call = async (e: HttpEvent) => (await handler(e, context)) as APIGatewayProxyStructuredResultV2;
  return { contact, contacts, token, call };
}

describe('the public unsubscribe routes', () => {
  it('GET shows a self-contained confirmation page with a form that posts back, and opts nobody out', async () => {
    const { contact, contacts, token, call } = setUp();
    const reply = await call(event('GET', token));
    expect(reply.statusCode).toBe(200);
    expect(reply.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers?.['cache-control']).toBe('no-store');
    expect(reply.headers?.['referrer-policy']).toBe('no-referrer');
    expect(reply.body).toContain('<form method="post">');
    expect(reply.body).not.toMatch(/<script|<link|src=|https?:\/\//i);
    expect(reply.body).not.toContain(contact.email);
    expect(contacts.writes).toEqual([]);
    expect(contacts.get(contact)?.optedOut).toBe(false);
  });

  it('POST with a one-click form body opts the contact out and changes nothing else', async () => {
    const { contact, contacts, token, call } = setUp();
    const reply = await call(
      event('POST', token, { 'content-type': 'application/x-www-form-urlencoded' }, 'List-Unsubscribe=One-Click'),
    );
    expect(reply.statusCode).toBe(200);
    expect(reply.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.body).toContain('You are unsubscribed');
    expect(contacts.get(contact)).toEqual({ ...contact, optedOut: true, optedOutAt: T1, updatedAt: T1 });
  });

  it('POST is idempotent: a second one writes nothing and keeps opted_out_at', async () => {
    const { contact, contacts, token, call } = setUp();
    await call(event('POST', token));
    const again = await call(event('POST', token, { accept: 'application/json' }));
    expect(again.statusCode).toBe(200);
    expect(again.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(again.body ?? '')).toEqual({ unsubscribed: true, opted_out: true, opted_out_at: T1 });
    expect(contacts.writes).toHaveLength(1);
    expect(contacts.get(contact)?.optedOutAt).toBe(T1);
  });

  it('GET after the opt-out says so, without a form', async () => {
    const { token, call } = setUp();
    await call(event('POST', token));
    const reply = await call(event('GET', token));
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toContain('You are unsubscribed');
    expect(reply.body).not.toContain('<form');
  });

  it('a tampered, foreign or unknown token is a 404 problem on both methods', async () => {
    const { token, call } = setUp();
    const other = new HmacUnsubscribeLinks('another-secret-0123456789-0123456789', 'https://x.example');
    const tokens = [
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      other.tokenFor({ tenantId: 'acme', contactId: randomUUID(), broadcastId: randomUUID() }),
      links.tokenFor({ tenantId: 'acme', contactId: randomUUID(), broadcastId: randomUUID() }),
      'garbage',
    ];
    for (const bad of tokens) {
      for (const method of ['GET', 'POST'] as const) {
        const reply = await call(event(method, bad));
        expect({ bad, method, status: reply.statusCode, type: reply.headers?.['content-type'] }).toEqual({
          bad,
          method,
          status: 404,
          type: 'application/problem+json',
        });
        expect(JSON.parse(reply.body ?? '').code).toBe('contact.not_found');
      }
    }
  });

  it('the token names the tenant: the same contact id under another tenant is not found', async () => {
    const { contact, call } = setUp();
    const foreign = links.tokenFor({ tenantId: 'globex', contactId: contact.id, broadcastId: randomUUID() });
    expect((await call(event('POST', foreign))).statusCode).toBe(404);
  });
});

describe('content negotiation and escaping', () => {
  it.each([
    [undefined, false],
    ['*/*', false],
    ['text/html', false],
    ['application/json', true],
    ['application/json, text/html;q=0.9', true],
    ['text/html, application/json;q=0.9', false],
    ['text/html;q=0.5, application/*', true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', false],
  ])('Accept %s prefers JSON: %s', (accept, json) => {
    expect(prefersJson(accept)).toBe(json);
  });

  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
