import { randomUUID } from 'node:crypto';
import { handler } from '../../../functions/unsubscribe.js';
import { aContact } from '../../support/builders.js';
import { newTenantId } from '../../support/dynamodb.js';
import { handlerRuntimeForFile } from '../../support/handler-runtime.js';
import {
  expectProblem,
  type HttpRequest,
  httpLambdaContext,
  httpReply,
  publicHttpApiEvent,
} from '../../support/lambda-events.js';

const runtime = handlerRuntimeForFile({
  env: { UNSUBSCRIBE_SECRET: 'a-test-unsubscribe-secret-of-at-least-32-chars' },
});

const invoke = async (request: HttpRequest) =>
  httpReply(await handler(publicHttpApiEvent(request), httpLambdaContext('unsubscribe')));

/** A stored contact and the token of the link a broadcast's message carried to it. */
async function aContactWithLink() {
  const contact = aContact(newTenantId());
  await runtime.deps().contacts.create(contact);
  const link = runtime.deps().unsubscribeLinks.linkFor({
    tenantId: contact.tenantId,
    contactId: contact.id,
    broadcastId: randomUUID(),
  });
  const token = decodeURIComponent(link.slice(link.lastIndexOf('/') + 1));
  return { contact, token };
}

describe('functions/unsubscribe.ts', () => {
  it('shows the confirmation page on GET without opting the contact out', async () => {
    // Prepare
    const { contact, token } = await aContactWithLink();

    // Act
    const reply = await invoke({ method: 'GET', route: '/unsubscribe/{token}', pathParameters: { token } });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/html/);
    expect(await runtime.deps().contacts.findById(contact.tenantId, contact.id)).toMatchObject({ optedOut: false });
  });

  it('opts the contact out on POST, without any token of the API', async () => {
    // Prepare
    const { contact, token } = await aContactWithLink();

    // Act
    const reply = await invoke({
      method: 'POST',
      route: '/unsubscribe/{token}',
      pathParameters: { token },
      accept: 'application/json',
    });

    // Assess
    expect(reply).toMatchObject({ status: 200, body: { unsubscribed: true, opted_out: true } });
    expect(await runtime.deps().contacts.findById(contact.tenantId, contact.id)).toMatchObject({ optedOut: true });
  });

  it('answers a token it did not sign with a 404 problem, and changes nothing', async () => {
    // Prepare
    const { contact, token } = await aContactWithLink();
    const tampered = `${token.slice(0, -2)}xx`;

    // Act
    const reply = await invoke({ method: 'POST', route: '/unsubscribe/{token}', pathParameters: { token: tampered } });

    // Assess
    expectProblem(reply, 404, 'contact.not_found');
    expect(await runtime.deps().contacts.findById(contact.tenantId, contact.id)).toMatchObject({ optedOut: false });
  });
});
