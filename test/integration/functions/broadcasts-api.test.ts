import { handler } from '../../../functions/broadcasts-api.js';
import type { PipelineMessage } from '../../../lib/ports/message-queue.js';
import { aContact, aStaticList } from '../../support/builders.js';
import { newTenantId } from '../../support/dynamodb.js';
import { expectJustStarted, handlerRuntimeForFile } from '../../support/handler-runtime.js';
import { expectProblem, httpInvoker } from '../../support/lambda-events.js';

const runtime = handlerRuntimeForFile();
const invoke = httpInvoker(handler, 'broadcasts-api');

/** A tenant with a static list of one contact. */
async function aTenantWithList() {
  const tenantId = newTenantId();
  const contact = aContact(tenantId);
  const list = aStaticList(tenantId);
  await runtime.deps().contacts.create(contact);
  await runtime.deps().contactLists.create(list, [contact.id]);
  return { tenantId, list };
}

const draftBody = (listId: string) => ({
  name: 'Black Friday',
  list_id: listId,
  message_template: { type: 'text', content: 'Hi {{contact.name}}' },
});

describe('functions/broadcasts-api.ts', () => {
  it('creates a draft broadcast (201) and executes it: running, its plan and pace steps on the pipeline queue', async () => {
    // Prepare
    const { tenantId, list } = await aTenantWithList();
    const created = await invoke({ method: 'POST', route: '/api/v1/broadcasts', body: draftBody(list.id) }, tenantId);

    // Act
    const executed = await invoke(
      { method: 'POST', route: '/api/v1/broadcasts/{id}/execute', pathParameters: { id: created.body.id } },
      tenantId,
    );

    // Assess
    expect(created).toMatchObject({ status: 201, body: { status: 'draft', list_id: list.id } });
    expect(executed).toMatchObject({ status: 200, body: { id: created.body.id, status: 'running' } });
    await expectJustStarted(runtime, tenantId, created.body.id);
  });

  it('answers executing a running broadcast again with a 409 problem, and queues nothing', async () => {
    // Prepare
    const { tenantId, list } = await aTenantWithList();
    const created = await invoke({ method: 'POST', route: '/api/v1/broadcasts', body: draftBody(list.id) }, tenantId);
    const execute = {
      method: 'POST',
      route: '/api/v1/broadcasts/{id}/execute',
      pathParameters: { id: created.body.id },
    } as const;
    await invoke(execute, tenantId);
    await runtime.take('pipeline');

    // Act
    const again = await invoke(execute, tenantId);

    // Assess
    expectProblem(again, 409, 'broadcast.invalid_transition');
    // At most the first start's own next pacer tick (queued with a delay), never a step of a second start.
    const queued = (await runtime.take('pipeline')) as PipelineMessage[];
    expect(queued.filter((step) => step.type !== 'pace' || step.tick !== 1)).toEqual([]);
  });

  it('answers 401 when the request carries no verified claims', async () => {
    // Act
    const reply = await invoke({ method: 'GET', route: '/api/v1/broadcasts' }, undefined);

    // Assess
    expectProblem(reply, 401, 'auth.unauthorized');
  });
});
