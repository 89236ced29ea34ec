import { randomUUID } from 'node:crypto';
import { HmacUnsubscribeLinks } from '../../lib/adapters/unsubscribe/hmac-unsubscribe-links.js';
import { getRuntime } from '../../lib/composition-root.js';
import type { UnsubscribeLinks } from '../../lib/ports/unsubscribe-links.js';
import { type Api, e2eForFile, expectProblem, ISO_INSTANT, newTenant, tokenFor } from './support.js';

const e2e = e2eForFile();
let acme: Api;
let acmeTenant: string;
/** No Authorization header: the unsubscribe link is public. */
let anonymous: Api;
/** The links the server signs and verifies with (the runtime runs in this process). */
let links: UnsubscribeLinks;

const ONE_CLICK = 'List-Unsubscribe=One-Click';
const FORM = 'application/x-www-form-urlencoded';

beforeAll(async () => {
  acmeTenant = newTenant();
  acme = e2e.api(await tokenFor(acmeTenant));
  anonymous = e2e.api();
  links = getRuntime().deps.unsubscribeLinks;
});

afterEach(() => {
  expect(e2e.serverErrors).toEqual([]);
});

async function aContact(api: Api = acme) {
  const reply = await api.post('/api/v1/contacts', {
    external_id: `crm-${randomUUID()}`,
    name: 'Ana Souza',
    email: 'ana@example.com',
    phone: '+5511999998888',
    tags: ['customer'],
    custom_fields: { plan: 'gold', visits: 3 },
    timezone: 'America/Sao_Paulo',
  });
  expect(reply.status).toBe(201);
  return reply.body;
}

function pathFor(contactId: string, tenantId = acmeTenant): string {
  const link = links.linkFor({ tenantId, contactId, broadcastId: randomUUID() });
  return new URL(link).pathname;
}

const read = async (id: string) => (await acme.get(`/api/v1/contacts/${id}`)).body;

describe('GET /unsubscribe/{token}', () => {
  it('shows a confirmation page with a form posting back, without a bearer token, and opts nobody out', async () => {
    // Prepare
    const contact = await aContact();
    const path = pathFor(contact.id);

    // Act
    const reply = await anonymous.get(path);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(reply.body).toContain('<form method="post">');
    expect(reply.body).not.toMatch(/<script|<link|src=/i);
    expect(await read(contact.id)).toEqual(contact);
  });
});

describe('POST /unsubscribe/{token}', () => {
  it('an RFC 8058 one-click POST opts the contact out, stamps opted_out_at and changes nothing else', async () => {
    // Prepare
    const contact = await aContact();
    const path = pathFor(contact.id);

    // Act
    const reply = await anonymous.raw('POST', path, ONE_CLICK, FORM);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(reply.body).toContain('You are unsubscribed');
    const after = await read(contact.id);
    expect(after).toEqual({
      ...contact,
      opted_out: true,
      opted_out_at: expect.stringMatching(ISO_INSTANT),
      updated_at: expect.stringMatching(ISO_INSTANT),
    });
  });

  it('is idempotent: a repeat keeps the first opted_out_at, and answers JSON to a client that prefers it', async () => {
    // Prepare
    const contact = await aContact();
    const path = pathFor(contact.id);
    await anonymous.raw('POST', path, ONE_CLICK, FORM);
    const first = await read(contact.id);

    // Act
    const again = await anonymous.raw('POST', path, ONE_CLICK, FORM);
    const asJson = await fetch(`${e2e.runtime.url}${path}`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': FORM },
      body: ONE_CLICK,
    });

    // Assess
    expect(again.status).toBe(200);
    expect(asJson.status).toBe(200);
    expect(asJson.headers.get('content-type')).toBe('application/json');
    expect(await asJson.json()).toEqual({ unsubscribed: true, opted_out: true, opted_out_at: first.opted_out_at });
    expect(await read(contact.id)).toEqual(first);
  });

  it('accepts any body: none, the page form, JSON or plain text', async () => {
    for (const [body, type] of [
      [undefined, undefined],
      ['List-Unsubscribe=One-Click&extra=1', FORM],
      ['{"whatever": true}', 'application/json'],
      ['yes please', 'text/plain'],
    ] as const) {
      const contact = await aContact();
      const reply =
        body === undefined
          ? await anonymous.post(pathFor(contact.id))
          : await anonymous.raw('POST', pathFor(contact.id), body, type);
      expect({ type, status: reply.status }).toEqual({ type, status: 200 });
      expect((await read(contact.id)).opted_out).toBe(true);
    }
  });

  it('an opted-out contact stays opted out, and GET then says so', async () => {
    const contact = await aContact();
    const path = pathFor(contact.id);
    await anonymous.raw('POST', path, ONE_CLICK, FORM);
    const page = await anonymous.get(path);
    expect(page.status).toBe(200);
    expect(page.body).toContain('You are unsubscribed');
    expect(page.body).not.toContain('<form');
  });
});

describe('tokens the service did not issue', () => {
  it('a token with one character changed is a 404 problem on GET and POST, and changes nothing', async () => {
    const contact = await aContact();
    const path = pathFor(contact.id);
    const tampered = `${path.slice(0, -1)}${path.endsWith('A') ? 'B' : 'A'}`;
    expectProblem(await anonymous.get(tampered), 404, 'contact.not_found');
    expectProblem(await anonymous.raw('POST', tampered, ONE_CLICK, FORM), 404, 'contact.not_found');
    expect((await read(contact.id)).opted_out).toBe(false);
  });

  it('a token signed with another secret, one for an unknown contact, and garbage are all 404', async () => {
    const contact = await aContact();
    const other = new HmacUnsubscribeLinks('some-other-secret-0123456789-0123456789', 'http://x.example');
    const forged = new URL(other.linkFor({ tenantId: acmeTenant, contactId: contact.id, broadcastId: randomUUID() }));
    for (const path of [forged.pathname, pathFor(randomUUID()), '/unsubscribe/not-a-token', '/unsubscribe/a.b']) {
      expectProblem(await anonymous.raw('POST', path, ONE_CLICK, FORM), 404, 'contact.not_found');
    }
    expect((await read(contact.id)).opted_out).toBe(false);
  });

  it("the token's tenant decides: a valid token naming another tenant's contact id finds nothing", async () => {
    const contact = await aContact();
    const reply = await anonymous.raw('POST', pathFor(contact.id, newTenant()), ONE_CLICK, FORM);
    expectProblem(reply, 404, 'contact.not_found');
    expect((await read(contact.id)).opted_out).toBe(false);
  });
});
