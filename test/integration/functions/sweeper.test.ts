import { handler } from '../../../functions/sweeper.js';
import type { Broadcast } from '../../../lib/domain/broadcast.js';
import { SCHEDULE_EXPIRED } from '../../../lib/domain/scheduling.js';
import { startBroadcast } from '../../../lib/use-cases/run-lifecycle.js';
import { aStoredBroadcast, expectJustStarted, handlerRuntimeForFile } from '../../support/handler-runtime.js';
import { eventFixture, lambdaContext } from '../../support/lambda-events.js';

const MINUTE = 60_000;
/** The sweeper's timeout in the catalog (infra/function-catalog.ts). */
const SWEEPER_TIMEOUT_MS = 60_000;

const runtime = handlerRuntimeForFile();

/** One run of the sweeper's schedule. */
const sweep = (timeoutMs = SWEEPER_TIMEOUT_MS) =>
  handler(eventFixture('scheduler-sweeper'), lambdaContext('sweeper', timeoutMs));

/** A broadcast to a list of one contact, a draft unless `fields` say otherwise. */
async function aBroadcastToOne(fields: Partial<Broadcast> = {}) {
  const { tenantId, broadcast } = await aStoredBroadcast(runtime.deps(), ['Ana'], fields);
  return { tenantId, broadcastId: broadcast.id };
}

/** A broadcast scheduled `ago` ms in the past whose one-time schedule was lost. */
const anOverdueBroadcast = (ago: number) =>
  aBroadcastToOne({ status: 'scheduled', scheduledFor: new Date(Date.now() - ago).toISOString() });

const statusOf = async ({ tenantId, broadcastId }: { tenantId: string; broadcastId: string }) =>
  runtime.deps().broadcasts.findById(tenantId, broadcastId);

describe('functions/sweeper.ts', () => {
  it('starts an overdue scheduled broadcast and fails one that is far too late', async () => {
    // Prepare: the stage's MAX_LATENESS_SECONDS is one day
    const overdue = await anOverdueBroadcast(5 * MINUTE);
    const tooLate = await anOverdueBroadcast(2 * 24 * 60 * MINUTE);

    // Act
    const summary = await sweep();

    // Assess
    expect(summary).toEqual({
      outcomes: expect.objectContaining({ started: 1, expired: 1, failed: 0 }),
      errors: 0,
      unfinished: false,
    });
    expect(await statusOf(tooLate)).toMatchObject({ status: 'failed', statusReason: SCHEDULE_EXPIRED });
    await expectJustStarted(runtime, overdue.tenantId, overdue.broadcastId);
  });

  it('restarts a pacer loop whose next tick was lost', async () => {
    // Prepare: a running broadcast whose pacer should have ticked a minute ago
    const { tenantId, broadcastId } = await aBroadcastToOne();
    await startBroadcast(runtime.deps(), tenantId, broadcastId);
    await runtime.take('pipeline');
    const before = await runtime.deps().runs.restartPacer(tenantId, broadcastId, {
      watchDeadline: new Date(Date.now() - MINUTE),
    });

    // Act
    await sweep();

    // Assess: this loop's next tick. The queue is the file's: the first test's broadcast queued its own next tick with
    // a delay, which a take sees only once it is visible, here or in an earlier take, as the machine's speed has it.
    const queued = (await runtime.take('pipeline')) as { broadcastId: string }[];
    expect(queued.filter((message) => message.broadcastId === broadcastId)).toEqual([
      { type: 'pace', tenantId, broadcastId, tick: before + 1 },
    ]);
  });

  it('leaves the overdue broadcasts to the next sweep when the invocation is about to time out', async () => {
    // Prepare
    const overdue = await anOverdueBroadcast(5 * MINUTE);

    // Act
    const summary = await sweep(5_000);

    // Assess
    expect(summary).toMatchObject({ errors: 0, unfinished: true });
    expect(await statusOf(overdue)).toMatchObject({ status: 'scheduled' });
    await sweep();
    expect(await statusOf(overdue)).toMatchObject({ status: 'running' });
    await runtime.take('pipeline');
  });
});
