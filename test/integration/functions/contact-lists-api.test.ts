import { handler } from '../../../functions/contact-lists-api.js';
import { aContact } from '../../support/builders.js';
import { newTenantId } from '../../support/dynamodb.js';
import { handlerRuntimeForFile } from '../../support/handler-runtime.js';
import { expectProblem, httpInvoker } from '../../support/lambda-events.js';

const runtime = handlerRuntimeForFile();
const invoke = httpInvoker(handler, 'contact-lists-api');

describe('functions/contact-lists-api.ts', () => {
  it('creates a static list of existing contacts (201) and lists its members', async () => {
    // Prepare
    const tenantId = newTenantId();
    const members = [aContact(tenantId, { name: 'Ana' }), aContact(tenantId, { name: 'Bia' })];
    for (const contact of members) await runtime.deps().contacts.create(contact);

    // Act
    const created = await invoke(
      {
        method: 'POST',
        route: '/api/v1/contact-lists',
        body: { name: 'VIP', contact_ids: members.map((contact) => contact.id) },
      },
      tenantId,
    );
    const listed = await invoke(
      { method: 'GET', route: '/api/v1/contact-lists/{id}/contacts', pathParameters: { id: created.body.id } },
      tenantId,
    );

    // Assess
    expect(created).toMatchObject({ status: 201, body: { name: 'VIP', is_dynamic: false, contact_count: 2 } });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((contact: { id: string }) => contact.id).sort()).toEqual(
      members.map((contact) => contact.id).sort(),
    );
  });

  it('answers 404 problem+json for a list the tenant does not have', async () => {
    // Act
    const reply = await invoke(
      {
        method: 'GET',
        route: '/api/v1/contact-lists/{id}',
        pathParameters: { id: '8a1d4c1e-2b3f-4c5d-8e9f-0a1b2c3d4e5f' },
      },
      newTenantId(),
    );

    // Assess
    expectProblem(reply, 404, 'contact_list.not_found');
  });

  it('answers 401 when the request carries no verified claims', async () => {
    // Act
    const reply = await invoke({ method: 'POST', route: '/api/v1/contact-lists', body: { name: 'VIP' } }, undefined);

    // Assess
    expectProblem(reply, 401, 'auth.unauthorized');
  });
});
