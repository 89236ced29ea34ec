import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogChannel, OUTBOX_FILE } from '../../lib/adapters/channels/log-channel.js';
import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import type { ChannelSender, OutboundMessage } from '../../lib/ports/channel-sender.js';
import type { UseCaseDeps } from '../../lib/use-cases/deps.js';
import {
  aTenantWithBroadcast,
  executeToCompletion,
  expectSettledRun,
  type PipelineRuntime,
  type SettledRun,
  startPipelineRuntime,
} from '../support/pipeline-harness.js';
import type { WebhookSink } from '../support/webhook-sink.js';

/**
 * docs/design.md section 8, invariant 1: a sender that dies between the provider's acceptance and the record.
 * A channel that honours the idempotency key gets the message again under the same key (and counts it
 * once); one that cannot de-duplicate (log) must never get it twice: that execution ends `failed` with
 * reason `outcome_unknown`.
 *
 * Two kinds of death: the channel call throws after the real send went through (the adapter or its
 * library failed after the provider accepted), and the invocation dies before the outcome is recorded
 * (the record write throws, the chunk's SQS message comes back after its visibility timeout, the claim
 * is stale by then).
 *
 * And invariant 2 when the pacer dies after moving its cursor, before its chunks reach the send queue
 * (issue 3: "its cursor survives pause/resume and crashes").
 */

const SCENARIO_MS = 180_000;
const AUDIENCE = 100;
/** Of the first sends, this share crashes (picked by a hash of the contact id). */
const CRASH_SHARE = 0.2;

interface CrashPlan {
  /** The audience of the broadcast under test: only its messages crash. */
  contacts: ReadonlySet<string>;
  /** The channel call sends for real, then throws. */
  afterSend: boolean;
  /** The real send succeeds, then recording `sent` throws (the invocation dies). */
  beforeRecord: boolean;
  /** This broadcast's first release of chunks to the send queue throws (the pacer dies). */
  pacerDiesFor?: string;
}

const noCrashes: CrashPlan = { contacts: new Set(), afterSend: false, beforeRecord: false };
let plan = noCrashes;
/** Every real send, per contact (the log channel's evidence besides its outbox). */
const realSends = new Map<string, number>();
/** Contacts whose send crashed, and contacts whose record crashed (each at most once). */
const crashedSends = new Set<string>();
const crashedRecords = new Set<string>();
/** Broadcasts whose pacer died once. */
const crashedReleases = new Set<string>();

function picked(contactId: string): boolean {
  return (
    plan.contacts.has(contactId) &&
    createHash('sha256').update(contactId).digest().readUInt32BE(0) / 2 ** 32 < CRASH_SHARE
  );
}

function crashing(real: ChannelSender): ChannelSender {
  return {
    honoursIdempotencyKey: real.honoursIdempotencyKey,
    async send(message: OutboundMessage) {
      const outcome = await real.send(message);
      const contactId = message.contact.id;
      realSends.set(contactId, (realSends.get(contactId) ?? 0) + 1);
      if (plan.afterSend && picked(contactId) && !crashedSends.has(contactId)) {
        crashedSends.add(contactId);
        throw new Error('the sender died after the provider accepted the message');
      }
      return outcome;
    },
  };
}

let outboxDir: string;

/** The log channel writes to a temporary outbox only (no terminal noise); every sender may crash. */
function withCrashes(deps: UseCaseDeps): UseCaseDeps {
  const quietLog = new LogChannel({ write: () => {}, dataDir: outboxDir });
  const senders = deps.senders;
  const executions = deps.executions;
  const crashingExecutions = Object.create(executions) as typeof executions;
  crashingExecutions.transition = async (execution: BroadcastExecution, from) => {
    if (plan.beforeRecord && execution.status === 'sent' && picked(execution.contactId)) {
      if (!crashedRecords.has(execution.contactId)) {
        crashedRecords.add(execution.contactId);
        throw new Error('the sender died before recording the outcome');
      }
    }
    return executions.transition(execution, from);
  };
  const queue = deps.queue;
  const crashingQueue = Object.create(queue) as typeof queue;
  crashingQueue.sendChunks = async (messages) => {
    const id = plan.pacerDiesFor;
    if (id && !crashedReleases.has(id) && messages.some((m) => m.body.broadcastId === id)) {
      crashedReleases.add(id);
      throw new Error('the pacer died after moving its cursor, before its chunks reached the queue');
    }
    return queue.sendChunks(messages);
  };
  return {
    ...deps,
    queue: crashingQueue,
    executions: crashingExecutions,
    senders: { senderFor: (channel) => crashing(channel.type === 'log' ? quietLog : senders.senderFor(channel)) },
  };
}

/** The log channel's outbox lines per contact. */
function outboxLines(): Map<string, number> {
  const counts = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(join(outboxDir, OUTBOX_FILE), 'utf8');
  } catch {
    return counts;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const contactId = (JSON.parse(line) as { contact: { id: string } }).contact.id;
    counts.set(contactId, (counts.get(contactId) ?? 0) + 1);
  }
  return counts;
}

let pipeline: PipelineRuntime;

beforeAll(async () => {
  outboxDir = mkdtempSync(join(tmpdir(), 'pipeline-crash-'));
  pipeline = await startPipelineRuntime({
    // The pacer's safety nets after seconds, not minutes: re-release what was never counted after 5 s
    // without progress, and restart a loop whose tick is 8 s overdue (the sweeper runs every 2 s).
    // The last resort (fail what is still open as `undeliverable`) after 20 idle sweeps, not 5: a chunk on a channel
    // that cannot de-duplicate sends in groups of 5, so its crashes come one redelivery (6 s) after another, and 5
    // sweeps of 5 s would end a chunk with four crashes before its last groups were tried. In AWS the budget
    // (5 sweeps of 300 s) holds a dozen or more redeliveries of one chunk; 20 × 5 s keeps that ratio here.
    env: {
      SWEEP_IDLE_SECONDS: '5',
      MAX_SWEEPS: '20',
      PACER_WATCH_GRACE_SECONDS: '8',
      SCHEDULE_SWEEP_SECONDS: '2',
    },
    hooks: { decorate: withCrashes },
    // A crashed step comes back after 6 s (the claim lease is 3 s: stale by then) instead of 30-60 s.
    faults: {
      sqs: { queues: { pipeline: { visibilityTimeoutSeconds: 6 }, send: { visibilityTimeoutSeconds: 6 } } },
    },
  });
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
  rmSync(outboxDir, { recursive: true, force: true });
}, 120_000);

afterEach(() => {
  plan = noCrashes;
});

async function webhookTenant() {
  const sink = await pipeline.newSink();
  return { sink, ...(await aTenantWithBroadcast(pipeline, sink, AUDIENCE)) };
}

/** More than a few crashed, and each crashed message came again under its one key, accepted once. */
function expectResentUnderOneKey(sink: WebhookSink, crashed: readonly string[]): void {
  expect(crashed.length).toBeGreaterThan(5);
  for (const contactId of crashed) {
    const attempts = sink.requestsFor(contactId);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(attempts.filter((r) => r.firstAcceptance)).toHaveLength(1);
  }
}

/**
 * More than a few crashed; the log channel got one message per contact (in the outbox and as counted at the
 * channel), and each crashed one ended failed with reason outcome_unknown.
 */
function expectSentOnceEach(run: SettledRun, audience: readonly string[], crashed: readonly string[]): void {
  expect(crashed.length).toBeGreaterThan(5);
  const lines = outboxLines();
  expect(audience.filter((id) => lines.get(id) !== 1)).toEqual([]);
  expect(audience.filter((id) => realSends.get(id) !== 1)).toEqual([]);
  expect(crashed.map((id) => run.byContact.get(id)?.reason)).toEqual(crashed.map(() => 'outcome_unknown'));
  expect(run.tally).toEqual({
    sent: AUDIENCE - crashed.length,
    failed: crashed.length,
    'failed:outcome_unknown': crashed.length,
  });
}

describe('the channel call throws after the provider accepted', () => {
  it(
    'webhook (honours the key): re-sent under the same key, counted once, everyone sent',
    async () => {
      // Prepare
      const { api, sink, audience, broadcast } = await webhookTenant();
      plan = { contacts: new Set(audience.contactIds), afterSend: true, beforeRecord: false };

      // Act
      await executeToCompletion(api, broadcast.id);

      // Assess
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds, sink);
      expect(run.tally).toEqual({ sent: AUDIENCE });
      expectResentUnderOneKey(
        sink,
        audience.contactIds.filter((id) => crashedSends.has(id)),
      );
    },
    SCENARIO_MS,
  );

  it(
    'log (cannot de-duplicate): never sent twice, the unknown outcomes end failed with reason outcome_unknown',
    async () => {
      // Prepare
      const { api, audience, broadcast } = await aTenantWithBroadcast(pipeline, 'log', AUDIENCE);
      plan = { contacts: new Set(audience.contactIds), afterSend: true, beforeRecord: false };

      // Act
      await executeToCompletion(api, broadcast.id);

      // Assess
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds);
      expectSentOnceEach(
        run,
        audience.contactIds,
        audience.contactIds.filter((id) => crashedSends.has(id)),
      );
    },
    SCENARIO_MS,
  );
});

describe('the invocation dies between the acceptance and the record', () => {
  it(
    'webhook (honours the key): the redelivered chunk finds a stale claim and re-sends under the same key',
    async () => {
      // Prepare
      const { api, sink, audience, broadcast } = await webhookTenant();
      plan = { contacts: new Set(audience.contactIds), afterSend: false, beforeRecord: true };

      // Act
      await executeToCompletion(api, broadcast.id);

      // Assess
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds, sink);
      expect(run.tally).toEqual({ sent: AUDIENCE });
      expectResentUnderOneKey(
        sink,
        audience.contactIds.filter((id) => crashedRecords.has(id)),
      );
    },
    SCENARIO_MS,
  );

  it(
    'log (cannot de-duplicate): the stale claim ends failed with reason outcome_unknown, never a second send',
    async () => {
      // Prepare
      const { api, audience, broadcast } = await aTenantWithBroadcast(pipeline, 'log', AUDIENCE);
      plan = { contacts: new Set(audience.contactIds), afterSend: false, beforeRecord: true };

      // Act
      await executeToCompletion(api, broadcast.id);

      // Assess
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds);
      expectSentOnceEach(
        run,
        audience.contactIds,
        audience.contactIds.filter((id) => crashedRecords.has(id)),
      );
    },
    SCENARIO_MS,
  );
});

describe('the pacer dies after moving its cursor, before its chunks reach the send queue', () => {
  it(
    'the broadcast still completes: the chunks are released again, nobody lost, nobody sent twice',
    async () => {
      // Prepare
      const { api, sink, audience, broadcast } = await webhookTenant();
      plan = { ...noCrashes, pacerDiesFor: broadcast.id };

      // Act
      await executeToCompletion(api, broadcast.id, 90_000);

      // Assess
      expect(crashedReleases.has(broadcast.id)).toBe(true);
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds, sink);
      expect(run.tally).toEqual({ sent: AUDIENCE });
    },
    SCENARIO_MS,
  );
});
