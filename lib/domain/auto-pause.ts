import type { BroadcastRun } from './broadcast-run.js';

/** Over the first `window` sends, at least `minSends` seen and this `failureRate` of them failed: pause. */
export interface AutoPausePolicy {
  window: number;
  minSends: number;
  /** 1 turns auto-pause off. */
  failureRate: number;
}

export function isAutoPauseOn(policy: AutoPausePolicy): boolean {
  return policy.failureRate < 1;
}

/**
 * Why a broadcast whose first sends mostly fail (channel down, bad credentials) should pause now instead of
 * burning through its audience, or undefined when it should not. Judged only while the first `window` sends
 * are in (a chunk's worth of margin: sends are counted a chunk at a time).
 */
export function autoPauseReason(
  run: Pick<BroadcastRun, 'sent' | 'failed' | 'chunkSize' | 'autoPauseOff'>,
  policy: AutoPausePolicy,
): string | undefined {
  // Once a person resumed the broadcast, they decided: auto-pause does not second-guess them.
  if (!isAutoPauseOn(policy) || run.autoPauseOff) return undefined;
  const observed = run.sent + run.failed;
  if (observed < policy.minSends || observed > policy.window + run.chunkSize) return undefined;
  if (run.failed / observed < policy.failureRate) return undefined;
  return `auto_paused: ${run.failed} of the first ${observed} sends failed`;
}
