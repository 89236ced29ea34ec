import type { Context } from 'aws-lambda';
import { getRuntime } from '../lib/composition-root.js';
import { logger } from '../lib/observability/logger.js';
import { observedHandler } from '../lib/observability/observed-handler.js';
import { revivePacers } from '../lib/use-cases/pace-broadcast.js';
import { sweepScheduledBroadcasts } from '../lib/use-cases/sweep-scheduled.js';

export interface SweepSummary {
  outcomes: Record<string, number>;
  errors: number;
  unfinished: boolean;
}

/**
 * The periodic sweeper (EventBridge Scheduler `rate(...)` in AWS, a timer locally): restarts pacer loops
 * whose tick was lost, starts the scheduled broadcasts whose schedule was lost, fails the far-too-late
 * ones (see lib/use-cases/sweep-scheduled.ts).
 * Fails the invocation when some broadcast could not be dealt with, so the error shows in the function's
 * metrics; the next sweep tries it again.
 */
export const handler = observedHandler<unknown, SweepSummary>().handler(async (_event: unknown, context: Context) => {
  const { deps } = getRuntime();
  // The pacer watchdog: loops whose next tick was lost are restarted (see revivePacers).
  const revived = await revivePacers(deps, deps.clock.now());
  if (revived > 0) logger.warn('restarted stalled pacer loops', { revived });
  const report = await sweepScheduledBroadcasts(deps, {
    timeLeftMs: () => context.getRemainingTimeInMillis(),
  });
  const summary = { outcomes: report.outcomes, errors: report.errors.length, unfinished: report.unfinished };
  for (const { tenantId, broadcastId, error } of report.errors) {
    logger.error('sweeper could not start an overdue scheduled broadcast', { tenantId, broadcastId, error });
  }
  const acted = report.outcomes.started + report.outcomes.expired + report.outcomes.failed;
  if (acted > 0 || report.unfinished) logger.info('sweep', summary);
  if (report.errors.length > 0) {
    throw new Error(`the sweep left ${report.errors.length} overdue broadcast(s) for the next one`);
  }
  return summary;
});
