import type { PipelineMessage, SendChunkMessage } from '../../lib/ports/message-queue.js';
import { paceBroadcast } from '../../lib/use-cases/pace-broadcast.js';
import { planAudiencePage } from '../../lib/use-cases/plan-audience.js';
import { pauseBroadcast, resumeBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import { newTenantId, TestClock, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import { allExecutions, aStartedBroadcast, pipelineDeps, ScriptedChannel } from '../support/pipeline.js';
import { PublishedEvents } from '../support/published-events.js';
import { maxInAnyMinute } from '../support/send-windows.js';

const table = testTableForFile({ stream: true });

const START = '2025-01-15T12:00:00.000Z';

type Delivery =
  | { kind: 'pipeline'; message: PipelineMessage }
  | { kind: 'chunks'; copies: SendChunkMessage[] }
  | { kind: 'action'; run: () => Promise<unknown> };

interface Scheduled {
  at: number;
  seq: number;
  delivery: Delivery;
}

interface LoopOptions {
  /** Process a chunk message and its duplicate at the same time instead of one after the other. */
  concurrentCopies?: boolean;
  /** Things to do at given offsets from the start (pause, resume). */
  actions?: { afterMs: number; run: () => Promise<unknown> }[];
}

/**
 * Plays the queues by hand: every message the use cases put on the RecordingQueue is delivered when it
 * becomes visible (its delay) and, for a chunk, not before its slot, by moving the test clock there; never
 * by waiting. Every chunk message is delivered twice (SQS delivers at least once). The pipeline worker's
 * own rule is followed: a planner step that returns `more` queues the next one.
 */
async function deliverByHand(deps: TestDeps, clock: TestClock, options: LoopOptions = {}): Promise<number> {
  const agenda: Scheduled[] = [];
  let seq = 0;
  const schedule = (at: number, delivery: Delivery) => agenda.push({ at, seq: seq++, delivery });
  const start = clock.now().getTime();
  for (const action of options.actions ?? []) schedule(start + action.afterMs, { kind: 'action', run: action.run });
  const collect = () => {
    const now = clock.now().getTime();
    for (const { message, delaySeconds } of deps.queue.pipeline.splice(0)) {
      schedule(now + delaySeconds * 1000, { kind: 'pipeline', message });
    }
    for (const { body, delaySeconds } of deps.queue.chunks.splice(0)) {
      const visible = now + (delaySeconds ?? 0) * 1000;
      schedule(Math.max(visible, body.slotAt ?? 0), { kind: 'chunks', copies: [body, { ...body }] });
    }
  };
  let steps = 0;
  for (collect(); agenda.length > 0; collect()) {
    if (++steps > 5000) throw new Error('the pipeline never came to rest');
    agenda.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = agenda.shift() as Scheduled;
    if (next.at > clock.now().getTime()) clock.set(new Date(next.at).toISOString());
    const { delivery } = next;
    if (delivery.kind === 'action') await delivery.run();
    else if (delivery.kind === 'chunks') {
      if (options.concurrentCopies) await Promise.all(delivery.copies.map((copy) => sendChunk(deps, copy)));
      else for (const copy of delivery.copies) await sendChunk(deps, copy);
    } else if (delivery.message.type === 'pace') {
      await paceBroadcast(deps, delivery.message.tenantId, delivery.message.broadcastId, delivery.message.tick);
    } else if (delivery.message.type === 'plan') {
      const { tenantId, broadcastId, segment } = delivery.message;
      const step = await planAudiencePage(deps, tenantId, broadcastId, segment);
      if (step === 'more') await deps.queue.sendPipeline(delivery.message);
    }
  }
  return steps;
}

/** The progress a run publishes, one event per 10 % step (chunks here never jump a step). */
const TEN_PERCENT_STEPS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

/** Sends in [from, from + 60 s). */
function sendsInMinuteFrom(times: readonly number[], from: number): number {
  return times.filter((t) => t >= from && t < from + 60_000).length;
}

describe('delivery by hand: planner, pacer and sender fed from the recorded queues on a test clock', () => {
  it('sends everyone exactly once, never more than rate_limit in any 60 s window, and close to the rate at steady state', async () => {
    // Prepare: 200 contacts at 120/min (chunks of 2, one every 1,034 ms: 100 s of sending), every chunk
    // message delivered twice.
    const clock = new TestClock(START);
    const channel = new ScriptedChannel(clock);
    const deps = pipelineDeps(table, clock, channel);
    const tenantId = newTenantId();
    const rate = 120;
    const { broadcast, contacts } = await aStartedBroadcast(deps, tenantId, {
      contacts: Array.from({ length: 200 }, (_, i) => ({ name: `C${i}` })),
      rateLimit: rate,
    });
    const published = await PublishedEvents.watch(table);

    // Act
    await deliverByHand(deps, clock);

    // Assess
    const sent = channel.contactIds();
    expect(sent).toHaveLength(200);
    expect(new Set(sent)).toEqual(new Set(contacts.map((c) => c.id)));
    const times = channel.received.map((r) => r.at);
    const first = Math.min(...times);
    const last = Math.max(...times);
    expect(maxInAnyMinute(times)).toBeLessThanOrEqual(rate);
    expect(sendsInMinuteFrom(times, first)).toBeGreaterThanOrEqual(0.95 * rate);
    expect(((times.length - 1) / (last - first)) * 60_000).toBeGreaterThanOrEqual(0.95 * rate);
    expect(first - Date.parse(START)).toBeLessThanOrEqual(2000);
    expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({
      status: 'completed',
      totalContacts: 200,
      sent: 200,
      failed: 0,
      skipped: 0,
      sending: 0,
    });
    expect((await published.events(tenantId)).map((e) => [e.name, e.detail.progress])).toEqual([
      ...TEN_PERCENT_STEPS.map((progress) => ['broadcast.progress', progress]),
      ['broadcast.completed', undefined],
    ]);
    const executions = await allExecutions(deps, tenantId, broadcast.id);
    expect(executions.every((e) => e.status === 'sent' && e.attempts === 1)).toBe(true);
  }, 300_000);

  it('keeps the rate and sends nobody twice with concurrent duplicates, a pause and a resume', async () => {
    // Prepare: 160 contacts at 240/min (chunks of 4, 40 s of sending); paused 20 s in, resumed 80 s in.
    const clock = new TestClock(START);
    const channel = new ScriptedChannel(clock);
    const deps = pipelineDeps(table, clock, channel);
    const tenantId = newTenantId();
    const rate = 240;
    const { broadcast } = await aStartedBroadcast(deps, tenantId, {
      contacts: Array.from({ length: 160 }, (_, i) => ({ name: `C${i}` })),
      rateLimit: rate,
    });
    const pausedAt = Date.parse(START) + 20_000;
    const resumedAt = Date.parse(START) + 80_000;
    const published = await PublishedEvents.watch(table);

    // Act
    await deliverByHand(deps, clock, {
      concurrentCopies: true,
      actions: [
        { afterMs: 20_000, run: () => pauseBroadcast(deps, tenantId, broadcast.id) },
        { afterMs: 80_000, run: () => resumeBroadcast(deps, tenantId, broadcast.id) },
      ],
    });

    // Assess
    const sent = channel.contactIds();
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent).toHaveLength(160);
    const times = channel.received.map((r) => r.at);
    expect(maxInAnyMinute(times)).toBeLessThanOrEqual(rate);
    expect(times.filter((t) => t >= pausedAt && t < resumedAt)).toEqual([]);
    expect(times.some((t) => t >= resumedAt)).toBe(true);
    expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({
      status: 'completed',
      totalContacts: 160,
      sent: 160,
      sending: 0,
    });
    const events = await published.events(tenantId);
    const progress = events.filter((e) => e.name === 'broadcast.progress').map((e) => e.detail.progress);
    expect(progress).toEqual(TEN_PERCENT_STEPS);
    expect(events.map((e) => e.name).filter((name) => name !== 'broadcast.progress')).toEqual([
      'broadcast.paused',
      'broadcast.resumed',
      'broadcast.completed',
    ]);
  }, 300_000);
});
