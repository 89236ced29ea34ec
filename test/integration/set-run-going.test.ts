import type { PipelineMessage } from '../../lib/ports/message-queue.js';
import { paceBroadcast } from '../../lib/use-cases/pace-broadcast.js';
import { planAudience } from '../../lib/use-cases/plan-audience.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import { newTenantId, TestClock, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import {
  allExecutions,
  aStartedBroadcast,
  pipelineDeps,
  ScriptedChannel,
  takeChunks,
  takePipeline,
} from '../support/pipeline.js';

// Issue 14: a run's first chunk is planned and released by the call that starts it, so the first message is one queue
// hop from execute. When either step fails there, the start still stands and the step goes on the queue.

const table = testTableForFile();
let clock: TestClock;
let channel: ScriptedChannel;
let deps: TestDeps;

beforeEach(() => {
  clock = new TestClock();
  clock.set('2025-01-15T12:00:00.000Z');
  channel = new ScriptedChannel(clock);
  deps = pipelineDeps(table, clock, channel, { firstChunkAtStart: true });
});

const contacts = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `C${i}`, phone: '+5511999990000' }));

/**
 * `target` whose method fails on its first call, as a DynamoDB call that gives up would, after `partly` did part of its
 * work; later calls go through.
 */
function withFirstCallFailing<T extends object, K extends keyof T>(
  target: T,
  method: K,
  partly?: T[K] extends (...args: infer A) => unknown ? (...args: A) => Promise<void> : never,
): T {
  let failed = false;
  const original = target[method] as (...args: unknown[]) => unknown;
  const wrapped = async (...args: unknown[]) => {
    if (failed) return original.apply(target, args);
    failed = true;
    await (partly as ((...a: unknown[]) => Promise<void>) | undefined)?.(...args);
    throw new Error('DynamoDB went away');
  };
  return new Proxy(target, {
    get: (object, property) => {
      if (property === method) return wrapped;
      const value = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

/** The pipeline worker's part: each plan and pace step. */
async function runSteps(tenantId: string, broadcastId: string, steps: readonly PipelineMessage[]): Promise<void> {
  for (const message of steps) {
    if (message.type === 'plan') await planAudience(deps, tenantId, broadcastId, message.segment);
    if (message.type === 'pace') await paceBroadcast(deps, tenantId, broadcastId, message.tick);
  }
}

/** Takes every queued step and sends every released chunk until nothing is queued: what the queues would do. */
async function drain(tenantId: string, broadcastId: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const steps = takePipeline(deps).map(({ message }) => message);
    const chunks = takeChunks(deps);
    if (steps.length === 0 && chunks.length === 0) return;
    await runSteps(tenantId, broadcastId, steps);
    for (const { body } of chunks) await sendChunk(deps, body);
  }
  throw new Error('the pipeline never went quiet');
}

describe('the first steps of a run, taken by the call that starts it', () => {
  it('plans one chunk and releases it before the start returns; the planner is queued for the rest', async () => {
    // Prepare
    const tenantId = newTenantId();

    // Act
    const { broadcast } = await aStartedBroadcast(deps, tenantId, { contacts: contacts(120) });

    // Assess
    expect(takeChunks(deps).map(({ body, delaySeconds }) => [body.chunk, delaySeconds])).toEqual([[0, 0]]);
    const run = await deps.runs.get(tenantId, broadcast.id);
    expect(run).toMatchObject({
      plannedChunks: 1,
      plannedPending: 50,
      releasedChunks: 1,
      pacerTick: 1,
      planDone: false,
    });
    const steps = takePipeline(deps).map(({ message }) => message);
    expect(steps).toEqual([
      { type: 'pace', tenantId, broadcastId: broadcast.id, tick: 1 },
      { type: 'plan', tenantId, broadcastId: broadcast.id, segment: 0 },
    ]);
  });

  it('in segments, releases a chunk of the first segment with anyone in it and queues the planners of the rest', async () => {
    // Prepare: 8 segments and 3 contacts, so most segments are empty
    deps = pipelineDeps(table, clock, channel, { firstChunkAtStart: true, planSegments: 8 });
    const tenantId = newTenantId();

    // Act
    const { broadcast, contacts: everyone } = await aStartedBroadcast(deps, tenantId, { contacts: contacts(3) });
    const releasedAtStart = takeChunks(deps);
    const queuedAtStart = takePipeline(deps).map(({ message }) => message);
    const runAtStart = await deps.runs.get(tenantId, broadcast.id);
    for (const { body } of releasedAtStart) await sendChunk(deps, body);
    await runSteps(tenantId, broadcast.id, queuedAtStart);
    await drain(tenantId, broadcast.id);

    // Assess: the segments tried at start are the empty ones before the first chunk's, and that one
    const first = releasedAtStart[0]?.body.chunk ?? -1;
    expect(releasedAtStart).toHaveLength(1);
    expect(runAtStart).toMatchObject({ planSegments: 8, plannedChunks: 1, releasedChunks: 1 });
    const queuedSegments = queuedAtStart.flatMap((m) => (m.type === 'plan' ? [m.segment] : []));
    const notYetDone = (runAtStart?.segmentWatch ?? []).flatMap((deadline, s) => (deadline === 0 ? [] : [s]));
    expect(queuedSegments).toEqual(notYetDone);
    expect(notYetDone.every((segment) => segment >= first)).toBe(true);
    expect(channel.contactIds().sort()).toEqual(everyone.map((c) => c.id).sort());
    expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({ status: 'completed', sent: 3 });
  });

  it('plans a small audience whole at start: nothing left for the planner', async () => {
    // Prepare
    const tenantId = newTenantId();

    // Act
    const { broadcast } = await aStartedBroadcast(deps, tenantId, { contacts: contacts(3) });

    // Assess
    expect(takeChunks(deps).map(({ body }) => body.chunk)).toEqual([0]);
    expect(await deps.runs.get(tenantId, broadcast.id)).toMatchObject({ planDone: true, plannedPending: 3 });
    expect(takePipeline(deps).map(({ message }) => message.type)).toEqual(['pace']);
  });

  it('still starts when the first page fails, and the planner from the queue plans everyone exactly once', async () => {
    // Prepare: the first write of executions fails after writing half of them.
    const tenantId = newTenantId();
    const executions = deps.executions;
    deps = {
      ...deps,
      executions: withFirstCallFailing(executions, 'writePlanned', async (planned) => {
        await executions.writePlanned(planned.slice(0, planned.length / 2));
      }),
    };

    // Act
    const { broadcast, contacts: everyone } = await aStartedBroadcast(deps, tenantId, { contacts: contacts(120) });
    const queuedAtStart = takePipeline(deps).map(({ message }) => message);
    const releasedAtStart = takeChunks(deps).length;
    await runSteps(tenantId, broadcast.id, queuedAtStart);
    await drain(tenantId, broadcast.id);

    // Assess
    expect(queuedAtStart.map((message) => message.type)).toEqual(['pace', 'plan']);
    expect(releasedAtStart).toBe(0);
    expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({ status: 'completed' });
    const planned = await allExecutions(deps, tenantId, broadcast.id);
    expect(planned.map((e) => e.contactId).sort()).toEqual(everyone.map((c) => c.id).sort());
    expect(channel.contactIds().sort()).toEqual(everyone.map((c) => c.id).sort());
  });

  it('still starts when the first pacer tick fails: its message goes on the queue and the run completes from there', async () => {
    // Prepare: the pacer's first move of its tick fails.
    const tenantId = newTenantId();
    deps = { ...deps, runs: withFirstCallFailing(deps.runs, 'advancePacer') };

    // Act
    const { broadcast, contacts: everyone } = await aStartedBroadcast(deps, tenantId, { contacts: contacts(70) });
    const queuedAtStart = takePipeline(deps).map(({ message }) => message);
    const releasedAtStart = takeChunks(deps).length;
    await runSteps(tenantId, broadcast.id, queuedAtStart);
    await drain(tenantId, broadcast.id);

    // Assess
    expect(queuedAtStart).toEqual([
      { type: 'pace', tenantId, broadcastId: broadcast.id, tick: 0 },
      { type: 'plan', tenantId, broadcastId: broadcast.id, segment: 0 },
    ]);
    expect(releasedAtStart).toBe(0);
    expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({ status: 'completed' });
    expect(channel.contactIds().sort()).toEqual(everyone.map((c) => c.id).sort());
  });
});
