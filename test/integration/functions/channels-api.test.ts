import { handler } from '../../../functions/channels-api.js';
import { newTenantId } from '../../support/dynamodb.js';
import { handlerRuntimeForFile } from '../../support/handler-runtime.js';
import { expectProblem, httpInvoker } from '../../support/lambda-events.js';

const runtime = handlerRuntimeForFile();
const invoke = httpInvoker(handler, 'channels-api');

describe('functions/channels-api.ts', () => {
  it('creates a webhook channel (201), stores it, and never shows its secret', async () => {
    // Prepare
    const tenantId = newTenantId();
    const body = {
      name: 'crm',
      type: 'webhook',
      is_default: true,
      config: { url: 'https://crm.example.com/hooks/messages', secret: 'a-secret-of-sixteen-chars' },
    };

    // Act
    const reply = await invoke({ method: 'POST', route: '/api/v1/channels', body }, tenantId);

    // Assess
    expect(reply).toMatchObject({ status: 201, body: { name: 'crm', type: 'webhook', is_default: true } });
    expect(JSON.stringify(reply.body)).not.toContain(body.config.secret);
    expect(await runtime.deps().channels.findById(tenantId, reply.body.id)).toMatchObject({
      tenantId,
      type: 'webhook',
      isDefault: true,
    });
  });

  it('answers a webhook channel without a usable URL with a 400 problem naming the field', async () => {
    // Act
    const reply = await invoke(
      {
        method: 'POST',
        route: '/api/v1/channels',
        body: {
          name: 'crm',
          type: 'webhook',
          config: { url: 'ftp://crm.example.com', secret: 'a-secret-of-sixteen-chars' },
        },
      },
      newTenantId(),
    );

    // Assess
    expectProblem(reply, 400, 'request.validation_failed');
    expect(reply.body.errors.map((error: { field: string }) => error.field)).toEqual(['config.url']);
  });

  it('answers 401 when the request carries no verified claims', async () => {
    // Act
    const reply = await invoke({ method: 'GET', route: '/api/v1/channels' }, undefined);

    // Assess
    expectProblem(reply, 401, 'auth.unauthorized');
  });
});
