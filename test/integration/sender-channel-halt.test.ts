import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import type { SendOutcome } from '../../lib/domain/send-outcome.js';
import type { SendChunkMessage } from '../../lib/ports/message-queue.js';
import { paceBroadcast } from '../../lib/use-cases/pace-broadcast.js';
import { cancelBroadcast, resumeBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import { createTestTable, newTenantId, TestClock, type TestDeps, type TestTable } from '../support/dynamodb.js';
import {
  allExecutions,
  aPlannedBroadcast,
  pipelineDeps,
  ScriptedChannel,
  takeChunks,
  takePipeline,
} from '../support/pipeline.js';

/**
 * The sender against a broken channel (a `channel` outcome: an expired token, a locked account): the broadcast
 * pauses at once with the code, the contacts the channel refused stay pending with no attempt spent, nothing is
 * counted, and resume sends them once the channel is fixed. On DynamoDB Local, through sendChunk.
 */

const EXPIRED: SendOutcome = {
  kind: 'channel',
  reason: 'whatsapp 190: Error validating access token: Session has expired',
};
const STATUS_REASON = `channel_error: ${EXPIRED.reason}`;

let table: TestTable;
let clock: TestClock;
let channel: ScriptedChannel;
let deps: TestDeps;

beforeAll(async () => {
  table = await createTestTable();
});

beforeEach(() => {
  clock = new TestClock('2025-01-15T12:00:00.000Z');
  // Like WhatsApp: no idempotency key, so an unknown outcome is never repeated.
  channel = new ScriptedChannel(clock, false);
  deps = pipelineDeps(table, clock, channel, { claimLeaseMs: 60_000, retryBaseMs: 5000, maxSendAttempts: 3 });
});

afterAll(async () => {
  await table.release();
});

async function aBroadcastTo(names: readonly string[]) {
  const tenantId = newTenantId();
  const { broadcast, contacts } = await aPlannedBroadcast(deps, tenantId, {
    contacts: names.map((name) => ({ name })),
  });
  const id = (name: string) => contacts.find((c) => c.name === name)?.id as string;
  const executions = async () =>
    new Map((await allExecutions(deps, tenantId, broadcast.id)).map((e) => [e.contactId, e] as const));
  return {
    tenantId,
    broadcastId: broadcast.id,
    id,
    executions,
    message: (chunk = 0): SendChunkMessage => ({ tenantId, broadcastId: broadcast.id, chunk }),
    stored: () => deps.broadcasts.findById(tenantId, broadcast.id),
    lease: async () => (await deps.executions.readChunk(tenantId, broadcast.id, 0)).lease,
    tallied: async () => (await deps.runs.talliedChunks(tenantId, broadcast.id, [0])).has(0),
  };
}
type Planned = Awaited<ReturnType<typeof aBroadcastTo>>;

/** Resume as a person would, then one pacer tick: the chunk released again, ready to send. */
async function resume(p: Planned): Promise<SendChunkMessage> {
  takePipeline(deps);
  takeChunks(deps);
  await resumeBroadcast(deps, p.tenantId, p.broadcastId);
  const [pace] = takePipeline(deps);
  if (pace?.message.type !== 'pace') throw new Error('resume queued no pacer tick');
  await paceBroadcast(deps, p.tenantId, p.broadcastId, pace.message.tick);
  const [released] = takeChunks(deps);
  if (!released) throw new Error('resume released no chunk');
  return released.body;
}

function untouched(execution: BroadcastExecution | undefined) {
  return { status: execution?.status, attempts: execution?.attempts, reason: execution?.reason };
}

describe('sendChunk when the channel is broken', () => {
  it('pauses the broadcast at once naming the code, fails nobody and counts nothing', async () => {
    // Prepare
    const p = await aBroadcastTo(['Ana', 'Bia', 'Caio']);
    channel.otherwise = EXPIRED;

    // Act
    const report = await sendChunk(deps, p.message());

    // Assess
    expect(report).toEqual({ result: 'dropped', sent: 0, failed: 0, skipped: 0, retried: 0, throttled: 0 });
    expect(await p.stored()).toMatchObject({
      status: 'paused',
      statusReason: STATUS_REASON,
      sent: 0,
      failed: 0,
      skipped: 0,
    });
    const executions = await p.executions();
    for (const name of ['Ana', 'Bia', 'Caio']) {
      expect(untouched(executions.get(p.id(name)))).toEqual({ status: 'pending', attempts: 0, reason: undefined });
    }
    expect(await p.tallied()).toBe(false);
    // The lease was handed back empty: the refused contacts are not in doubt for the next delivery.
    expect((await p.lease())?.inFlight).toEqual([]);
    expect(takeChunks(deps)).toEqual([]);
  });

  it('records the sends that went out before the channel broke; resume sends the rest, once each', async () => {
    // Prepare: the token expires between Ana's send and Bia's.
    const p = await aBroadcastTo(['Ana', 'Bia', 'Caio']);
    channel.script(p.id('Bia'), EXPIRED, { kind: 'accepted' });
    channel.script(p.id('Caio'), EXPIRED, { kind: 'accepted' });

    // Act
    const halted = await sendChunk(deps, p.message());
    const afterHalt = await p.executions();
    const again = await resume(p);
    const resumed = await sendChunk(deps, again);

    // Assess
    expect(halted).toMatchObject({ result: 'dropped', sent: 1 });
    expect(afterHalt.get(p.id('Ana'))).toMatchObject({ status: 'sent', attempts: 1 });
    expect(untouched(afterHalt.get(p.id('Bia')))).toEqual({ status: 'pending', attempts: 0, reason: undefined });
    expect(resumed).toMatchObject({ result: 'counted', sent: 2 });
    const end = await p.executions();
    expect([...end.values()].map((e) => [e.status, e.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
    const stored = await p.stored();
    expect(stored).toMatchObject({ status: 'completed', sent: 3, failed: 0 });
    expect(stored?.statusReason).toBeUndefined();
    // Ana once; Bia and Caio refused once (nothing sent), then accepted once.
    const given = (name: string) => channel.contactIds().filter((id) => id === p.id(name)).length;
    expect(['Ana', 'Bia', 'Caio'].map(given)).toEqual([1, 2, 2]);
  });

  it('pauses again at once when resumed before the channel is fixed, still burning nobody', async () => {
    // Prepare
    const p = await aBroadcastTo(['Ana', 'Bia']);
    channel.otherwise = EXPIRED;
    await sendChunk(deps, p.message());

    // Act
    const again = await resume(p);
    const report = await sendChunk(deps, again);

    // Assess: auto-pause stands aside after a resume; a broken channel does not.
    expect(report.result).toBe('dropped');
    expect(await p.stored()).toMatchObject({ status: 'paused', statusReason: STATUS_REASON, failed: 0 });
    expect([...(await p.executions()).values()].map(untouched)).toEqual([
      { status: 'pending', attempts: 0, reason: undefined },
      { status: 'pending', attempts: 0, reason: undefined },
    ]);
  });

  it('leaves a cancel that landed meanwhile alone: the drain closes the chunk', async () => {
    // Prepare: the broadcast is cancelled while its chunk is at the channel, which then refuses.
    const p = await aBroadcastTo(['Ana']);
    channel.otherwise = EXPIRED;
    channel.whileSending = async () => {
      channel.whileSending = undefined;
      await cancelBroadcast(deps, p.tenantId, p.broadcastId);
    };

    // Act
    const report = await sendChunk(deps, p.message());

    // Assess
    expect(report.result).toBe('dropped');
    expect(await p.stored()).toMatchObject({ status: 'cancelled' });
    expect(untouched((await p.executions()).get(p.id('Ana')))).toEqual({
      status: 'pending',
      attempts: 0,
      reason: undefined,
    });
  });

  it('hands the chunk back to the queue when the pause cannot be written, with nobody left in doubt', async () => {
    // Prepare: the first pause write fails (a DynamoDB outage outlasting the SDK's retries).
    const p = await aBroadcastTo(['Ana', 'Bia']);
    channel.otherwise = EXPIRED;
    const applyTransition = deps.broadcasts.applyTransition.bind(deps.broadcasts);
    let failures = 1;
    deps.broadcasts.applyTransition = async (change) => {
      if (failures-- > 0) throw new Error('ProvisionedThroughputExceededException');
      return applyTransition(change);
    };

    // Act
    const first = await sendChunk(deps, p.message()).then(
      () => 'returned',
      (error: Error) => error.message,
    );
    const afterFailure = { status: (await p.stored())?.status, lease: (await p.lease())?.inFlight };
    const second = await sendChunk(deps, p.message());

    // Assess: the queue delivers the chunk again (the handler threw); the refused contacts were no suspects.
    expect(first).toBe('ProvisionedThroughputExceededException');
    expect(afterFailure).toEqual({ status: 'running', lease: [] });
    expect(second.result).toBe('dropped');
    expect(await p.stored()).toMatchObject({ status: 'paused', statusReason: STATUS_REASON });
    expect([...(await p.executions()).values()].every((e) => e.status === 'pending' && e.attempts === 0)).toBe(true);
  });
});

describe('sendChunk when the outcome of a send is unknown', () => {
  it('fails the contact as outcome_unknown on a channel that cannot de-duplicate, and never sends again', async () => {
    // Prepare: the request timed out; the provider may have the message.
    const p = await aBroadcastTo(['Ana', 'Bia']);
    channel.script(p.id('Ana'), { kind: 'unknown', reason: 'whatsapp: no answer within 10000 ms' });

    // Act
    const report = await sendChunk(deps, p.message());

    // Assess
    expect(report).toMatchObject({ result: 'counted', sent: 1, failed: 1, retried: 0 });
    expect((await p.executions()).get(p.id('Ana'))).toMatchObject({
      status: 'failed',
      reason: 'outcome_unknown',
      error: 'whatsapp: no answer within 10000 ms',
      attempts: 1,
    });
    expect(channel.contactIds().filter((id) => id === p.id('Ana'))).toHaveLength(1);
    expect(await p.stored()).toMatchObject({ status: 'completed', sent: 1, failed: 1 });
  });
});
