import type { BroadcastRun } from '../domain/broadcast-run.js';
import { queueDelaySecondsForSlot } from '../domain/pacing.js';
import type { SendChunkMessage } from '../ports/message-queue.js';
import type { UseCaseDeps } from './deps.js';

/** A fresh slot is never closer than this, leaving the message time to travel. */
const SLOT_LEAD_MS = 1000;

type Deps = Pick<UseCaseDeps, 'queue' | 'clock'>;

/** Too early to hold in the invocation: back on the queue until its slot. */
export async function requeueUntilSlot(deps: Deps, message: SendChunkMessage, msUntilSlot: number): Promise<void> {
  await deps.queue.sendChunks([{ body: message, delaySeconds: queueDelaySecondsForSlot(msUntilSlot) }]);
}

/** Too late for its slot (sending now would bunch it with later ones): back on the queue with a fresh slot. */
export async function requeueInFreshSlot(
  deps: Deps & Pick<UseCaseDeps, 'runs'>,
  run: BroadcastRun,
  message: SendChunkMessage,
): Promise<void> {
  const now = deps.clock.now().getTime();
  const [slotAt] = await deps.runs.allocateSlots(run, 1, now + SLOT_LEAD_MS);
  const body: SendChunkMessage = { ...message };
  if (slotAt === undefined) delete body.slotAt;
  else body.slotAt = slotAt;
  const delaySeconds = slotAt === undefined ? 0 : queueDelaySecondsForSlot(slotAt - deps.clock.now().getTime());
  await deps.queue.sendChunks([{ body, delaySeconds }]);
}

/**
 * Back on the queue for another look in `delayMs` (a retry's backoff, another delivery still at work). No slot
 * is reserved that far ahead (it would hold back every later chunk): the chunk comes back late and takes the
 * next free slot then.
 */
export async function requeueAfter(deps: Deps, message: SendChunkMessage, delayMs: number): Promise<void> {
  await deps.queue.sendChunks([{ body: message, delaySeconds: delayMs / 1000 }]);
}
