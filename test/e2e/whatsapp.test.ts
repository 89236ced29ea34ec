import { randomUUID } from 'node:crypto';
import { parseExecutionReference } from '../../lib/domain/execution-reference.js';
import { type GraphStandInRequest, WhatsAppGraphStandIn } from '../support/whatsapp-graph-stand-in.js';
import { type Api, type E2e, newTenant, type Reply, startE2e, tokenFor } from './support.js';

/**
 * The seed's Black Friday example sent over WhatsApp, as a new user would do it over HTTP: the local runtime with
 * WHATSAPP_API_BASE_URL pointing at the Graph API stand-in, which checks every request against Meta's documented
 * shapes and knows the approved template `promo_bf` (named parameters `name` and `discount`).
 */

const TOKEN = 'EAAG-e2e-token-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let standIn: WhatsAppGraphStandIn;
let e2e: E2e;
let api: Api;
let savedBaseUrl: string | undefined;

beforeAll(async () => {
  standIn = await WhatsAppGraphStandIn.start({
    accessToken: TOKEN,
    templates: { promo_bf: { body: ['name', 'discount'], languages: ['en_US', 'pt_BR'] } },
  });
  savedBaseUrl = process.env.WHATSAPP_API_BASE_URL;
  process.env.WHATSAPP_API_BASE_URL = standIn.baseUrl;
  e2e = await startE2e();
  api = e2e.api(await tokenFor(newTenant()));
}, 120_000);

afterAll(async () => {
  await e2e?.runtime.stop();
  await standIn?.stop();
  if (savedBaseUrl === undefined) delete process.env.WHATSAPP_API_BASE_URL;
  else process.env.WHATSAPP_API_BASE_URL = savedBaseUrl;
});

/** The body of a call that must succeed; fails the test with the answer otherwise. */
async function ok(reply: Promise<Reply>): Promise<Reply['body']> {
  const { status, body } = await reply;
  if (status < 200 || status >= 300) throw new Error(`answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

/** A request's JSON body, as the stand-in parsed it. */
function bodyOf(request: GraphStandInRequest | undefined): Reply['body'] {
  return request?.body ?? {};
}

/** The seed's Example 1 audience: active customers in one pipeline stage, and one who is not. */
async function activeCustomers(pipelineId: string, statusId: string) {
  const customer = (name: string, phone?: string, tags = ['customer', 'active']) => ({
    external_id: `crm-${randomUUID()}`,
    name,
    ...(phone ? { phone } : {}),
    tags,
    pipeline_id: pipelineId,
    status_id: statusId,
  });
  const { results } = await ok(
    api.post('/api/v1/contacts/batch', {
      contacts: [
        customer('Ada Lovelace', '+5511987654321'),
        customer('Grace Hopper', '+14155550123'),
        customer('Alan Turing', '+447700900123'),
        customer('Edsger Dijkstra'),
        customer('Barbara Liskov', '+33612345678', ['customer']),
      ],
    }),
  );
  const ids = (results as { status: string; id: string }[]).map((r) => r.id);
  const [ada, grace, alan, edsger, barbara] = ids as [string, string, string, string, string];
  return { ada, grace, alan, edsger, barbara };
}

async function waitUntilCompleted(id: string): Promise<Reply['body']> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const stats = await ok(api.get(`/api/v1/broadcasts/${id}/stats`));
    if (stats.status === 'completed') return stats;
    if (Date.now() > deadline) throw new Error(`not completed: ${JSON.stringify(stats)}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

describe("the seed's Black Friday example on WhatsApp", () => {
  it('sends one template message per active customer with a phone, their name as a parameter', async () => {
    // Prepare: a WhatsApp channel as the tenant's default, the audience, the example's broadcast verbatim.
    const [pipelineId, statusId] = [randomUUID(), randomUUID()];
    const people = await activeCustomers(pipelineId, statusId);
    await ok(
      api.post('/api/v1/channels', {
        name: 'WhatsApp Business',
        type: 'whatsapp',
        config: {
          phone_number_id: standIn.phoneNumberId,
          access_token: TOKEN,
          app_secret: 'e2e-app-secret-0123',
          verify_token: 'e2e-verify-token',
        },
        is_default: true,
      }),
    );
    const list = await ok(
      api.post('/api/v1/contact-lists', {
        name: 'Active Customers',
        is_dynamic: true,
        filters: { pipeline_id: pipelineId, status_id: statusId, tags: ['customer', 'active'] },
      }),
    );
    const broadcast = await ok(
      api.post('/api/v1/broadcasts', {
        name: 'Black Friday Promotion',
        list_id: list.id,
        message_template: {
          type: 'template',
          template_id: 'promo_bf',
          variables: { name: 'contact.name', discount: '50' },
        },
        rate_limit: 100,
      }),
    );

    // Act
    await ok(api.post(`/api/v1/broadcasts/${broadcast.id}/execute`));
    const stats = await waitUntilCompleted(broadcast.id);

    // Assess: three messages, request by request as Meta documents them.
    expect(stats).toMatchObject({ total_contacts: 4, sent: 3, failed: 0, skipped: 1 });
    expect(standIn.malformed()).toEqual([]);
    const sends = standIn.requests.filter((r) => r.outcome === 'accepted');
    expect(sends).toHaveLength(3);
    expect(standIn.requests).toHaveLength(3);
    const executions = await ok(api.get(`/api/v1/broadcasts/${broadcast.id}/executions`));
    const byContact = new Map<string, Reply['body']>(executions.items.map((e: Reply['body']) => [e.contact_id, e]));
    const expected = [
      [people.ada, '5511987654321', 'Ada Lovelace'],
      [people.grace, '14155550123', 'Grace Hopper'],
      [people.alan, '447700900123', 'Alan Turing'],
    ] as const;
    for (const [contactId, to, name] of expected) {
      const request = sends.find((r) => bodyOf(r).to === to);
      const execution = byContact.get(contactId);
      expect(request?.path).toBe(`/v23.0/${standIn.phoneNumberId}/messages`);
      expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(bodyOf(request)).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to,
        biz_opaque_callback_data: expect.stringMatching(/^x1\./),
        type: 'template',
        template: {
          name: 'promo_bf',
          language: { code: 'en_US' },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', text: name, parameter_name: 'name' },
                { type: 'text', text: '50', parameter_name: 'discount' },
              ],
            },
          ],
        },
      });
      // The execution names the message Meta accepted, and the reference Meta will echo names the execution.
      expect(execution).toMatchObject({ status: 'sent', message_id: request?.messageId });
      const reference = parseExecutionReference(bodyOf(request).biz_opaque_callback_data);
      expect(reference).toEqual({
        executionId: execution?.id,
        broadcastId: broadcast.id,
        chunk: expect.any(Number),
        contactId,
      });
    }
    // No phone: skipped before any request; not an active customer: not in the audience at all.
    expect(byContact.get(people.edsger)).toMatchObject({ status: 'skipped', reason: 'no_address', message_id: null });
    expect(byContact.has(people.barbara)).toBe(false);
    expect(e2e.serverErrors).toEqual([]);
  });

  it("sends in the broadcast's template language, and a template Meta does not know pauses the broadcast", async () => {
    // Prepare: two broadcasts to one contact: promo_bf in pt_BR (approved) and in es (not approved).
    const phone = '+5521999990000';
    const contact = await ok(api.post('/api/v1/contacts', { name: 'Rui', phone }));
    const list = await ok(api.post('/api/v1/contact-lists', { name: 'Rui', contact_ids: [contact.id] }));
    const inLanguage = (language: string) =>
      ok(
        api.post('/api/v1/broadcasts', {
          name: `Black Friday ${language}`,
          list_id: list.id,
          message_template: {
            type: 'template',
            template_id: 'promo_bf',
            language,
            variables: { name: 'contact.name', discount: '50' },
          },
        }),
      );
    const portuguese = await inLanguage('pt_BR');
    const spanish = await inLanguage('es');
    const before = standIn.requests.length;

    // Act
    await ok(api.post(`/api/v1/broadcasts/${portuguese.id}/execute`));
    await waitUntilCompleted(portuguese.id);
    await ok(api.post(`/api/v1/broadcasts/${spanish.id}/execute`));
    let paused: Reply['body'] = {};
    for (const deadline = Date.now() + 150_000; paused.status !== 'paused' && Date.now() < deadline; ) {
      await new Promise((done) => setTimeout(done, 200));
      paused = await ok(api.get(`/api/v1/broadcasts/${spanish.id}`));
    }

    // Assess
    const [sent, refused] = standIn.requests.slice(before);
    expect(bodyOf(sent).template).toMatchObject({ language: { code: 'pt_BR' } });
    expect(sent?.outcome).toBe('accepted');
    expect(bodyOf(refused).template).toMatchObject({ language: { code: 'es' } });
    expect(paused).toMatchObject({
      status: 'paused',
      status_reason: 'channel_error: whatsapp 132001: Template name does not exist in the translation',
      failed_count: 0,
    });
    const executions = await ok(api.get(`/api/v1/broadcasts/${spanish.id}/executions`));
    expect(executions.items).toEqual([
      expect.objectContaining({ status: 'pending', attempts: 0, id: expect.stringMatching(UUID) }),
    ]);
  });
});
