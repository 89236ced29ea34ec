import { autoPauseReason, isAutoPauseOn } from '../domain/auto-pause.js';
import type { Broadcast } from '../domain/broadcast.js';
import { InvalidTransitionError } from '../domain/errors.js';
import { pauseBroadcast, type RunLifecycleDeps } from './run-lifecycle.js';

/**
 * Pauses a broadcast whose first sends mostly fail (see autoPauseReason), judged on the run's counts once a
 * chunk with failures is counted.
 */
export async function autoPauseIfFailing(deps: RunLifecycleDeps, broadcast: Broadcast): Promise<void> {
  const policy = deps.delivery.autoPause;
  if (!isAutoPauseOn(policy)) return;
  const run = await deps.runs.get(broadcast.tenantId, broadcast.id);
  const reason = run && autoPauseReason(run, policy);
  if (!reason) return;
  try {
    await pauseBroadcast(deps, broadcast.tenantId, broadcast.id, reason);
  } catch (error) {
    // Paused, cancelled or completed meanwhile: that change stands.
    if (!(error instanceof InvalidTransitionError)) throw error;
  }
}
