import { setTimeout as sleep } from 'node:timers/promises';
import {
  allExecutions,
  aTenantWithBroadcast,
  executeToCompletion,
  expectSettledRun,
  type PipelineRuntime,
  startPipelineRuntime,
  statsOf,
  waitForStats,
} from '../support/pipeline-harness.js';

/**
 * docs/design.md section 8, invariants 1, 2, 3 and 6 against a misbehaving channel: a webhook that fails or
 * times out on first attempts, one that rejects one recipient, one that rejects everything.
 */

const SCENARIO_MS = 180_000;
let pipeline: PipelineRuntime;

beforeAll(async () => {
  pipeline = await startPipelineRuntime();
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
}, 120_000);

describe('a channel that fails and times out on first attempts', () => {
  it(
    'delivers to everyone exactly once, retrying with the same idempotency key',
    async () => {
      // Prepare: of the first attempts, 30% answer 500, 10% are accepted but answered after the client's
      // timeout, 5% are accepted and the connection drops before the answer.
      const sink = await pipeline.newSink({
        failFirstAttemptShare: 0.3,
        hangFirstAttemptShare: 0.1,
        dropAfterAcceptShare: 0.05,
        hangMs: 1500,
      });
      const { api, audience, broadcast } = await aTenantWithBroadcast(pipeline, sink, 200);

      // Act
      await executeToCompletion(api, broadcast.id);

      // Assess
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds, sink);
      expect(run.tally).toEqual({ sent: 200 });
      const failedFirst = sink.requests.filter((r) => r.attempt === 1 && r.status === 500);
      const hungFirst = sink.requests.filter((r) => r.attempt === 1 && r.outcome === 'accepted_hung');
      const droppedFirst = sink.requests.filter((r) => r.attempt === 1 && r.outcome === 'accepted_dropped');
      // The faults really happened (about 60, 20 and 10 of 200), each followed by a retry with the same key.
      expect(failedFirst.length).toBeGreaterThan(30);
      expect(hungFirst.length).toBeGreaterThan(5);
      expect(droppedFirst.length).toBeGreaterThan(2);
      for (const first of [...failedFirst, ...hungFirst, ...droppedFirst]) {
        const retries = sink.requests.filter((r) => r.idempotencyKey === first.idempotencyKey && r.attempt > 1);
        expect(retries.length).toBeGreaterThan(0);
        expect(retries.every((r) => r.contactId === first.contactId)).toBe(true);
      }
      // The hung and dropped ones were accepted twice under one key: honoured, counted once.
      expect(sink.acceptedCount()).toBe(200);
      // Every request the channel got was a claimed attempt (an attempt cut by the client's timeout before
      // it reached the sink is the only kind the sink may not have seen).
      const unclaimed = run.executions.filter((e) => sink.requestsFor(e.contact_id).length > e.attempts);
      expect(unclaimed).toEqual([]);
    },
    SCENARIO_MS,
  );
});

describe('one bad recipient', () => {
  it(
    'fails that execution only, with the status in its error; everyone else is sent',
    async () => {
      // Prepare
      let bad = '';
      const sink = await pipeline.newSink({
        respond: ({ body }) =>
          body.contact.id === bad ? { kind: 'status', status: 422, body: '{"error":"invalid recipient"}' } : undefined,
      });
      const { api, audience, broadcast } = await aTenantWithBroadcast(pipeline, sink, 60);
      bad = audience.contactIds[17] as string;

      // Act
      await executeToCompletion(api, broadcast.id);

      // Assess
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds, sink);
      expect(run.tally).toEqual({ sent: 59, failed: 1, 'failed:rejected': 1 });
      expect(run.byContact.get(bad)).toEqual(
        expect.objectContaining({ status: 'failed', reason: 'rejected', error: expect.stringContaining('422') }),
      );
      // A permanent error is not retried.
      expect(sink.requestsFor(bad)).toHaveLength(1);
    },
    SCENARIO_MS,
  );
});

describe('a channel that rejects every message', () => {
  /**
   * A broadcast at 600/min (one chunk of 25 every 2.5 s, so even a slow, shared machine pauses it within a few
   * chunks) to a sink answering 401 while `rejecting`.
   */
  async function aRejectedBroadcast() {
    const control = { rejecting: true };
    const sink = await pipeline.newSink({
      respond: () =>
        control.rejecting ? { kind: 'status', status: 401, body: '{"error":"bad credentials"}' } : undefined,
    });
    const { api, audience, broadcast } = await aTenantWithBroadcast(pipeline, sink, 200, { rate_limit: 600 });
    await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
    const paused = await waitForStats(api, broadcast.id, (s) => s.status === 'paused', 'auto-paused', 120_000);
    return { api, control, sink, audience, broadcast, paused };
  }

  it(
    'auto-pauses the broadcast within the first sends instead of burning the audience',
    async () => {
      // Prepare, Act
      const { api, sink, audience, broadcast, paused } = await aRejectedBroadcast();
      // Chunks already at the channel when it paused are recorded and counted: wait until they all are.
      await waitForStats(
        api,
        broadcast.id,
        (s) => s.failed === sink.requests.length,
        'in-flight chunks counted',
        120_000,
      );
      await sleep(2000);

      // Assess: paused with a reason, after at most the first ~100 sends, and nothing more sent since.
      const details = await api.ok('GET', `/api/v1/broadcasts/${broadcast.id}`);
      expect(details.status).toBe('paused');
      expect(details.status_reason).toMatch(/^auto_paused/);
      expect(sink.requests.length).toBeLessThanOrEqual(100);
      expect(sink.acceptedCount()).toBe(0);
      const now = await statsOf(api, broadcast.id);
      expect(now.failed).toBe(sink.requests.length);
      expect(now.failed).toBeGreaterThanOrEqual(paused.failed);
      const failed = await allExecutions(api, broadcast.id, 'failed');
      expect(failed).toHaveLength(now.failed);
      expect(failed.every((e) => e.reason === 'rejected' && e.error?.includes('401'))).toBe(true);
      expect(await allExecutions(api, broadcast.id, 'sent')).toEqual([]);
      expect(audience.contactIds).toHaveLength(200);
    },
    SCENARIO_MS,
  );

  it(
    'once the channel is fixed, resume delivers to the rest of the audience',
    async () => {
      // Prepare
      const { api, control, sink, audience, broadcast } = await aRejectedBroadcast();
      control.rejecting = false;

      // Act
      await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/resume`);
      const end = await waitForStats(
        api,
        broadcast.id,
        (s) => s.status === 'completed' || (s.status === 'paused' && s.sent > 0),
        'completed (or paused again)',
        90_000,
      );

      // Assess: the rejected ones failed once each, everyone else got exactly one message.
      const details = await api.ok('GET', `/api/v1/broadcasts/${broadcast.id}`);
      expect({ status: details.status, status_reason: details.status_reason }).toEqual({
        status: 'completed',
        status_reason: null,
      });
      expect(end.status).toBe('completed');
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds, sink);
      const rejected = sink.requests.filter((r) => r.status === 401);
      expect(run.tally).toEqual({
        sent: 200 - rejected.length,
        failed: rejected.length,
        'failed:rejected': rejected.length,
      });
    },
    SCENARIO_MS,
  );
});
