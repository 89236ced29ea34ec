import type { DomainEvent } from '../../../domain/events.js';
import { isPlanDoneItem } from '../broadcast-run-repository.js';
import type { Item, ItemChange } from './item-change.js';

/**
 * A run's progress event is emitted only when a counted chunk moves its progress across a step of this many percent
 * (or to 100 %), not for every counted chunk: each event is an EventBridge event ($1 per million), and a large
 * broadcast counts hundreds of chunks, so this is about ten events per broadcast instead of one per chunk. Only
 * once the audience is fully planned: before that the total still grows, the percentage falls back as pages are
 * planned, and the same steps would be crossed again and again. The audience is planned in segments side by side, so
 * contacts may be counted before the last segment is done: the write that finishes the plan then counts as the step
 * from the contacts skipped at plan to all those settled by then.
 */
export const PROGRESS_EVENT_STEP_PERCENT = 10;
const PROGRESS_STEPS = 100 / PROGRESS_EVENT_STEP_PERCENT;

/**
 * broadcast.progress for a change of a fully planned run item that crosses a step (of its counters, or of the plan
 * finishing), with the new image's counters.
 */
export function progressEvent(change: ItemChange): DomainEvent | undefined {
  const { newItem, oldItem } = change;
  if (change.kind !== 'MODIFY' || !newItem || !oldItem) return undefined;
  if (!isPlanDoneItem(newItem)) return undefined;
  // From the plan finishing, what was settled by sending counts; skipped at plan is no progress of the send.
  const before = isPlanDoneItem(oldItem) ? doneOf(oldItem) : numberOf(newItem.skippedAtPlan);
  const total = numberOf(newItem.totalContacts);
  const sent = numberOf(newItem.sent);
  const failed = numberOf(newItem.failed);
  const skipped = numberOf(newItem.skippedAtPlan) + numberOf(newItem.skippedAtSend);
  if (!crossesProgressStep(before, sent + failed + skipped, total)) return undefined;
  const progress = total === 0 ? 0 : Math.floor(((sent + failed + skipped) / total) * 1000) / 10;
  const occurredAt = typeof newItem.lastProgressAt === 'string' ? newItem.lastProgressAt : change.occurredAt;
  return {
    name: 'broadcast.progress',
    tenantId: String(newItem.tenantId),
    occurredAt,
    detail: {
      broadcast_id: newItem.broadcastId,
      total,
      sent,
      failed,
      skipped,
      progress,
      event_id: change.eventId,
    },
  };
}

/** Contacts a run has settled (sent, failed or skipped); a counter missing from the image counts as zero. */
function doneOf(item: Item): number {
  return numberOf(item.sent) + numberOf(item.failed) + numberOf(item.skippedAtPlan) + numberOf(item.skippedAtSend);
}

/**
 * Whether going from `before` to `after` settled contacts (both out of the new image's `total`) moves the progress
 * into a higher PROGRESS_EVENT_STEP_PERCENT step, however many steps at once, or reaches 100 %. In integers
 * (floor(done * steps / total)), so no rounding puts an exact step boundary just below itself.
 */
function crossesProgressStep(before: number, after: number, total: number): boolean {
  if (total <= 0) return false;
  if (before < total && after >= total) return true;
  return Math.floor((after * PROGRESS_STEPS) / total) > Math.floor((before * PROGRESS_STEPS) / total);
}

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
