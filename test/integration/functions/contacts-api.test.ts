import { handler } from '../../../functions/contacts-api.js';
import { newTenantId } from '../../support/dynamodb.js';
import { handlerRuntimeForFile } from '../../support/handler-runtime.js';
import { expectProblem, httpInvoker } from '../../support/lambda-events.js';

const runtime = handlerRuntimeForFile();
const invoke = httpInvoker(handler, 'contacts-api');

describe('functions/contacts-api.ts', () => {
  it('creates a contact of the token tenant: 201, and the contact is stored', async () => {
    // Prepare
    const tenantId = newTenantId();

    // Act
    const reply = await invoke(
      { method: 'POST', route: '/api/v1/contacts', body: { name: 'Ana', phone: '+5511999998888' } },
      tenantId,
    );

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ name: 'Ana', phone: '+5511999998888', opted_out: false });
    expect(await runtime.deps().contacts.findById(tenantId, reply.body.id)).toMatchObject({ tenantId, name: 'Ana' });
  });

  it('reads a contact back by its path parameter, and only for its own tenant', async () => {
    // Prepare
    const tenantId = newTenantId();
    const created = await invoke({ method: 'POST', route: '/api/v1/contacts', body: { name: 'Bia' } }, tenantId);
    const read = { method: 'GET', route: '/api/v1/contacts/{id}', pathParameters: { id: created.body.id } } as const;

    // Act
    const own = await invoke(read, tenantId);
    const other = await invoke(read, newTenantId());

    // Assess
    expect(own).toMatchObject({ status: 200, body: created.body });
    expectProblem(other, 404, 'contact.not_found');
  });

  it('answers an invalid body with a 400 problem naming the field', async () => {
    // Act
    const reply = await invoke(
      { method: 'POST', route: '/api/v1/contacts', body: { phone: 'call me' } },
      newTenantId(),
    );

    // Assess
    expectProblem(reply, 400, 'request.validation_failed');
    expect(reply.body.errors.map((error: { field: string }) => error.field)).toEqual(['phone']);
  });

  it('answers a body that is not JSON with 415', async () => {
    // Act
    const reply = await invoke(
      { method: 'POST', route: '/api/v1/contacts', body: 'name=Ana', contentType: 'application/x-www-form-urlencoded' },
      newTenantId(),
    );

    // Assess
    expectProblem(reply, 415, 'request.unsupported_media_type');
  });

  it('answers 401 when the request carries no verified claims', async () => {
    // Act
    const reply = await invoke({ method: 'GET', route: '/api/v1/contacts' }, undefined);

    // Assess
    expectProblem(reply, 401, 'auth.unauthorized');
  });
});
