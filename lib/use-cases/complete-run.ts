import { transition } from '../domain/broadcast.js';
import { isRunFinished } from '../domain/broadcast-run.js';
import { InvalidTransitionError } from '../domain/errors.js';
import { nowIso, type UseCaseDeps } from './deps.js';

type Deps = Pick<UseCaseDeps, 'broadcasts' | 'runs' | 'clock'>;

/** running -> completed once every execution is terminal; safe to call from anywhere, any number of times. */
export async function completeIfFinished(deps: Deps, tenantId: string, id: string): Promise<boolean> {
  const [broadcast, run] = await Promise.all([deps.broadcasts.findById(tenantId, id), deps.runs.get(tenantId, id)]);
  if (!broadcast || !run || broadcast.status !== 'running' || !isRunFinished(run)) return false;
  try {
    const change = transition(broadcast, 'completed', nowIso(deps));
    await deps.broadcasts.applyTransition(change);
    // The pacer's loop ends at its next tick, which finds the run completed. Until then the watchdog would watch it:
    // a tick that never comes (its process stopped) would have it restart a loop with nothing left to do.
    await deps.runs.clearPacerWatch(tenantId, id, run.pacerTick);
    return true;
  } catch (error) {
    // Someone else completed, paused or cancelled it first: their change stands.
    if (error instanceof InvalidTransitionError) return false;
    throw error;
  }
}
