import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HmacUnsubscribeLinks } from '../../lib/adapters/unsubscribe/hmac-unsubscribe-links.js';
import { NotFoundError, UnprocessableError } from '../../lib/domain/errors.js';
import type { HttpEvent } from '../../lib/http/middlewares.js';
import { previewBody, previewRoute } from '../../lib/http/preview-route.js';
import { ValidationProblem } from '../../lib/http/problem.js';
import { type PreviewDeps, previewBroadcast } from '../../lib/use-cases/preview-broadcast.js';
import { aBroadcast, aContact, rejectionOf, storeBroadcast } from '../support/builders.js';
import { buildTestDeps, newTenantId, type TestDeps, testTableForFile } from '../support/dynamodb.js';

const table = testTableForFile();
let deps: TestDeps;
let previewDeps: PreviewDeps;
const links = new HmacUnsubscribeLinks('preview-test-secret-0123456789-0123456789', 'https://broadcast.example');

beforeEach(() => {
  deps = buildTestDeps(table);
  deps.clock.set('2025-01-15T23:30:00.000Z');
  // Only what the use case may touch: no executions, no events, no sender (the channel is only read).
  previewDeps = {
    broadcasts: deps.broadcasts,
    contacts: deps.contacts,
    channels: deps.channels,
    clock: deps.clock,
    unsubscribeLinks: links,
  };
});

async function seed(tenantId = newTenantId()) {
  const contact = aContact(tenantId, {
    name: 'Ana Souza',
    email: 'ana@example.com',
    customFields: { last_purchase_date: '2025-01-10', coupon: null },
    timezone: 'America/Sao_Paulo',
  });
  await deps.contacts.create(contact);
  const broadcast = aBroadcast(tenantId, {
    name: 'Black Friday',
    // current_date/current_time render in the broadcast's zone, not the contact's (issue 4).
    timezone: 'Asia/Tokyo',
    messageTemplate: {
      type: 'text',
      content:
        'Hello {{contact.name}}! Your last purchase was on {{contact.custom.last_purchase_date}}. ' +
        '{{broadcast.name}} {{current_date}} {{current_time}} To unsubscribe: {{unsubscribe_link}}',
    },
  });
  await storeBroadcast(deps, broadcast);
  return { tenantId, contact, broadcast };
}

describe('previewBroadcast', () => {
  it("renders the broadcast's message for the contact, in the broadcast's time zone, with a working unsubscribe link", async () => {
    // Prepare
    const { tenantId, contact, broadcast } = await seed();

    // Act
    const preview = await previewBroadcast(previewDeps, tenantId, broadcast.id, contact.id);

    // Assess
    const link = links.linkFor({ tenantId, contactId: contact.id, broadcastId: broadcast.id });
    expect(preview).toEqual({
      broadcastId: broadcast.id,
      contactId: contact.id,
      template: broadcast.messageTemplate,
      optedOut: false,
      message: {
        content: `Hello Ana Souza! Your last purchase was on 2025-01-10. Black Friday 2025-01-16 08:30 To unsubscribe: ${link}`,
      },
    });
    const token = link.slice(link.lastIndexOf('/') + 1);
    expect(links.verify(token)).toEqual({ tenantId, contactId: contact.id, broadcastId: broadcast.id });
  });

  it("renders seed Example 1's variables map", async () => {
    const { tenantId, contact } = await seed();
    const broadcast = aBroadcast(tenantId, {
      messageTemplate: {
        type: 'template',
        templateId: 'promo_bf',
        variables: { name: 'contact.name', discount: '50' },
      },
    });
    await storeBroadcast(deps, broadcast);
    const preview = await previewBroadcast(previewDeps, tenantId, broadcast.id, contact.id);
    expect(preview.message).toEqual({ variables: { name: 'Ana Souza', discount: '50' } });
  });

  it('names the missing variable instead of rendering, and tells an opted-out contact apart', async () => {
    const { tenantId } = await seed();
    const contact = aContact(tenantId, { name: 'Bia', optedOut: true, customFields: { coupon: null } });
    await deps.contacts.create(contact);
    const broadcast = aBroadcast(tenantId, {
      messageTemplate: { type: 'text', content: 'Hi {{ name }}, your coupon: {{ contact.custom.coupon }}' },
    });
    await storeBroadcast(deps, broadcast);

    const preview = await previewBroadcast(previewDeps, tenantId, broadcast.id, contact.id);

    expect(preview).toEqual(
      expect.objectContaining({ missing: 'contact.custom.coupon', reason: expect.any(String), optedOut: true }),
    );
    expect(preview.message).toBeUndefined();
  });

  it("is a 404 for another tenant's contact or broadcast, or an unknown id", async () => {
    const acme = await seed();
    const globex = await seed();
    const cases: [string, string][] = [
      [acme.broadcast.id, globex.contact.id],
      [globex.broadcast.id, acme.contact.id],
      [acme.broadcast.id, randomUUID()],
      [randomUUID(), acme.contact.id],
    ];
    for (const [broadcastId, contactId] of cases) {
      const error = await rejectionOf(previewBroadcast(previewDeps, acme.tenantId, broadcastId, contactId));
      expect(error).toBeInstanceOf(NotFoundError);
    }
  });

  it('changes nothing: the broadcast and the contact stay as they were', async () => {
    const { tenantId, contact, broadcast } = await seed();
    await previewBroadcast(previewDeps, tenantId, broadcast.id, contact.id);
    expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toEqual(broadcast);
    expect(await deps.contacts.findById(tenantId, contact.id)).toEqual(contact);
  });

  it('a stored template that no longer compiles is a 422 naming the field', async () => {
    const { tenantId, contact } = await seed();
    const broadcast = aBroadcast(tenantId, { messageTemplate: { type: 'text', content: 'Hi {{ name | shout }}' } });
    await storeBroadcast(deps, broadcast);
    const error = await rejectionOf(previewBroadcast(previewDeps, tenantId, broadcast.id, contact.id));
    expect(error).toBeInstanceOf(UnprocessableError);
    expect((error as UnprocessableError).errors.map((e) => e.field)).toEqual(['message_template.content']);
  });
});

describe('previewRoute (POST /api/v1/broadcasts/{id}/preview, before it joins the route map)', () => {
  const call = (tenantId: string, id: string, body: unknown) =>
    previewRoute(
      { event: { pathParameters: { id } } as unknown as HttpEvent, tenantId, body },
      deps,
    ) as Promise<APIGatewayProxyStructuredResultV2>;

  it('answers 200 with the rendered message in snake_case', async () => {
    const { tenantId, contact, broadcast } = await seed();
    const reply = await call(tenantId, broadcast.id, { contact_id: contact.id });
    expect(reply.statusCode).toBe(200);
    const body = JSON.parse(reply.body ?? '');
    const link = deps.unsubscribeLinks.linkFor({ tenantId, contactId: contact.id, broadcastId: broadcast.id });
    expect(body).toEqual({
      broadcast_id: broadcast.id,
      contact_id: contact.id,
      message: {
        type: 'text',
        content: `Hello Ana Souza! Your last purchase was on 2025-01-10. Black Friday 2025-01-16 08:30 To unsubscribe: ${link}`,
        template_id: null,
        variables: {},
        media_url: null,
        language: null,
        subject: null,
        html: null,
      },
      missing: null,
      reason: null,
      skip_reason: null,
      sms_parts: null,
      sms_encoding: null,
    });
  });

  it('shows the parts the text takes when the broadcast sends through an sms channel', async () => {
    // Prepare: the same broadcast on an sms channel, and a second one whose text leaves GSM-7 (a "ç").
    const { tenantId, contact } = await seed();
    const channelId = randomUUID();
    await deps.channels.create({
      id: channelId,
      tenantId,
      name: 'SMS',
      type: 'sms',
      config: { originationIdentity: '+12065550100', messageType: 'PROMOTIONAL', originationType: 'TOLL_FREE' },
      requiredAddress: 'phone',
      isDefault: false,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
    const gsm = aBroadcast(tenantId, {
      channelId,
      messageTemplate: { type: 'text', content: `Hi {{contact.name}} ${'x'.repeat(150)}` },
    });
    const ucs = aBroadcast(tenantId, {
      channelId,
      messageTemplate: { type: 'text', content: `Olá {{contact.name}}, ça va` },
    });
    await storeBroadcast(deps, gsm);
    await storeBroadcast(deps, ucs);

    // Act
    const gsmBody = JSON.parse((await call(tenantId, gsm.id, { contact_id: contact.id })).body ?? '');
    const ucsBody = JSON.parse((await call(tenantId, ucs.id, { contact_id: contact.id })).body ?? '');

    // Assess: "Hi Ana Souza " is 13 septets, 163 with the x's: two GSM-7 parts; the other is short UCS-2.
    expect(gsmBody).toMatchObject({ sms_parts: 2, sms_encoding: 'GSM-7' });
    expect(gsmBody.message.content).toHaveLength(163);
    expect(ucsBody).toMatchObject({ sms_parts: 1, sms_encoding: 'UCS-2' });
  });

  it('reports a missing variable with skip_reason missing_variable', async () => {
    const { tenantId } = await seed();
    const contact = aContact(tenantId, { customFields: {} });
    await deps.contacts.create(contact);
    const broadcast = aBroadcast(tenantId, { messageTemplate: { type: 'text', content: '{{contact.custom.plan}}' } });
    await storeBroadcast(deps, broadcast);
    const body = JSON.parse((await call(tenantId, broadcast.id, { contact_id: contact.id })).body ?? '');
    expect(body).toEqual(
      expect.objectContaining({ message: null, missing: 'contact.custom.plan', skip_reason: 'missing_variable' }),
    );
  });

  it('validates the body and the ids: 400, and 404 across tenants', async () => {
    const { tenantId, broadcast } = await seed();
    const other = await seed();
    expect(await rejectionOf(call(tenantId, broadcast.id, {}))).toBeInstanceOf(ValidationProblem);
    expect(await rejectionOf(call(tenantId, broadcast.id, { contact_id: 'x' }))).toBeInstanceOf(ValidationProblem);
    expect(await rejectionOf(call(tenantId, broadcast.id, { contact_id: randomUUID(), extra: 1 }))).toBeInstanceOf(
      ValidationProblem,
    );
    expect(await rejectionOf(call(tenantId, 'not-a-uuid', { contact_id: randomUUID() }))).toBeInstanceOf(
      ValidationProblem,
    );
    expect(await rejectionOf(call(tenantId, broadcast.id, { contact_id: other.contact.id }))).toBeInstanceOf(
      NotFoundError,
    );
    expect(previewBody.safeParse({ contact_id: randomUUID() }).success).toBe(true);
  });
});
