import type { ScheduledPosition } from '../ports/broadcast-repository.js';
import { type ScheduledStartOutcome, type StartScheduledDeps, startScheduledBroadcast } from './start-scheduled.js';

export interface SweepOptions {
  /** Broadcasts read from the index per query. @default 100 */
  pageSize?: number;
  /** Broadcasts started at once. @default 10 */
  concurrency?: number;
  /** The invocation's time left (Lambda's getRemainingTimeInMillis): no new page starts within 10 s of the end. */
  timeLeftMs?: () => number;
}

export interface SweepReport {
  /** Overdue broadcasts looked at, and what became of them. */
  outcomes: Record<ScheduledStartOutcome, number>;
  /** Broadcasts that could not be dealt with this time (the next sweep tries again). */
  errors: { tenantId: string; broadcastId: string; error: Error }[];
  /** Stopped for lack of time with more to look at: the next sweep goes on. */
  unfinished: boolean;
}

const STOP_BEFORE_END_MS = 10_000;

/**
 * The sweeper (the scheduler's safety net): every scheduled broadcast whose time has come, found through the
 * sparse `scheduled-due` index (never a scan), gets the same treatment as its schedule's start message:
 * started, or failed as `schedule_expired` when it is more than the allowed lateness late. A broadcast whose
 * schedule fires later is then no longer scheduled, and that start message is ignored. Pages past the
 * broadcasts it could not deal with, so one bad broadcast never hides the others.
 */
export async function sweepScheduledBroadcasts(
  deps: StartScheduledDeps,
  options: SweepOptions = {},
): Promise<SweepReport> {
  const pageSize = options.pageSize ?? 100;
  const concurrency = options.concurrency ?? 10;
  const now = deps.clock.now();
  const report: SweepReport = {
    outcomes: { started: 0, expired: 0, failed: 0, postponed: 0, not_scheduled: 0, stale: 0 },
    errors: [],
    unfinished: false,
  };
  let after: ScheduledPosition | undefined;
  for (;;) {
    if (options.timeLeftMs && options.timeLeftMs() < STOP_BEFORE_END_MS) {
      report.unfinished = true;
      return report;
    }
    const due = await deps.broadcasts.findScheduledReady(now, pageSize, after);
    for (let i = 0; i < due.length; i += concurrency) {
      await Promise.all(
        due.slice(i, i + concurrency).map(async (broadcast) => {
          const { tenantId, id: broadcastId, scheduledFor } = broadcast;
          try {
            const outcome = await startScheduledBroadcast(deps, {
              tenantId,
              broadcastId,
              scheduledFor: scheduledFor as string,
            });
            report.outcomes[outcome]++;
          } catch (error) {
            report.errors.push({ tenantId, broadcastId, error: error as Error });
          }
        }),
      );
    }
    if (due.length < pageSize) return report;
    after = due[due.length - 1];
  }
}
