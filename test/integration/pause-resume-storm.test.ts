import { DomainError } from '../../lib/domain/errors.js';
import type { PipelineMessage } from '../../lib/ports/message-queue.js';
import { cancelBroadcast, pauseBroadcast, resumeBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import { readingTogether } from '../support/barrier.js';
import { newTenantId, TestClock, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import { allExecutions, aPlannedBroadcast, aRunState, pipelineDeps, ScriptedChannel } from '../support/pipeline.js';
import { QueueDriver } from '../support/queue-driver.js';

/**
 * docs/design.md section 8, invariant 9: whatever sequence of pause, resume and cancel people fire at a running
 * broadcast, concurrently, its pacer loop is running again once the last call returns, so it finishes (or finishes
 * cancelling) on its own. The queues are driven by hand on a test clock and no sweeper runs: the pacer watchdog, which
 * would restart a lost loop after PACER_WATCH_GRACE_SECONDS, cannot hide a loop the calls lost.
 */

const table = testTableForFile();
const CONTACTS = 300;
const RATE_PER_MINUTE = 600;
const CALLS_PER_ROUND = 10;
const ROUNDS = 12;
/** Time the storm lets pass per round: chunks go out between the calls. */
const ROUND_MS = 700;
/**
 * How long after the last call the broadcast may take to settle: the 30 chunks of 10 at 600/min take about 31 s
 * from a standing start. Far below the watchdog's grace and the idle sweep, which are an hour here.
 */
const SETTLE_BUDGET_MS = 60_000;
const AN_HOUR_MS = 3_600_000;

let clock: TestClock;
let deps: TestDeps;
let channel: ScriptedChannel;

beforeEach(() => {
  clock = new TestClock('2025-01-15T12:00:00.000Z');
  // A channel that cannot de-duplicate: a second send to anyone would be a second message.
  channel = new ScriptedChannel(clock, false);
  deps = pipelineDeps(table, clock, channel, { pacerWatchGraceMs: AN_HOUR_MS, sweepIdleMs: AN_HOUR_MS });
});

type Command = 'pause' | 'resume' | 'cancel';

/** Runs one call; a refusal the API answers with 4xx (409 for a transition that lost its race) is an answer. */
async function call(command: Command, tenantId: string, broadcastId: string): Promise<string> {
  const run = { pause: pauseBroadcast, resume: resumeBroadcast, cancel: cancelBroadcast }[command];
  try {
    await run(deps, tenantId, broadcastId);
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

/** Rounds of concurrent pauses and resumes while the pacer and the senders work; `last` joins the last round. */
async function storm(driver: QueueDriver, tenantId: string, broadcastId: string, last?: Command): Promise<string[]> {
  const answers: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const commands: Command[] = Array.from({ length: CALLS_PER_ROUND }, (_, i) =>
      (i + round) % 2 === 0 ? 'pause' : 'resume',
    );
    if (last && round === ROUNDS - 1) commands[CALLS_PER_ROUND / 2] = last;
    clock.advance(ROUND_MS);
    const [replies] = await Promise.all([
      Promise.all(commands.map((command) => call(command, tenantId, broadcastId))),
      driver.deliverDue(),
    ]);
    answers.push(...replies);
  }
  return answers;
}

async function aRunningBroadcast(tenantId: string) {
  const planned = await aPlannedBroadcast(deps, tenantId, {
    contacts: Array.from({ length: CONTACTS }, (_, i) => ({ name: `Contact ${i}` })),
    rateLimit: RATE_PER_MINUTE,
  });
  const driver = new QueueDriver(deps);
  await deps.queue.sendPipeline({ type: 'pace', tenantId, broadcastId: planned.broadcast.id, tick: 0 });
  // A few chunks out before the storm begins.
  await driver.runUntil(async () => false, clock.now().getTime() + 3000);
  return { ...planned, driver };
}

/** Completed, or cancelled with every contact counted: nothing left pending or sending. */
async function settled(tenantId: string, broadcastId: string): Promise<boolean> {
  const b = await deps.broadcasts.findById(tenantId, broadcastId);
  if (!b || (b.status !== 'completed' && b.status !== 'cancelled')) return false;
  return b.totalContacts === CONTACTS && b.sent + b.failed + b.skipped === CONTACTS;
}

/** Each contact's send count, and each execution's status, by contact. */
async function outcome(tenantId: string, broadcastId: string) {
  const executions = await allExecutions(deps, tenantId, broadcastId);
  const sends = new Map<string, number>();
  for (const id of channel.contactIds()) sends.set(id, (sends.get(id) ?? 0) + 1);
  const statuses: Record<string, number> = {};
  for (const e of executions) {
    const key = e.reason ? `${e.status}:${e.reason}` : e.status;
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  return { executions, sentTwice: [...sends.values()].filter((n) => n > 1).length, statuses };
}

describe('a storm of concurrent pauses and resumes', () => {
  it('leaves a running pacer loop behind: the broadcast completes within a minute of the last call, nobody sent twice', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { broadcast, driver } = await aRunningBroadcast(tenantId);
    const sentBeforeStorm = channel.received.length;

    // Act
    const answers = await storm(driver, tenantId, broadcast.id);
    if ((await deps.broadcasts.findById(tenantId, broadcast.id))?.status === 'paused') {
      answers.push(await call('resume', tenantId, broadcast.id));
    }
    const lastCallAt = clock.now().getTime();
    const settledAt = await driver.runUntil(() => settled(tenantId, broadcast.id), lastCallAt + SETTLE_BUDGET_MS);

    // Assess
    expect(sentBeforeStorm).toBeGreaterThan(0);
    expect(sentBeforeStorm).toBeLessThan(CONTACTS);
    expect(new Set(answers)).toEqual(new Set(['ok', 'broadcast.invalid_transition']));
    const { executions, sentTwice, statuses } = await outcome(tenantId, broadcast.id);
    expect(statuses).toEqual({ sent: CONTACTS });
    expect(executions).toHaveLength(CONTACTS);
    expect(sentTwice).toBe(0);
    expect(channel.received).toHaveLength(CONTACTS);
    expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({
      status: 'completed',
      sent: CONTACTS,
      sending: 0,
    });
    expect(settledAt).toBeDefined();
    expect((settledAt as number) - lastCallAt).toBeLessThanOrEqual(SETTLE_BUDGET_MS);
  }, 300_000);

  it('finishes cancelling within seconds of a cancel fired among them: everyone not sent ends skipped "cancelled"', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { broadcast, driver } = await aRunningBroadcast(tenantId);

    // Act
    const answers = await storm(driver, tenantId, broadcast.id, 'cancel');
    // A cancel that lost its race with a pause (409) is tried again, as its caller would.
    if ((await deps.broadcasts.findById(tenantId, broadcast.id))?.status !== 'cancelled') {
      answers.push(await call('cancel', tenantId, broadcast.id));
    }
    const lastCallAt = clock.now().getTime();
    const settledAt = await driver.runUntil(() => settled(tenantId, broadcast.id), lastCallAt + SETTLE_BUDGET_MS);

    // Assess
    expect(answers.filter((a) => a === 'ok').length).toBeGreaterThan(0);
    const { executions, sentTwice, statuses } = await outcome(tenantId, broadcast.id);
    const sent = channel.received.length;
    expect(sent).toBeLessThan(CONTACTS);
    expect(statuses).toEqual({ sent, 'skipped:cancelled': CONTACTS - sent });
    expect(executions).toHaveLength(CONTACTS);
    expect(sentTwice).toBe(0);
    expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({
      status: 'cancelled',
      sent,
      skipped: CONTACTS - sent,
      sending: 0,
    });
    expect(settledAt).toBeDefined();
    expect((settledAt as number) - lastCallAt).toBeLessThanOrEqual(SETTLE_BUDGET_MS);
  }, 300_000);
});

describe('resumes and a cancel that all read the same paused broadcast', () => {
  /** The pace ticks queued so far. */
  const queuedTicks = () =>
    deps.queue.pipeline
      .map((q) => q.message)
      .filter((m): m is Extract<PipelineMessage, { type: 'pace' }> => m.type === 'pace')
      .map((m) => m.tick);

  it.each([
    [
      'ten resumes',
      ['resume', 'resume', 'resume', 'resume', 'resume', 'resume', 'resume', 'resume', 'resume', 'resume'],
    ],
    [
      'a cancel and nine resumes',
      ['cancel', 'resume', 'resume', 'resume', 'resume', 'resume', 'resume', 'resume', 'resume', 'resume'],
    ],
  ] as const)("%s: one wins, and the pace tick it queues is the run's (the loop is armed)", async (_, commands) => {
    // Prepare: every call reads the broadcast paused before any of them writes.
    const tenantId = newTenantId();
    const { broadcast } = await aRunState(deps, table, tenantId, 600, { planDone: true, plannedChunks: 3 }, 'paused');
    deps = { ...deps, broadcasts: readingTogether(deps.broadcasts, 'findById', commands.length) };

    // Act
    const answers = await Promise.all(commands.map((command) => call(command, tenantId, broadcast.id)));

    // Assess
    expect(answers.filter((a) => a === 'ok')).toHaveLength(1);
    expect(answers.filter((a) => a !== 'ok')).toEqual(Array(commands.length - 1).fill('broadcast.invalid_transition'));
    const run = await deps.runs.get(tenantId, broadcast.id);
    expect(queuedTicks()).toEqual([run?.pacerTick]);
    expect(run).toMatchObject({ pacerTick: 1 });
  });
});
