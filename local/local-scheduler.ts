import type { Broadcast } from '../lib/domain/broadcast.js';
import { logger } from '../lib/observability/logger.js';
import type { BroadcastRepository, ScheduledPosition } from '../lib/ports/broadcast-repository.js';
import { type BroadcastScheduler, startMessageFor } from '../lib/ports/broadcast-scheduler.js';
import type { MessageQueue, StartMessage } from '../lib/ports/message-queue.js';

/** setTimeout's longest delay (about 24.8 days); a later schedule waits in hops. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Scheduled broadcasts read per query when re-arming at start. */
const REARM_PAGE = 100;
/** A bound later than any schedule: every scheduled broadcast is "due" before it. */
const FAR_FUTURE = new Date('9999-12-31T23:59:59.999Z');

export interface LocalSchedulerStartOptions {
  /** Where the scheduled broadcasts are read from to re-arm them. */
  broadcasts: Pick<BroadcastRepository, 'findScheduledReady'>;
  /** The sweeper (locally: the sweeper function's handler, invoked as Lambda would). */
  sweep: () => Promise<unknown>;
  sweepEveryMs: number;
}

/**
 * EventBridge Scheduler's stand-in for the local runtime, behind the same port: one timer per scheduled
 * broadcast that puts the same start message on the pipeline queue at its time (Node timers fire within
 * milliseconds of it), and a periodic sweeper as in AWS. Timers live in memory, so start() re-arms every
 * scheduled broadcast of the table (with DATA_DIR, those of the previous run): overdue ones fire at once, and
 * the start message decides, as in AWS, whether they start or expire.
 */
export class LocalScheduler implements BroadcastScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly queue: Pick<MessageQueue, 'sendPipeline'>,
    private readonly now: () => number = Date.now,
  ) {}

  async schedule(broadcast: Broadcast): Promise<void> {
    this.arm(startMessageFor(broadcast));
  }

  async unschedule(tenantId: string, broadcastId: string): Promise<void> {
    const key = keyOf(tenantId, broadcastId);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  /** Re-arms what the table holds, then sweeps every `sweepEveryMs`. Resolves once re-armed; returns the count. */
  async start(options: LocalSchedulerStartOptions): Promise<number> {
    let rearmed = 0;
    let after: ScheduledPosition | undefined;
    for (;;) {
      const page = await options.broadcasts.findScheduledReady(FAR_FUTURE, REARM_PAGE, after);
      for (const broadcast of page) {
        this.arm(startMessageFor(broadcast));
        rearmed++;
      }
      if (page.length < REARM_PAGE) break;
      after = page[page.length - 1];
    }
    if (!this.stopped) {
      this.sweeper = setInterval(() => this.sweepOnce(options.sweep), options.sweepEveryMs);
      this.sweeper.unref();
    }
    return rearmed;
  }

  /** Clears every timer and waits for start messages and a sweep already under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight, ...(this.sweeping ? [this.sweeping] : [])]);
  }

  /** Broadcasts with a timer armed (for tests and diagnostics). */
  get armed(): number {
    return this.timers.size;
  }

  private arm(message: StartMessage): void {
    if (this.stopped) return;
    const key = keyOf(message.tenantId, message.broadcastId);
    clearTimeout(this.timers.get(key));
    const wait = Date.parse(message.scheduledFor) - this.now();
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        // Node may run a timer a millisecond early, and a long wait goes in hops: never fire before the time.
        if (Date.parse(message.scheduledFor) > this.now()) this.arm(message);
        else this.fire(message);
      },
      Math.max(0, Math.min(wait, MAX_TIMER_MS)),
    );
    // A pending schedule never keeps the process alive on its own (tests, a Ctrl-C'd server).
    timer.unref();
    this.timers.set(key, timer);
  }

  private fire(message: StartMessage): void {
    const sending = this.queue.sendPipeline(message).catch((error: unknown) => {
      logger.error('local scheduler: could not put a start message on the pipeline queue; the sweeper will start it', {
        ...message,
        error: error as Error,
      });
    });
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  private sweepOnce(sweep: () => Promise<unknown>): void {
    if (this.stopped || this.sweeping) return;
    this.sweeping = sweep()
      .catch((error: unknown) => logger.error('local sweeper failed', { error: error as Error }))
      .finally(() => {
        this.sweeping = undefined;
      });
  }
}

function keyOf(tenantId: string, broadcastId: string): string {
  return `${tenantId}/${broadcastId}`;
}
