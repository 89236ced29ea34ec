import { setTimeout as sleep } from 'node:timers/promises';
import type { Broadcast } from '../../../lib/domain/broadcast.js';
import type { ScheduledPosition } from '../../../lib/ports/broadcast-repository.js';
import type { PipelineMessage } from '../../../lib/ports/message-queue.js';
import { LocalScheduler } from '../../../local/local-scheduler.js';
import { aBroadcast } from '../../support/builders.js';

/** Records start messages with the time they were put on the queue. */
class RecordingQueue {
  readonly sent: { message: PipelineMessage; at: number }[] = [];
  async sendPipeline(message: PipelineMessage): Promise<void> {
    this.sent.push({ message, at: Date.now() });
  }
}

let counter = 0;
function scheduledIn(ms: number, extra: Partial<Broadcast> = {}): Broadcast {
  counter++;
  return aBroadcast('acme', {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    name: 'Weekly',
    listId: 'l-1',
    messageTemplate: { type: 'text', content: 'Hi' },
    status: 'scheduled',
    scheduledFor: new Date(Date.now() + ms).toISOString(),
    rateLimit: 0,
    version: 2,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  });
}

/** A repository holding `broadcasts`, paged as the real one is. */
function repositoryOf(broadcasts: Broadcast[]) {
  const calls: (ScheduledPosition | undefined)[] = [];
  return {
    calls,
    async findScheduledReady(now: Date, limit: number, after?: ScheduledPosition) {
      calls.push(after);
      const due = broadcasts
        .filter((b) => Date.parse(b.scheduledFor as string) <= now.getTime())
        .sort((a, b) => (a.scheduledFor as string).localeCompare(b.scheduledFor as string));
      const start = after ? due.findIndex((b) => b.id === after.id) + 1 : 0;
      return due.slice(start, start + limit);
    },
  };
}

const noSweep = { sweep: async () => undefined, sweepEveryMs: 60_000 };

describe('LocalScheduler', () => {
  let scheduler: LocalScheduler;
  let queue: RecordingQueue;

  beforeEach(() => {
    queue = new RecordingQueue();
    scheduler = new LocalScheduler(queue);
  });

  afterEach(async () => {
    await scheduler.stop();
  });

  it('puts the start message on the pipeline queue at the broadcast time, not before', async () => {
    // Prepare
    const broadcast = scheduledIn(150);

    // Act
    await scheduler.schedule(broadcast);
    await sleep(400);

    // Assess
    expect(queue.sent.map((s) => s.message)).toEqual([
      { type: 'start', tenantId: 'acme', broadcastId: broadcast.id, scheduledFor: broadcast.scheduledFor },
    ]);
    const lateness = (queue.sent[0]?.at ?? 0) - Date.parse(broadcast.scheduledFor as string);
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(scheduler.armed).toBe(0);
  });

  it('never fires an unscheduled broadcast, and fires a rescheduled one once, at its new time', async () => {
    // Prepare
    const unscheduled = scheduledIn(100);
    const moved = scheduledIn(100);
    const movedLater = { ...moved, scheduledFor: new Date(Date.now() + 250).toISOString() };

    // Act
    await scheduler.schedule(unscheduled);
    await scheduler.schedule(moved);
    await scheduler.unschedule('acme', unscheduled.id);
    await scheduler.schedule(movedLater);
    await sleep(450);

    // Assess
    expect(queue.sent.map((s) => s.message)).toEqual([
      { type: 'start', tenantId: 'acme', broadcastId: moved.id, scheduledFor: movedLater.scheduledFor },
    ]);
    await expect(scheduler.unschedule('acme', moved.id)).resolves.toBeUndefined();
  });

  it('fires an overdue broadcast at once', async () => {
    const overdue = scheduledIn(-60_000);
    await scheduler.schedule(overdue);
    await sleep(50);
    expect(queue.sent.map((s) => s.message.broadcastId)).toEqual([overdue.id]);
  });

  it('re-arms every scheduled broadcast of the table at start, page by page', async () => {
    // Prepare: more than a page (100), some overdue, some ahead, one far ahead.
    const overdue = Array.from({ length: 120 }, (_, i) => scheduledIn(-1000 - i));
    const soon = scheduledIn(150);
    const farAhead = scheduledIn(90 * 86_400_000);
    const repository = repositoryOf([...overdue, soon, farAhead]);

    // Act
    const rearmed = await scheduler.start({ broadcasts: repository, ...noSweep });
    await sleep(400);

    // Assess
    expect(rearmed).toBe(122);
    expect(repository.calls.length).toBe(2);
    const fired = queue.sent.map((s) => s.message.broadcastId).sort();
    expect(fired).toEqual([...overdue, soon].map((b) => b.id).sort());
    expect(scheduler.armed).toBe(1);
  });

  it('sweeps every sweepEveryMs, one sweep at a time', async () => {
    // Prepare
    let sweeps = 0;
    let running = 0;
    let overlapping = false;
    const sweep = async () => {
      sweeps++;
      running++;
      if (running > 1) overlapping = true;
      await sleep(120);
      running--;
    };

    // Act
    await scheduler.start({ broadcasts: repositoryOf([]), sweep, sweepEveryMs: 50 });
    await sleep(400);

    // Assess
    expect(sweeps).toBeGreaterThanOrEqual(2);
    expect(overlapping).toBe(false);
  });

  it('stop() clears every timer: nothing fires afterwards, and later schedules are ignored', async () => {
    // Prepare
    let sweeps = 0;
    await scheduler.start({
      broadcasts: repositoryOf([]),
      sweep: async () => {
        sweeps++;
      },
      sweepEveryMs: 30,
    });
    await scheduler.schedule(scheduledIn(100));

    // Act
    await scheduler.stop();
    const sweepsAtStop = sweeps;
    await scheduler.schedule(scheduledIn(50));
    await sleep(250);

    // Assess
    expect(queue.sent).toEqual([]);
    expect(sweeps).toBe(sweepsAtStop);
    expect(scheduler.armed).toBe(0);
  });

  it('keeps going when the queue refuses a start message (the sweeper makes up for it)', async () => {
    // Prepare
    const failing = new LocalScheduler({
      sendPipeline: async () => {
        throw new Error('queue down');
      },
    });
    const broadcast = scheduledIn(0);

    // Act
    await failing.schedule(broadcast);
    await sleep(50);

    // Assess
    await expect(failing.stop()).resolves.toBeUndefined();
  });
});
