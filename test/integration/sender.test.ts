import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import type { BroadcastRun } from '../../lib/domain/broadcast-run.js';
import type { Contact, ContactFields } from '../../lib/domain/contact.js';
import { idempotencyKeyFor } from '../../lib/domain/outbound-message.js';
import { SEND_WINDOW_MS, UNLIMITED_CHUNK_SIZE } from '../../lib/domain/pacing.js';
import type { SendChunkMessage } from '../../lib/ports/message-queue.js';
import type { DeliverySettings } from '../../lib/use-cases/deps.js';
import { paceBroadcast, RELEASE_HORIZON_MS } from '../../lib/use-cases/pace-broadcast.js';
import { cancelBroadcast, pauseBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import { newTenantId, TestClock, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import {
  allExecutions,
  aPlannedBroadcast,
  pipelineDeps,
  ScriptedChannel,
  takeChunks,
  takePipeline,
} from '../support/pipeline.js';
import { pollUntil } from '../support/poll.js';
import { PublishedEvents } from '../support/published-events.js';

const table = testTableForFile({ stream: true });
let clock: TestClock;
let channel: ScriptedChannel;
let deps: TestDeps;
let published: PublishedEvents;

const LEASE_MS = 180_000;
const RETRY_BASE_MS = 5000;

beforeEach(() => {
  clock = new TestClock('2025-01-15T12:00:00.000Z');
  useChannel(new ScriptedChannel(clock));
});

function useChannel(next: ScriptedChannel, delivery: Partial<DeliverySettings> = {}) {
  channel = next;
  deps = pipelineDeps(table, clock, channel, {
    claimLeaseMs: LEASE_MS,
    retryBaseMs: RETRY_BASE_MS,
    maxSendAttempts: 3,
    ...delivery,
  });
}

interface Planned {
  tenantId: string;
  broadcastId: string;
  run: BroadcastRun;
  contact: (name: string) => Contact;
  message: (chunk?: number) => SendChunkMessage;
}

/** A started, fully planned broadcast to the named contacts (unlimited rate unless told: chunks of UNLIMITED_CHUNK_SIZE). */
async function aBroadcastTo(
  names: readonly string[],
  rateLimit = 0,
  extra: (name: string) => ContactFields = () => ({}),
): Promise<Planned> {
  const tenantId = newTenantId();
  const { broadcast, contacts, run } = await aPlannedBroadcast(deps, tenantId, {
    contacts: names.map((name) => ({ name, ...extra(name) })),
    rateLimit,
  });
  published = await PublishedEvents.watch(table);
  return {
    tenantId,
    broadcastId: broadcast.id,
    run,
    contact: (name) => contacts.find((c) => c.name === name) as Contact,
    message: (chunk = 0) => ({ tenantId, broadcastId: broadcast.id, chunk }),
  };
}

async function executionsOf(p: Planned): Promise<Map<string, BroadcastExecution>> {
  const all = await allExecutions(deps, p.tenantId, p.broadcastId);
  return new Map(all.map((e) => [e.contactId, e]));
}

async function executionOf(p: Planned, name: string): Promise<BroadcastExecution | undefined> {
  return (await executionsOf(p)).get(p.contact(name).id);
}

async function isTallied(p: Planned, chunk = 0): Promise<boolean> {
  return (await deps.runs.talliedChunks(p.tenantId, p.broadcastId, [chunk])).has(chunk);
}

async function completedEvents(p: Planned): Promise<number> {
  return (await published.names(p.tenantId)).filter((name) => name === 'broadcast.completed').length;
}

describe('sendChunk (the sender) on DynamoDB', () => {
  describe('outcomes', () => {
    it('records an accepted message as sent with the provider id, then counts the chunk and completes the broadcast', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana', 'Bia', 'Caio']);

      // Act
      const report = await sendChunk(deps, p.message());

      // Assess
      expect(report).toEqual({ result: 'counted', sent: 3, failed: 0, skipped: 0, retried: 0, throttled: 0 });
      expect(channel.received.map((r) => r.message.message.content).sort()).toEqual(['Hi Ana', 'Hi Bia', 'Hi Caio']);
      for (const { message } of channel.received) {
        expect(message.idempotencyKey).toBe(idempotencyKeyFor(p.tenantId, p.broadcastId, message.contact.id));
      }
      const ana = await executionOf(p, 'Ana');
      expect(ana).toMatchObject({ status: 'sent', attempts: 1, sentAt: clock.now().toISOString() });
      expect(ana?.messageId).toMatch(/^provider-\d+$/);
      expect(ana).not.toHaveProperty('attemptLease');
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({
        status: 'completed',
        totalContacts: 3,
        sent: 3,
        failed: 0,
        skipped: 0,
        sending: 0,
      });
      expect(await published.names(p.tenantId)).toEqual(['broadcast.progress', 'broadcast.completed']);
    });

    it('fails a permanently rejected message with the error, and only that one', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana', 'Bia', 'Caio']);
      channel.script(p.contact('Bia').id, { kind: 'permanent', reason: 'invalid recipient' });

      // Act
      const report = await sendChunk(deps, p.message());

      // Assess
      expect(report).toEqual({ result: 'counted', sent: 2, failed: 1, skipped: 0, retried: 0, throttled: 0 });
      const executions = await executionsOf(p);
      expect(executions.get(p.contact('Bia').id)).toMatchObject({
        status: 'failed',
        reason: 'rejected',
        error: 'invalid recipient',
      });
      expect(executions.get(p.contact('Ana').id)?.status).toBe('sent');
      expect(executions.get(p.contact('Caio').id)?.status).toBe('sent');
      expect(channel.received).toHaveLength(3);
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({
        status: 'completed',
        sent: 2,
        failed: 1,
      });
    });

    it('puts a transiently failed message back to pending and re-queues the chunk after the backoff, until retries run out', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana', 'Bia']);
      channel.script(p.contact('Bia').id, { kind: 'transient', reason: 'HTTP 503' });

      // Act
      const first = await sendChunk(deps, p.message());
      const afterFirst = await executionOf(p, 'Bia');
      const [retry1] = takeChunks(deps);
      clock.advance((retry1?.delaySeconds as number) * 1000);
      const second = await sendChunk(deps, retry1?.body as SendChunkMessage);
      const [retry2] = takeChunks(deps);
      const talliedBeforeLast = await isTallied(p);
      clock.advance((retry2?.delaySeconds as number) * 1000);
      const third = await sendChunk(deps, retry2?.body as SendChunkMessage);

      // Assess
      expect([first, second, third].map((r) => r.result)).toEqual(['retry_later', 'retry_later', 'counted']);
      expect(first).toMatchObject({ sent: 1, retried: 1, throttled: 0 });
      expect(third).toMatchObject({ sent: 0, failed: 1, retried: 0 });
      expect(afterFirst).toMatchObject({ status: 'pending', attempts: 1, error: 'HTTP 503' });
      // Recorded under the chunk's first lease: its outcome is known, whatever happens to that lease later.
      expect(afterFirst?.attemptLease).toBe(1);
      expect(retry1?.body).toEqual(p.message());
      expect(retry1?.delaySeconds).toBeGreaterThanOrEqual(RETRY_BASE_MS / 1000);
      expect(retry2?.delaySeconds).toBeGreaterThanOrEqual((2 * RETRY_BASE_MS) / 1000);
      expect(talliedBeforeLast).toBe(false);
      expect(takeChunks(deps)).toEqual([]);
      expect(await executionOf(p, 'Bia')).toMatchObject({
        status: 'failed',
        reason: 'retries_exhausted',
        error: 'HTTP 503',
        attempts: 3,
      });
      expect(channel.contactIds().filter((id) => id === p.contact('Bia').id)).toHaveLength(3);
      expect(channel.contactIds().filter((id) => id === p.contact('Ana').id)).toHaveLength(1);
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({
        status: 'completed',
        sent: 1,
        failed: 1,
      });
    });

    it('treats a channel that throws like a transient failure: retried later, never lost', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana']);
      const throwing = Object.assign(Object.create(channel) as ScriptedChannel, {
        send: async () => {
          throw new Error('socket hang up');
        },
      });
      deps = { ...deps, senders: { senderFor: () => throwing } };

      // Act
      const report = await sendChunk(deps, p.message());

      // Assess
      expect(report).toMatchObject({ result: 'retry_later', retried: 1, throttled: 0 });
      expect(await executionOf(p, 'Ana')).toMatchObject({ status: 'pending', attempts: 1 });
      expect((await executionOf(p, 'Ana'))?.error).toContain('socket hang up');
      expect(takeChunks(deps)).toHaveLength(1);
    });

    it('waits at least as long as the channel asks before retrying', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana']);
      channel.script(
        p.contact('Ana').id,
        { kind: 'transient', reason: 'HTTP 429', retryAfterMs: 120_000, throttled: true },
        { kind: 'accepted' },
      );

      // Act
      const report = await sendChunk(deps, p.message());

      // Assess
      expect(report).toMatchObject({ result: 'retry_later', retried: 1, throttled: 1 });
      expect(takeChunks(deps)[0]?.delaySeconds).toBeGreaterThanOrEqual(120);
    });
  });

  describe('crashed senders', () => {
    /** A sender that dies after the provider accepted Ana's message: the chunk's lease names her in flight. */
    async function aCrashAfterAccept(p: Planned) {
      channel.script(p.contact('Ana').id, 'crash', { kind: 'accepted' });
      const crashed = channel.whenCrashed();
      void sendChunk(deps, p.message());
      await crashed;
    }

    it('re-sends a stale claim with the same idempotency key when the channel honours keys', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana']);
      await aCrashAfterAccept(p);
      const claimed = await executionOf(p, 'Ana');
      const lease = (await deps.executions.readChunk(p.tenantId, p.broadcastId, 0)).lease;
      clock.advance(LEASE_MS + 1000);

      // Act
      const { result } = await sendChunk(deps, p.message());

      // Assess
      expect(claimed).toMatchObject({ status: 'pending', attempts: 0 });
      expect(lease).toMatchObject({ version: 1, inFlight: [p.contact('Ana').id] });
      expect(result).toBe('counted');
      expect(channel.received).toHaveLength(2);
      expect(channel.received[1]?.message.idempotencyKey).toBe(channel.received[0]?.message.idempotencyKey);
      // The attempt the dead sender made was never recorded: this is the first one on record.
      expect(await executionOf(p, 'Ana')).toMatchObject({ status: 'sent', attempts: 1 });
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({ status: 'completed', sent: 1 });
    });

    it('fails a stale claim as outcome_unknown, without a second send, when the channel cannot de-duplicate', async () => {
      // Prepare
      useChannel(new ScriptedChannel(clock, false));
      const p = await aBroadcastTo(['Ana']);
      await aCrashAfterAccept(p);
      clock.advance(LEASE_MS + 1000);

      // Act
      const { result } = await sendChunk(deps, p.message());

      // Assess
      expect(result).toBe('counted');
      expect(channel.received).toHaveLength(1);
      expect(await executionOf(p, 'Ana')).toMatchObject({ status: 'failed', reason: 'outcome_unknown' });
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({
        status: 'completed',
        failed: 1,
      });
    });

    it('leaves a claim that is still fresh to its holder: nothing sent again, nothing counted, the chunk looked at later', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana']);
      await aCrashAfterAccept(p);
      clock.advance(LEASE_MS - 1000);

      // Act
      const { result } = await sendChunk(deps, p.message());

      // Assess
      expect(result).toBe('retry_later');
      const [recheck] = takeChunks(deps);
      expect(recheck?.body).toEqual(p.message());
      expect(recheck?.delaySeconds).toBeGreaterThan(0);
      expect(channel.received).toHaveLength(1);
      expect(await executionOf(p, 'Ana')).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await isTallied(p)).toBe(false);
    });
  });

  describe('skips at send time', () => {
    it('skips a contact who opted out after planning', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana', 'Bia']);
      const bia = p.contact('Bia');
      await deps.contacts.replace({ ...bia, optedOut: true, optedOutAt: clock.now().toISOString() }, bia);

      // Act
      await sendChunk(deps, p.message());

      // Assess
      expect(channel.contactIds()).toEqual([p.contact('Ana').id]);
      expect(await executionOf(p, 'Bia')).toMatchObject({ status: 'skipped', reason: 'opted_out' });
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({
        sent: 1,
        skipped: 1,
        status: 'completed',
      });
    });

    it('skips a contact the template has no value for, naming the variable', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana', 'Nameless'], 0, (name) =>
        name === 'Nameless' ? { name: undefined, email: 'x@example.com' } : {},
      );
      const nameless = [...(await executionsOf(p)).values()].find((e) => e.contactId !== p.contact('Ana').id);

      // Act
      await sendChunk(deps, p.message());

      // Assess
      expect(channel.contactIds()).toEqual([p.contact('Ana').id]);
      const skipped = (await executionsOf(p)).get(nameless?.contactId as string);
      expect(skipped).toMatchObject({ status: 'skipped', reason: 'missing_variable' });
      expect(skipped?.error).toContain('contact.name');
    });

    it('sends nothing once the broadcast is cancelled, and counts everyone as skipped `cancelled`', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana', 'Bia', 'Caio']);
      await cancelBroadcast(deps, p.tenantId, p.broadcastId);

      // Act
      const report = await sendChunk(deps, p.message());

      // Assess
      expect(report).toMatchObject({ result: 'counted', sent: 0, skipped: 3 });
      expect(channel.received).toEqual([]);
      const executions = [...(await executionsOf(p)).values()];
      expect(executions.every((e) => e.status === 'skipped' && e.reason === 'cancelled')).toBe(true);
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({
        status: 'cancelled',
        skipped: 3,
        sending: 0,
      });
    });

    it('drops the chunk while the broadcast is paused: nothing sent, nothing changed, nothing counted', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana', 'Bia']);
      await pauseBroadcast(deps, p.tenantId, p.broadcastId);

      // Act
      const { result } = await sendChunk(deps, p.message());

      // Assess
      expect(result).toBe('dropped');
      expect(channel.received).toEqual([]);
      expect([...(await executionsOf(p)).values()].every((e) => e.status === 'pending' && e.attempts === 0)).toBe(true);
      expect(await isTallied(p)).toBe(false);
    });
  });

  describe('pacing', () => {
    it('does not send a chunk that arrives after its window, and re-queues it with a new slot', async () => {
      // Prepare: 60/min, chunks of 1.
      const p = await aBroadcastTo(['Ana', 'Bia'], 60);
      await paceBroadcast(deps, p.tenantId, p.broadcastId, 0);
      const [first, second] = takeChunks(deps);
      takePipeline(deps);
      clock.set(new Date((first?.body.slotAt as number) + SEND_WINDOW_MS).toISOString());
      const lateAt = clock.now().getTime();

      // Act
      const { result: late } = await sendChunk(deps, first?.body as SendChunkMessage);
      const [again] = takeChunks(deps);
      clock.set(new Date(again?.body.slotAt as number).toISOString());
      const { result: onTime } = await sendChunk(deps, again?.body as SendChunkMessage);

      // Assess
      expect(late).toBe('retry_later');
      expect(again?.body.chunk).toBe(first?.body.chunk);
      expect(again?.body.slotAt).toBeGreaterThanOrEqual(lateAt + 1000);
      expect(again?.body.slotAt).toBeGreaterThan(second?.body.slotAt as number);
      expect(again?.delaySeconds).toBe(Math.floor(((again?.body.slotAt as number) - lateAt) / 1000));
      expect(onTime).toBe('counted');
      expect(channel.received).toHaveLength(1);
      // Clocks tell whole milliseconds: the first one at or after the slot.
      expect(channel.received[0]?.at).toBe(Math.ceil(again?.body.slotAt as number));
    });

    it('prepares an early chunk before its slot (reads, lease, closures) and starts its first send at the slot', async () => {
      // Prepare: 1,200/min, chunks of 4. The chunk arrives 800 ms before its slot, as SQS's whole-second delays allow.
      const p = await aBroadcastTo(['Ana', 'Bia', 'Caio', 'Duda'], 1200);
      const slotAt = clock.now().getTime() + 800;
      const leaseTakenAt: number[] = [];
      const takeChunkLease = deps.executions.takeChunkLease.bind(deps.executions);
      deps.executions.takeChunkLease = (...args) => {
        leaseTakenAt.push(clock.now().getTime());
        return takeChunkLease(...args);
      };

      // Act
      const report = await sendChunk(deps, { ...p.message(), slotAt });

      // Assess: the lease was taken before the slot; the sender then only waited, and every send left at the slot.
      expect(p.run.chunkSize).toBe(4);
      expect(report).toMatchObject({ result: 'counted', sent: 4 });
      expect(leaseTakenAt).toHaveLength(1);
      expect(leaseTakenAt[0]).toBeLessThan(slotAt);
      expect(channel.received.map((r) => r.at)).toEqual([slotAt, slotAt, slotAt, slotAt]);
      expect(clock.slept.reduce((sum, ms) => sum + ms, 0)).toBe(800);
    });

    it('defers a chunk whose preparation ran past its window to a fresh slot, sending nothing, and then sends it', async () => {
      // Prepare: the lease write takes longer than the whole window (a stalled process).
      const p = await aBroadcastTo(['Ana', 'Bia'], 1200);
      const slotAt = clock.now().getTime() + 500;
      const takeChunkLease = deps.executions.takeChunkLease.bind(deps.executions);
      deps.executions.takeChunkLease = async (...args) => {
        const taken = await takeChunkLease(...args);
        clock.advance(500 + SEND_WINDOW_MS);
        return taken;
      };

      // Act
      const first = await sendChunk(deps, { ...p.message(), slotAt });
      const [again] = takeChunks(deps);
      deps.executions.takeChunkLease = takeChunkLease;
      clock.set(new Date(again?.body.slotAt as number).toISOString());
      const second = await sendChunk(deps, again?.body as SendChunkMessage);

      // Assess
      expect(first).toMatchObject({ result: 'retry_later', sent: 0 });
      expect(again?.body.slotAt).toBeGreaterThan(slotAt + SEND_WINDOW_MS);
      expect(second).toMatchObject({ result: 'counted', sent: 2 });
      expect(channel.received).toHaveLength(2);
      for (const { at } of channel.received) expect(at).toBe(Math.ceil(again?.body.slotAt as number));
    });

    it('re-queues a chunk that arrives well before its slot, without sending', async () => {
      // Prepare
      const p = await aBroadcastTo(['Ana'], 60);
      const slotAt = clock.now().getTime() + 10_000;

      // Act
      const { result } = await sendChunk(deps, { ...p.message(), slotAt });

      // Assess
      expect(result).toBe('retry_later');
      expect(channel.received).toEqual([]);
      expect(takeChunks(deps)).toEqual([{ body: { ...p.message(), slotAt }, delaySeconds: 10 }]);
    });

    it('keeps releasing the other chunks on schedule while one contact waits out a long retry-after', async () => {
      // Prepare: 60/min, chunks of 1: the first tick releases 29 of 31 chunks; Ana (chunk 0) is told to wait 10 min.
      const names = Array.from({ length: 31 }, (_, i) => `C${String(i).padStart(2, '0')}`);
      const p = await aBroadcastTo(names, 60);
      await paceBroadcast(deps, p.tenantId, p.broadcastId, 0);
      const released = takeChunks(deps);
      const [next] = takePipeline(deps);
      const [chunk0] = released;
      const inChunk0 = await deps.executions.listChunk(p.tenantId, p.broadcastId, 0);
      channel.script(inChunk0[0]?.contactId as string, {
        kind: 'transient',
        reason: 'HTTP 429',
        retryAfterMs: 600_000,
      });
      clock.set(new Date(chunk0?.body.slotAt as number).toISOString());
      expect((await sendChunk(deps, chunk0?.body as SendChunkMessage)).result).toBe('retry_later');
      const start = Date.parse('2025-01-15T12:00:00.000Z');
      clock.set(new Date(start + (next?.delaySeconds as number) * 1000).toISOString());
      const tickAt = clock.now().getTime();

      // Act
      await paceBroadcast(deps, p.tenantId, p.broadcastId, 1);

      // Assess
      const secondRelease = takeChunks(deps).filter((m) => m.body.chunk !== 0);
      expect(released).toHaveLength(29);
      expect(secondRelease.map((m) => m.body.chunk)).toEqual([29, 30]);
      for (const m of secondRelease) expect(m.body.slotAt).toBeLessThan(tickAt + RELEASE_HORIZON_MS);
    });
  });

  describe('finalize', () => {
    it('fails what is left as undeliverable (or outcome_unknown when claimed), sending nothing', async () => {
      // Prepare: Ana keeps failing transiently, Bia's sender died mid-send long ago, Caio is sent.
      const p = await aBroadcastTo(['Ana', 'Bia', 'Caio']);
      channel.script(p.contact('Ana').id, { kind: 'transient', reason: 'HTTP 503' });
      channel.script(p.contact('Bia').id, 'crash');
      const crashed = channel.whenCrashed();
      void sendChunk(deps, p.message());
      await crashed;
      // Work still running in the background of the crashed sender.
      await pollUntil(async () => (await executionOf(p, 'Ana'))?.status === 'pending', {
        timeoutMs: 2000,
        intervalMs: 20,
      });
      const sendsBefore = channel.received.length;
      clock.advance(LEASE_MS + 1000);

      // Act
      const { result } = await sendChunk(deps, { ...p.message(), finalize: true });

      // Assess
      expect(result).toBe('counted');
      expect(channel.received).toHaveLength(sendsBefore);
      const executions = await executionsOf(p);
      expect(executions.get(p.contact('Ana').id)).toMatchObject({
        status: 'failed',
        reason: 'undeliverable',
        error: 'HTTP 503',
      });
      expect(executions.get(p.contact('Bia').id)).toMatchObject({ status: 'failed', reason: 'outcome_unknown' });
      expect(executions.get(p.contact('Caio').id)).toMatchObject({ status: 'sent' });
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({
        status: 'completed',
        sent: 1,
        failed: 2,
      });
    });
  });

  describe('auto-pause', () => {
    it('pauses the broadcast when most of its first sends fail, and sends nothing more', async () => {
      // Prepare: two and a half chunks; every send is rejected.
      useChannel(new ScriptedChannel(clock), { autoPause: { window: 10, minSends: 4, failureRate: 0.5 } });
      channel.otherwise = { kind: 'permanent', reason: 'bad credentials' };
      const size = UNLIMITED_CHUNK_SIZE;
      const p = await aBroadcastTo(Array.from({ length: size * 2.5 }, (_, i) => `C${i}`));

      // Act
      const { result: first } = await sendChunk(deps, p.message(0));
      const { result: second } = await sendChunk(deps, p.message(1));

      // Assess
      expect([first, second]).toEqual(['counted', 'dropped']);
      expect(channel.received).toHaveLength(size);
      const stored = await deps.broadcasts.findById(p.tenantId, p.broadcastId);
      expect(stored).toMatchObject({ status: 'paused', failed: size, sent: 0 });
      expect(stored?.statusReason).toMatch(new RegExp(`^auto_paused: ${size} of the first ${size} sends failed`));
      expect(await published.names(p.tenantId)).toEqual(['broadcast.progress', 'broadcast.paused']);
    });

    it('keeps going when the failure share stays under the threshold', async () => {
      // Prepare
      useChannel(new ScriptedChannel(clock), { autoPause: { window: 10, minSends: 4, failureRate: 0.5 } });
      const p = await aBroadcastTo(Array.from({ length: 25 }, (_, i) => `C${i}`));
      const executions = await deps.executions.listChunk(p.tenantId, p.broadcastId, 0);
      for (const e of executions.slice(0, 5)) channel.script(e.contactId, { kind: 'permanent', reason: 'invalid' });

      // Act
      await sendChunk(deps, p.message());

      // Assess
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({
        status: 'completed',
        failed: 5,
        sent: 20,
      });
    });
  });

  describe('completion', () => {
    it('completes the broadcast exactly once when its last chunks are counted at the same time', async () => {
      // Prepare: a full chunk 0 and a chunk 1 of 5.
      const audience = UNLIMITED_CHUNK_SIZE + 5;
      const p = await aBroadcastTo(Array.from({ length: audience }, (_, i) => `C${i}`));

      // Act
      const results = (await Promise.all([sendChunk(deps, p.message(0)), sendChunk(deps, p.message(1))])).map(
        (r) => r.result,
      );
      const { result: duplicate } = await sendChunk(deps, p.message(1));

      // Assess
      expect(results).toEqual(['counted', 'counted']);
      expect(duplicate).toBe('dropped');
      expect(await completedEvents(p)).toBe(1);
      expect(channel.received).toHaveLength(audience);
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({
        status: 'completed',
        totalContacts: audience,
        sent: audience,
        sending: 0,
      });
    });

    it('sends each contact once when two copies of a chunk are processed at the same time, and counts the chunk', async () => {
      // Prepare
      const p = await aBroadcastTo(Array.from({ length: 25 }, (_, i) => `C${i}`));

      // Act
      const results = (await Promise.all([sendChunk(deps, p.message()), sendChunk(deps, p.message())])).map(
        (r) => r.result,
      );

      // Assess
      const sent = channel.contactIds();
      expect(new Set(sent).size).toBe(sent.length);
      expect(sent).toHaveLength(25);
      expect(results).toContain('counted');
      expect(await isTallied(p)).toBe(true);
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({
        status: 'completed',
        sent: 25,
      });
    });
  });

  describe('races with cancel', () => {
    it('leaves a send in flight to its sender when the cancel drain runs: it is recorded as sent and counted once', async () => {
      // Prepare: the sender has claimed Ana and Bia; while Ana's send is in flight the broadcast is cancelled
      // and the drain runs.
      const p = await aBroadcastTo(['Ana', 'Bia']);
      let drained: unknown;
      channel.whileSending = async (message) => {
        if (message.contact.id !== p.contact('Ana').id) return;
        channel.whileSending = undefined;
        await cancelBroadcast(deps, p.tenantId, p.broadcastId);
        drained = (await sendChunk(deps, p.message())).result;
      };

      // Act
      const { result } = await sendChunk(deps, p.message());
      const [recheck] = takeChunks(deps);
      const { result: later } = await sendChunk(deps, recheck?.body as SendChunkMessage);

      // Assess
      expect(drained).toBe('retry_later');
      expect([result, later]).toEqual(['counted', 'counted']);
      const ana = await executionOf(p, 'Ana');
      expect(ana).toMatchObject({ status: 'sent' });
      expect(ana?.messageId).toBeDefined();
      expect(await deps.broadcasts.findById(p.tenantId, p.broadcastId)).toMatchObject({
        status: 'cancelled',
        sent: 2,
        skipped: 0,
        sending: 0,
      });
      expect(await deps.runs.get(p.tenantId, p.broadcastId)).toMatchObject({ talliedChunks: 1, talliedContacts: 2 });
    });
  });
});
