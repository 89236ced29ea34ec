import type { Broadcast } from '../domain/broadcast.js';
import { logger } from '../observability/logger.js';
import type { UseCaseDeps } from './deps.js';

type Deps = Pick<UseCaseDeps, 'scheduler'>;

/*
 * Keeping a broadcast's one-time schedule in step with a status change that has already committed. The table
 * is the truth, so a failure here is logged, never thrown: the change stands (a 5xx would invite a retry that
 * can only get 409). A schedule that could not be created is made up for by the sweeper, which starts overdue
 * scheduled broadcasts; one that could not be deleted fires a start message that is ignored, because the
 * broadcast is no longer scheduled for that time.
 */

/** After draft -> scheduled (create with scheduled_for, POST schedule). */
export async function armSchedule(deps: Deps, broadcast: Broadcast): Promise<void> {
  try {
    await deps.scheduler.schedule(broadcast);
  } catch (error) {
    logger.error('could not create the schedule of a scheduled broadcast; the sweeper will start it', {
      tenantId: broadcast.tenantId,
      broadcastId: broadcast.id,
      scheduledFor: broadcast.scheduledFor,
      error: error as Error,
    });
  }
}

/** After scheduled -> draft, cancelled or running (unschedule, cancel, execute). */
export async function disarmSchedule(deps: Deps, tenantId: string, broadcastId: string): Promise<void> {
  try {
    await deps.scheduler.unschedule(tenantId, broadcastId);
  } catch (error) {
    logger.error('could not delete the schedule of a broadcast that is no longer scheduled; it will be ignored', {
      tenantId,
      broadcastId,
      error: error as Error,
    });
  }
}
