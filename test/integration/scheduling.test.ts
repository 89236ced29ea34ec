import { randomUUID } from 'node:crypto';
import type { Broadcast } from '../../lib/domain/broadcast.js';
import { InvalidTransitionError } from '../../lib/domain/errors.js';
import {
  createBroadcast,
  scheduleBroadcast,
  unscheduleBroadcast,
  updateBroadcast,
} from '../../lib/use-cases/broadcast-commands.js';
import { createContactList } from '../../lib/use-cases/contact-list-commands.js';
import { cancelBroadcast, startBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import { startScheduledBroadcast } from '../../lib/use-cases/start-scheduled.js';
import { sweepScheduledBroadcasts } from '../../lib/use-cases/sweep-scheduled.js';
import { readingTogether } from '../support/barrier.js';
import { aBroadcast, storeBroadcast } from '../support/builders.js';
import {
  buildTestDeps,
  createTestTable,
  newTenantId,
  type TestDeps,
  type TestTable,
  testTableForFile,
} from '../support/dynamodb.js';
import { PublishedEvents } from '../support/published-events.js';

// Issue 4 section 1: the scheduler wired into the use cases, the start message, the sweeper, on DynamoDB Local.

const T0 = '2025-01-15T12:00:00.000Z';
const AT = '2025-01-15T13:00:00.000Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const table = testTableForFile({ stream: true });
let deps: TestDeps;
let published: PublishedEvents;

beforeEach(async () => {
  deps = buildTestDeps(table);
  deps.clock.set(T0);
  published = await PublishedEvents.watch(table);
});

async function aScheduled(
  on: TestDeps = deps,
  scheduledFor = AT,
  extra: { timezone?: string; tenantId?: string } = {},
): Promise<Broadcast> {
  const tenantId = extra.tenantId ?? newTenantId();
  const list = await createContactList(on, tenantId, { name: 'audience', isDynamic: true, filters: {} });
  return createBroadcast(on, tenantId, {
    name: 'Weekly Newsletter',
    listId: list.id,
    messageTemplate: { type: 'text', content: 'Hi {{contact.name}}, {{current_date}}' },
    rateLimit: 60,
    scheduledFor,
    ...(extra.timezone ? { timezone: extra.timezone } : {}),
  });
}

function startMessageOf(broadcast: Broadcast) {
  return { tenantId: broadcast.tenantId, broadcastId: broadcast.id, scheduledFor: broadcast.scheduledFor as string };
}

/** The pipeline steps queued for a broadcast (a start queues one plan and one pace message). */
function stepsFor(on: TestDeps, broadcastId: string): string[] {
  return on.queue.pipeline.filter((p) => p.message.broadcastId === broadcastId).map((p) => p.message.type);
}

/** The names of the events published about a broadcast. */
async function eventsFor(from: PublishedEvents, broadcastId: string): Promise<string[]> {
  return (await from.events()).filter((e) => e.detail.broadcast_id === broadcastId).map((e) => e.name);
}

describe('the scheduler, kept in step by the use cases', () => {
  it('creates the schedule of a broadcast created with scheduled_for (with an offset), in its time zone', async () => {
    // Act
    const broadcast = await aScheduled(deps, '2025-01-15T10:00:00-03:00', { timezone: 'America/Sao_Paulo' });

    // Assess
    expect(broadcast).toMatchObject({ status: 'scheduled', scheduledFor: AT, timezone: 'America/Sao_Paulo' });
    expect(await deps.broadcasts.findById(broadcast.tenantId, broadcast.id)).toEqual(broadcast);
    expect(deps.scheduler.callsFor(broadcast.id)).toEqual([
      {
        op: 'schedule',
        tenantId: broadcast.tenantId,
        broadcastId: broadcast.id,
        scheduledFor: AT,
        timezone: 'America/Sao_Paulo',
      },
    ]);
  });

  it('schedules on POST schedule, deletes on unschedule, schedules again for the new time', async () => {
    // Prepare
    const broadcast = await aScheduled();
    const { tenantId, id } = broadcast;

    // Act
    await unscheduleBroadcast(deps, tenantId, id);
    await updateBroadcast(deps, tenantId, id, { timezone: 'Asia/Kolkata' });
    await scheduleBroadcast(deps, tenantId, id, '2025-01-16T09:00:00Z');

    // Assess
    expect(deps.scheduler.callsFor(id)).toEqual([
      { op: 'schedule', tenantId, broadcastId: id, scheduledFor: AT },
      { op: 'unschedule', tenantId, broadcastId: id },
      {
        op: 'schedule',
        tenantId,
        broadcastId: id,
        scheduledFor: '2025-01-16T09:00:00.000Z',
        timezone: 'Asia/Kolkata',
      },
    ]);
  });

  it('deletes the schedule when a scheduled broadcast is cancelled or executed, and only then', async () => {
    // Prepare
    const cancelled = await aScheduled();
    const executed = await aScheduled();
    const running = await aScheduled();
    await startBroadcast(deps, running.tenantId, running.id);
    deps.scheduler.calls.length = 0;

    // Act
    await cancelBroadcast(deps, cancelled.tenantId, cancelled.id);
    await startBroadcast(deps, executed.tenantId, executed.id);
    await cancelBroadcast(deps, running.tenantId, running.id);

    // Assess
    expect(deps.scheduler.calls).toEqual([
      { op: 'unschedule', tenantId: cancelled.tenantId, broadcastId: cancelled.id },
      { op: 'unschedule', tenantId: executed.tenantId, broadcastId: executed.id },
    ]);
    // The cancelled running broadcast drains through its pacer, as before.
    expect(stepsFor(deps, running.id)).toEqual(['plan', 'pace', 'pace']);
  });

  it('never asks the scheduler about a draft executed or a create without scheduled_for', async () => {
    // Prepare
    const tenantId = newTenantId();
    const list = await createContactList(deps, tenantId, { name: 'audience', isDynamic: true, filters: {} });
    const draft = await createBroadcast(deps, tenantId, {
      name: 'Now',
      listId: list.id,
      messageTemplate: { type: 'text', content: 'Hi' },
      rateLimit: 0,
    });

    // Act
    await startBroadcast(deps, tenantId, draft.id);

    // Assess
    expect(deps.scheduler.callsFor(draft.id)).toEqual([]);
  });

  it('keeps a committed change when the scheduler fails: the table is the truth, the sweeper the safety net', async () => {
    // Prepare
    deps.scheduler.failing = new Error('Scheduler is down');

    // Act
    const scheduled = await aScheduled();
    const unscheduled = await aScheduled();
    const draft = await unscheduleBroadcast(deps, unscheduled.tenantId, unscheduled.id);
    const cancelled = await cancelBroadcast(deps, scheduled.tenantId, scheduled.id);

    // Assess
    expect(draft.status).toBe('draft');
    expect(cancelled.status).toBe('cancelled');
    expect((await deps.broadcasts.findById(scheduled.tenantId, scheduled.id))?.status).toBe('cancelled');
    expect(deps.scheduler.calls.map((c) => c.op)).toEqual(['schedule', 'schedule', 'unschedule', 'unschedule']);
  });
});

describe('startScheduledBroadcast (the start message)', () => {
  it('starts a broadcast that is still scheduled for that time: one run, the planner and pacer set going', async () => {
    // Prepare
    const broadcast = await aScheduled();
    deps.clock.set('2025-01-15T13:00:30.000Z');

    // Act
    const outcome = await startScheduledBroadcast(deps, startMessageOf(broadcast));

    // Assess
    expect(outcome).toBe('started');
    const stored = await deps.broadcasts.findById(broadcast.tenantId, broadcast.id);
    expect(stored).toMatchObject({ status: 'running', startedAt: '2025-01-15T13:00:30.000Z', scheduledFor: AT });
    expect(await deps.runs.get(broadcast.tenantId, broadcast.id)).toBeDefined();
    expect(stepsFor(deps, broadcast.id)).toEqual(['plan', 'pace']);
    expect(await eventsFor(published, broadcast.id)).toEqual([
      'broadcast.created',
      'broadcast.scheduled',
      'broadcast.started',
    ]);
    // The schedule fired and deletes itself: nothing to unschedule.
    expect(deps.scheduler.callsFor(broadcast.id).map((c) => c.op)).toEqual(['schedule']);
  });

  it('ignores the same start message delivered again: no second run, no error to retry', async () => {
    // Prepare
    const broadcast = await aScheduled();
    deps.clock.set(AT);
    await startScheduledBroadcast(deps, startMessageOf(broadcast));

    // Act
    const again = await startScheduledBroadcast(deps, startMessageOf(broadcast));

    // Assess
    expect(again).toBe('not_scheduled');
    expect(stepsFor(deps, broadcast.id)).toEqual(['plan', 'pace']);
    expect((await eventsFor(published, broadcast.id)).filter((e) => e === 'broadcast.started')).toHaveLength(1);
  });

  it('ignores the start of an unscheduled, cancelled, executed or unknown broadcast', async () => {
    // Prepare
    const [unscheduled, cancelled, executed] = [await aScheduled(), await aScheduled(), await aScheduled()];
    await unscheduleBroadcast(deps, unscheduled.tenantId, unscheduled.id);
    await cancelBroadcast(deps, cancelled.tenantId, cancelled.id);
    await startBroadcast(deps, executed.tenantId, executed.id);
    deps.clock.set(AT);

    // Act
    const outcomes = [
      await startScheduledBroadcast(deps, startMessageOf(unscheduled)),
      await startScheduledBroadcast(deps, startMessageOf(cancelled)),
      await startScheduledBroadcast(deps, startMessageOf(executed)),
      await startScheduledBroadcast(deps, { ...startMessageOf(executed), broadcastId: randomUUID() }),
    ];

    // Assess
    expect(outcomes).toEqual(['not_scheduled', 'not_scheduled', 'not_scheduled', 'not_scheduled']);
    expect((await deps.broadcasts.findById(unscheduled.tenantId, unscheduled.id))?.status).toBe('draft');
    expect((await deps.broadcasts.findById(cancelled.tenantId, cancelled.id))?.status).toBe('cancelled');
    expect(stepsFor(deps, unscheduled.id)).toEqual([]);
    expect(stepsFor(deps, executed.id)).toEqual(['plan', 'pace']);
  });

  it("ignores a stale schedule's start: the broadcast was scheduled again for another time", async () => {
    // Prepare
    const broadcast = await aScheduled();
    await unscheduleBroadcast(deps, broadcast.tenantId, broadcast.id);
    await scheduleBroadcast(deps, broadcast.tenantId, broadcast.id, '2025-01-16T13:00:00.000Z');
    deps.clock.set(AT);

    // Act
    const outcome = await startScheduledBroadcast(deps, startMessageOf(broadcast));

    // Assess
    expect(outcome).toBe('stale');
    expect(await deps.broadcasts.findById(broadcast.tenantId, broadcast.id)).toMatchObject({
      status: 'scheduled',
      scheduledFor: '2025-01-16T13:00:00.000Z',
    });
    expect(stepsFor(deps, broadcast.id)).toEqual([]);
  });

  it('does not start a broadcast rescheduled between its read and its start (the start is conditional on the time)', async () => {
    // Prepare: the broadcast is unscheduled and scheduled again for tomorrow right after the start message read it.
    const broadcast = await aScheduled();
    deps.clock.set(AT);
    let interleaved = false;
    const reschedule = async () => {
      interleaved = true;
      await unscheduleBroadcast(deps, broadcast.tenantId, broadcast.id);
      deps.clock.set(T0);
      await scheduleBroadcast(deps, broadcast.tenantId, broadcast.id, '2025-01-16T13:00:00.000Z');
      deps.clock.set(AT);
    };
    const broadcasts = Object.create(deps.broadcasts);
    broadcasts.findById = async (tenantId: string, id: string) => {
      const read = await deps.broadcasts.findById(tenantId, id);
      if (!interleaved) await reschedule();
      return read;
    };

    // Act
    const outcome = await startScheduledBroadcast({ ...deps, broadcasts }, startMessageOf(broadcast));

    // Assess
    expect(outcome).toBe('stale');
    expect(await deps.broadcasts.findById(broadcast.tenantId, broadcast.id)).toMatchObject({
      status: 'scheduled',
      scheduledFor: '2025-01-16T13:00:00.000Z',
    });
    expect(await deps.runs.get(broadcast.tenantId, broadcast.id)).toBeUndefined();
  });

  it('puts an early start back on the queue for the time that is left, and starts nothing', async () => {
    // Prepare
    const broadcast = await aScheduled();
    deps.clock.set('2025-01-15T12:59:58.500Z');

    // Act
    const outcome = await startScheduledBroadcast(deps, startMessageOf(broadcast));

    // Assess
    expect(outcome).toBe('postponed');
    expect(deps.queue.pipeline.filter((p) => p.message.broadcastId === broadcast.id)).toEqual([
      { message: { type: 'start', ...startMessageOf(broadcast) }, delaySeconds: 2 },
    ]);
    expect((await deps.broadcasts.findById(broadcast.tenantId, broadcast.id))?.status).toBe('scheduled');
  });

  it('fails a broadcast more than the allowed lateness late as schedule_expired instead of sending it', async () => {
    // Prepare
    const broadcast = await aScheduled();
    deps.clock.set(new Date(Date.parse(AT) + DAY + 1000).toISOString());

    // Act
    const outcome = await startScheduledBroadcast(deps, startMessageOf(broadcast));

    // Assess
    expect(outcome).toBe('expired');
    const stored = await deps.broadcasts.findById(broadcast.tenantId, broadcast.id);
    expect(stored).toMatchObject({ status: 'failed', statusReason: 'schedule_expired', scheduledFor: AT });
    expect(stored?.startedAt).toBeUndefined();
    expect(await deps.runs.get(broadcast.tenantId, broadcast.id)).toBeUndefined();
    expect(stepsFor(deps, broadcast.id)).toEqual([]);
    const failed = (await published.events()).find(
      (e) => e.name === 'broadcast.failed' && e.detail.broadcast_id === broadcast.id,
    );
    expect(failed?.detail).toMatchObject({ status: 'failed', reason: 'schedule_expired' });
    expect((await deps.broadcasts.findScheduledReady(new Date('2030-01-01'), 1000)).map((b) => b.id)).not.toContain(
      broadcast.id,
    );
  });

  it('starts one exactly the allowed lateness late', async () => {
    const broadcast = await aScheduled();
    deps.clock.set(new Date(Date.parse(AT) + DAY).toISOString());
    expect(await startScheduledBroadcast(deps, startMessageOf(broadcast))).toBe('started');
  });

  it('fails a broadcast that cannot start at all (its channel is gone) with the reason, rather than retrying all day', async () => {
    // Prepare: stored directly, naming a channel the tenant does not have.
    const tenantId = newTenantId();
    const broadcast = aBroadcast(tenantId, { status: 'scheduled', scheduledFor: AT, channelId: randomUUID() });
    await storeBroadcast(deps, broadcast);
    deps.clock.set(AT);

    // Act
    const outcome = await startScheduledBroadcast(deps, startMessageOf(broadcast));

    // Assess
    expect(outcome).toBe('failed');
    expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({
      status: 'failed',
      statusReason: 'start_failed: broadcast.unknown_channel',
    });
  });

  it('gives one run when the schedule firing, the sweeper and a manual execute race each other', async () => {
    for (let round = 0; round < 5; round++) {
      // Prepare: a table of its own, so the sweeper sees this broadcast only; all three read before any writes.
      const own = await createTestTable({ stream: true });
      try {
        const ownDeps = buildTestDeps(own);
        const ownPublished = await PublishedEvents.watch(own);
        ownDeps.clock.set(T0);
        const broadcast = await aScheduled(ownDeps);
        ownDeps.clock.set('2025-01-15T13:00:05.000Z');
        const racing = { ...ownDeps, broadcasts: readingTogether(ownDeps.broadcasts, 'findById', 3) };

        // Act
        const [fired, swept, executed] = await Promise.allSettled([
          startScheduledBroadcast(racing, startMessageOf(broadcast)),
          sweepScheduledBroadcasts(racing),
          startBroadcast(racing, broadcast.tenantId, broadcast.id),
        ]);

        // Assess
        const started = [
          fired.status === 'fulfilled' && fired.value === 'started',
          swept.status === 'fulfilled' && swept.value.outcomes.started === 1,
          executed.status === 'fulfilled',
        ];
        expect(started.filter(Boolean)).toHaveLength(1);
        if (fired.status === 'fulfilled' && fired.value !== 'started') expect(fired.value).toBe('not_scheduled');
        if (swept.status === 'fulfilled') {
          expect(swept.value.errors).toEqual([]);
          expect(swept.value.outcomes.started + swept.value.outcomes.not_scheduled).toBe(1);
        }
        expect(fired.status).toBe('fulfilled');
        expect(swept.status).toBe('fulfilled');
        if (executed.status === 'rejected') expect(executed.reason).toBeInstanceOf(InvalidTransitionError);
        expect(stepsFor(ownDeps, broadcast.id)).toEqual(['plan', 'pace']);
        expect((await eventsFor(ownPublished, broadcast.id)).filter((e) => e === 'broadcast.started')).toHaveLength(1);
        expect((await ownDeps.broadcasts.findById(broadcast.tenantId, broadcast.id))?.status).toBe('running');
      } finally {
        await own.release();
      }
    }
  });
});

describe('sweepScheduledBroadcasts (the sweeper)', () => {
  // The sweeper reads the whole (cross-tenant) index: each test gets a table of its own.
  let own: TestTable;
  let sweepDeps: TestDeps;

  beforeEach(async () => {
    own = await createTestTable();
    sweepDeps = buildTestDeps(own);
    sweepDeps.clock.set(T0);
  });

  afterEach(async () => {
    await own.release();
  });

  it('starts the overdue ones, expires the far-too-late ones, leaves the rest alone', async () => {
    // Prepare
    const status = async (b: Broadcast) => (await sweepDeps.broadcasts.findById(b.tenantId, b.id))?.status;
    const overdue = await aScheduled(sweepDeps, '2025-01-16T09:00:00.000Z');
    const dueNow = await aScheduled(sweepDeps, '2025-01-16T13:00:00.000Z');
    const tooLate = await aScheduled(sweepDeps, '2025-01-15T12:30:00.000Z'); // 24.5 h late at the sweep
    const future = await aScheduled(sweepDeps, '2025-01-16T13:00:00.001Z');
    const unscheduled = await aScheduled(sweepDeps, '2025-01-16T08:00:00.000Z');
    const cancelled = await aScheduled(sweepDeps, '2025-01-16T08:00:00.000Z');
    const executed = await aScheduled(sweepDeps, '2025-01-16T08:00:00.000Z');
    await unscheduleBroadcast(sweepDeps, unscheduled.tenantId, unscheduled.id);
    await cancelBroadcast(sweepDeps, cancelled.tenantId, cancelled.id);
    await startBroadcast(sweepDeps, executed.tenantId, executed.id);
    sweepDeps.queue.pipeline.length = 0;
    sweepDeps.clock.set('2025-01-16T13:00:00.000Z');

    // Act
    const report = await sweepScheduledBroadcasts(sweepDeps);

    // Assess
    expect(report).toEqual({
      outcomes: { started: 2, expired: 1, failed: 0, postponed: 0, not_scheduled: 0, stale: 0 },
      errors: [],
      unfinished: false,
    });
    expect([await status(overdue), await status(dueNow), await status(tooLate)]).toEqual([
      'running',
      'running',
      'failed',
    ]);
    expect((await sweepDeps.broadcasts.findById(tooLate.tenantId, tooLate.id))?.statusReason).toBe('schedule_expired');
    expect([await status(future), await status(unscheduled), await status(cancelled), await status(executed)]).toEqual([
      'scheduled',
      'draft',
      'cancelled',
      'running',
    ]);
    expect(sweepDeps.queue.pipeline.map((p) => p.message.broadcastId).sort()).toEqual(
      [overdue.id, overdue.id, dueNow.id, dueNow.id].sort(),
    );

    // A second sweep finds nothing left to do.
    expect((await sweepScheduledBroadcasts(sweepDeps)).outcomes).toEqual({
      started: 0,
      expired: 0,
      failed: 0,
      postponed: 0,
      not_scheduled: 0,
      stale: 0,
    });
  });

  it('pages through many due broadcasts, past one it cannot deal with, and reports that one', async () => {
    // Prepare: seven due broadcasts; the channel lookup of one of them fails (an outage, not bad data).
    const due: Broadcast[] = [];
    for (let i = 0; i < 7; i++) due.push(await aScheduled(sweepDeps, `2025-01-15T13:0${i}:00.000Z`));
    const unlucky = due[2] as Broadcast;
    const channels = Object.create(sweepDeps.channels);
    channels.findDefault = async (tenantId: string) => {
      if (tenantId === unlucky.tenantId) throw new Error('DynamoDB is having a bad day');
      return sweepDeps.channels.findDefault(tenantId);
    };
    sweepDeps.clock.set('2025-01-15T14:00:00.000Z');

    // Act
    const report = await sweepScheduledBroadcasts({ ...sweepDeps, channels }, { pageSize: 2, concurrency: 2 });

    // Assess
    expect(report.outcomes.started).toBe(6);
    expect(report.errors).toEqual([
      { tenantId: unlucky.tenantId, broadcastId: unlucky.id, error: new Error('DynamoDB is having a bad day') },
    ]);
    for (const b of due) {
      expect((await sweepDeps.broadcasts.findById(b.tenantId, b.id))?.status).toBe(
        b === unlucky ? 'scheduled' : 'running',
      );
    }

    // The next sweep, with the outage over, starts it.
    expect((await sweepScheduledBroadcasts(sweepDeps)).outcomes.started).toBe(1);
  });

  it('stops taking pages when the invocation is about to time out, and says so', async () => {
    // Prepare
    for (let i = 0; i < 3; i++) await aScheduled(sweepDeps, `2025-01-15T13:0${i}:00.000Z`);
    sweepDeps.clock.set('2025-01-15T14:00:00.000Z');
    let timeLeft = 60_000;

    // Act
    const report = await sweepScheduledBroadcasts(sweepDeps, {
      pageSize: 1,
      timeLeftMs: () => {
        timeLeft -= 25_000;
        return timeLeft;
      },
    });

    // Assess
    expect(report.unfinished).toBe(true);
    expect(report.outcomes.started).toBe(2);
  });
});

describe('findScheduledReady paging', () => {
  it('goes on after a given broadcast, in due order', async () => {
    // Prepare: dates in 2002 keep clear of the other tests' broadcasts in this shared table.
    const tenantId = newTenantId();
    const stored: Broadcast[] = [];
    for (let i = 0; i < 5; i++) {
      const b = aBroadcast(tenantId, { status: 'scheduled', scheduledFor: `2002-01-0${5 - i}T00:00:00.000Z` });
      await storeBroadcast(deps, b);
      stored.push(b);
    }
    const bound = new Date('2002-01-31T00:00:00.000Z');
    const inOrder = [...stored].reverse().map((b) => b.id);

    // Act
    const pages: string[][] = [];
    let after: Broadcast | undefined;
    for (;;) {
      const page = await deps.broadcasts.findScheduledReady(bound, 2, after);
      pages.push(page.map((b) => b.id));
      if (page.length < 2) break;
      after = page[page.length - 1];
    }

    // Assess
    expect(pages.flat().filter((id) => inOrder.includes(id))).toEqual(inOrder);
    expect(pages.slice(0, 2).map((p) => p.length)).toEqual([2, 2]);
  });
});
