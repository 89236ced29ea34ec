import { randomUUID } from 'node:crypto';
import { handler } from '../../../functions/pipeline-worker.js';
import type { Broadcast } from '../../../lib/domain/broadcast.js';
import { PLAN_SEGMENTS, releasedChunkNumbers } from '../../../lib/domain/plan-segments.js';
import type { PipelineMessage, SendChunkMessage } from '../../../lib/ports/message-queue.js';
import { startBroadcast } from '../../../lib/use-cases/run-lifecycle.js';
import { aStoredBroadcast, handlerRuntimeForFile } from '../../support/handler-runtime.js';
import { lambdaContext, sqsEvent } from '../../support/lambda-events.js';
import { allExecutions } from '../../support/pipeline.js';

// The worker's plan and pace steps are delivered by hand here: the start only queues them, as it does with
// FIRST_CHUNK_AT_START off (with it on, the start takes them itself: test/integration/set-run-going.test.ts).
const runtime = handlerRuntimeForFile({ env: { FIRST_CHUNK_AT_START: 'false' } });

/** One SQS batch from the pipeline queue, as its event source mapping delivers it. */
const deliver = (bodies: readonly unknown[]) =>
  handler(sqsEvent(bodies, runtime.sqs.queues.pipeline.arn), lambdaContext('pipeline-worker', 60_000));

/** A broadcast to a static list of two contacts, written as `fields` say (a draft unless told). */
async function aBroadcastOfTwo(fields: Partial<Broadcast> = {}) {
  const { tenantId, contacts, broadcast } = await aStoredBroadcast(runtime.deps(), ['Ana', 'Bia'], fields);
  return { tenantId, broadcastId: broadcast.id, contacts };
}

/** A started broadcast of two; its first plan and pace steps are taken off the queue, for the test to deliver. */
async function aStartedBroadcast() {
  const started = await aBroadcastOfTwo();
  await startBroadcast(runtime.deps(), started.tenantId, started.broadcastId);
  const steps = (await runtime.take('pipeline')) as PipelineMessage[];
  return { ...started, steps };
}

/** The segments a list's audience is planned in, as the stage's default configures them. */
const SEGMENTS = Array.from({ length: PLAN_SEGMENTS }, (_, segment) => segment);

describe('functions/pipeline-worker.ts', () => {
  it('start: starts a scheduled broadcast whose time has come, and queues its plan and pace steps', async () => {
    // Prepare
    const scheduledFor = new Date(Date.now() - 60_000).toISOString();
    const { tenantId, broadcastId } = await aBroadcastOfTwo({ status: 'scheduled', scheduledFor });

    // Act
    const response = await deliver([{ type: 'start', tenantId, broadcastId, scheduledFor }]);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await runtime.deps().broadcasts.findById(tenantId, broadcastId)).toMatchObject({ status: 'running' });
    expect(await runtime.take('pipeline')).toEqual([
      ...SEGMENTS.map((segment) => ({ type: 'plan', tenantId, broadcastId, segment })),
      { type: 'pace', tenantId, broadcastId, tick: expect.any(Number) },
    ]);
  });

  it("plan: the segments' planners write an execution per contact of the list and finish planning", async () => {
    // Prepare
    const { tenantId, broadcastId, contacts, steps } = await aStartedBroadcast();
    const plans = steps.filter((step) => step.type === 'plan');

    // Act
    const response = await deliver(plans);

    // Assess
    expect(plans).toHaveLength(SEGMENTS.length);
    expect(response).toEqual({ batchItemFailures: [] });
    const executions = await allExecutions(runtime.deps(), tenantId, broadcastId);
    expect(executions.map((execution) => execution.contactId).sort()).toEqual(contacts.map((c) => c.id).sort());
    expect(await runtime.deps().runs.get(tenantId, broadcastId)).toMatchObject({ planDone: true, plannedPending: 2 });
    expect(await runtime.take('pipeline')).toEqual([]);
  });

  it('pace: releases every planned chunk to the send queue', async () => {
    // Prepare
    const { tenantId, broadcastId, steps } = await aStartedBroadcast();
    await deliver(steps.filter((s) => s.type === 'plan'));
    const run = await runtime.deps().runs.get(tenantId, broadcastId);
    if (!run) throw new Error('no run');

    // Act
    const response = await deliver(steps.filter((s) => s.type === 'pace'));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const released = (await runtime.take('send')) as SendChunkMessage[];
    const planned = releasedChunkNumbers({ ...run, segmentReleased: run.segmentChunks });
    expect(released.map((m) => m.chunk).sort((a, b) => a - b)).toEqual(planned);
    expect(planned.length).toBeGreaterThan(0);
  });

  it('reports a malformed record as failed, so that it reaches the DLQ, and still applies the others', async () => {
    // Prepare
    const { tenantId, broadcastId, steps } = await aStartedBroadcast();
    const plans = steps.filter((step) => step.type === 'plan');
    const event = sqsEvent(
      [
        '{"type":"plan",',
        { type: 'plan', tenantId },
        { type: 'launch', tenantId, broadcastId: randomUUID() },
        ...plans,
      ],
      runtime.sqs.queues.pipeline.arn,
    );
    const ids = event.Records.map((record) => record.messageId);

    // Act
    const response = await handler(event, lambdaContext('pipeline-worker', 60_000));

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([ids[0], ids[1], ids[2]]);
    expect(await runtime.deps().runs.get(tenantId, broadcastId)).toMatchObject({ planDone: true });
  });
});
