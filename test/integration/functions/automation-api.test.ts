import { randomUUID } from 'node:crypto';
import { handler } from '../../../functions/automation-api.js';
import { newTenantId } from '../../support/dynamodb.js';
import { aStoredBroadcast, expectJustStarted, handlerRuntimeForFile } from '../../support/handler-runtime.js';
import { expectProblem, type HttpRequest, httpInvoker } from '../../support/lambda-events.js';

const runtime = handlerRuntimeForFile();
const invoke = httpInvoker(handler, 'automation-api');

/** A draft broadcast to a static list of one contact. */
const aDraft = () => aStoredBroadcast(runtime.deps());

const postEvent = (tenantId: string, broadcastId: string, id = randomUUID()): HttpRequest => ({
  method: 'POST',
  route: '/api/v1/automation/events',
  body: {
    id,
    source: 'automation',
    'detail-type': 'trigger_broadcast',
    detail: { tenant_id: tenantId, broadcast_id: broadcastId },
  },
});

describe('functions/automation-api.ts', () => {
  it('applies a trigger_broadcast event: 202 started, the broadcast running, its steps on the pipeline queue', async () => {
    // Prepare
    const { tenantId, broadcast } = await aDraft();

    // Act
    const reply = await invoke(postEvent(tenantId, broadcast.id), tenantId);

    // Assess
    expect(reply).toMatchObject({ status: 202, body: { result: 'started', broadcast_id: broadcast.id } });
    await expectJustStarted(runtime, tenantId, broadcast.id);
  });

  it("answers an event for another tenant than the token's with a 403 problem, and starts nothing", async () => {
    // Prepare
    const { tenantId, broadcast } = await aDraft();

    // Act
    const reply = await invoke(postEvent(tenantId, broadcast.id), newTenantId());

    // Assess
    expectProblem(reply, 403, 'automation.tenant_mismatch');
    expect(await runtime.deps().broadcasts.findById(tenantId, broadcast.id)).toMatchObject({ status: 'draft' });
  });

  it('answers 401 when the request carries no verified claims', async () => {
    // Act
    const reply = await invoke(postEvent(newTenantId(), randomUUID()), undefined);

    // Assess
    expectProblem(reply, 401, 'auth.unauthorized');
  });
});
