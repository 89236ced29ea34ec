import { randomUUID } from 'node:crypto';
import { handler, InvalidAutomationEvent } from '../../../functions/automation-trigger.js';
import { resetRuntime } from '../../../lib/composition-root.js';
import type { PipelineMessage } from '../../../lib/ports/message-queue.js';
import { rejectionOf } from '../../support/builders.js';
import { newTenantId } from '../../support/dynamodb.js';
import { aStoredBroadcast, expectJustStarted, handlerRuntimeForFile } from '../../support/handler-runtime.js';
import { automationEvent, eventFixture, lambdaContext } from '../../support/lambda-events.js';

const runtime = handlerRuntimeForFile();

const invoke = (event: unknown) => handler(event, lambdaContext('automation-trigger'));

/** A draft broadcast to a static list of one contact. */
const aDraft = () => aStoredBroadcast(runtime.deps());

describe('functions/automation-trigger.ts', () => {
  it('applies a trigger_broadcast event: the broadcast starts and its steps go on the pipeline queue', async () => {
    // Prepare
    const { tenantId, broadcast } = await aDraft();

    // Act
    const outcome = await invoke(automationEvent({ tenant_id: tenantId, broadcast_id: broadcast.id }));

    // Assess
    expect(outcome).toEqual({ result: 'started', broadcastId: broadcast.id });
    await expectJustStarted(runtime, tenantId, broadcast.id);
  });

  it('does nothing more for a redelivery of the same event id', async () => {
    // Prepare
    const { tenantId, broadcast } = await aDraft();
    const event = automationEvent({ tenant_id: tenantId, broadcast_id: broadcast.id });
    await invoke(event);
    await runtime.take('pipeline');

    // Act
    const outcome = await invoke(structuredClone(event));

    // Assess
    expect(outcome).toMatchObject({ result: 'ignored', reason: 'duplicate_event', broadcastId: broadcast.id });
    // At most the first start's own next pacer tick (queued with a delay), never a step of a second start.
    const queued = (await runtime.take('pipeline')) as PipelineMessage[];
    expect(queued.filter((step) => step.type !== 'pace' || step.tick !== 1)).toEqual([]);
  });

  it.each([
    ['a detail that is not a trigger_broadcast detail', { tenant_id: 'acme', broadcast_id: 'not-a-uuid' }],
    ['a detail with an unknown field', { tenant_id: 'acme', broadcast_id: randomUUID(), priority: 'high' }],
  ])('throws InvalidAutomationEvent for %s', async (_name, detail) => {
    // Prepare
    const event = { ...eventFixture('eventbridge-trigger-broadcast'), detail };

    // Act
    const error = await rejectionOf(invoke(event));

    // Assess
    expect(error).toBeInstanceOf(InvalidAutomationEvent);
  });

  it('throws InvalidAutomationEvent for another detail-type than trigger_broadcast', async () => {
    // Prepare
    const { tenantId, broadcast } = await aDraft();
    const event = {
      ...automationEvent({ tenant_id: tenantId, broadcast_id: broadcast.id }),
      'detail-type': 'broadcast_requested',
    };

    // Act
    const error = await rejectionOf(invoke(event));

    // Assess
    expect(error).toBeInstanceOf(InvalidAutomationEvent);
    expect(await runtime.deps().broadcasts.findById(tenantId, broadcast.id)).toMatchObject({ status: 'draft' });
  });

  it('throws InvalidAutomationEvent, with the error code, for a broadcast the tenant does not have', async () => {
    // Act
    const error = await rejectionOf(invoke(automationEvent({ tenant_id: newTenantId(), broadcast_id: randomUUID() })));

    // Assess
    expect(error).toBeInstanceOf(InvalidAutomationEvent);
    expect((error as InvalidAutomationEvent).details).toEqual({ code: 'broadcast.not_found' });
  });

  describe('on a stage pinned to its tenant (TENANT_ID)', () => {
    afterEach(() => {
      delete process.env.TENANT_ID;
      resetRuntime();
    });

    /** The next cold start reads TENANT_ID, as the stack sets it on every function. */
    function pinTo(tenantId: string): void {
      process.env.TENANT_ID = tenantId;
      resetRuntime();
    }

    it('refuses an event for another tenant: InvalidAutomationEvent, its broadcast left as it was', async () => {
      // Prepare: another tenant's real draft, and an event naming it on this stage's bus.
      const { tenantId, broadcast } = await aDraft();
      pinTo(newTenantId());

      // Act
      const error = await rejectionOf(invoke(automationEvent({ tenant_id: tenantId, broadcast_id: broadcast.id })));

      // Assess
      expect(error).toBeInstanceOf(InvalidAutomationEvent);
      expect((error as InvalidAutomationEvent).details).toEqual({ code: 'auth.tenant_mismatch' });
      expect(await runtime.deps().broadcasts.findById(tenantId, broadcast.id)).toMatchObject({ status: 'draft' });
      // Nothing for this broadcast (an earlier test's run may still queue its own next pacer tick).
      const queued = (await runtime.take('pipeline')) as PipelineMessage[];
      expect(queued.filter((step) => step.broadcastId === broadcast.id)).toEqual([]);
    });

    it("applies an event for the stage's own tenant", async () => {
      // Prepare
      const { tenantId, broadcast } = await aDraft();
      pinTo(tenantId);

      // Act
      const outcome = await invoke(automationEvent({ tenant_id: tenantId, broadcast_id: broadcast.id }));

      // Assess
      expect(outcome).toEqual({ result: 'started', broadcastId: broadcast.id });
      await runtime.take('pipeline');
    });
  });
});
