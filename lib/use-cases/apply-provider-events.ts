import { isTerminal } from '../domain/broadcast-execution.js';
import { formatExecutionReference } from '../domain/execution-reference.js';
import type { ApplicableEvent, ProviderEvent } from '../domain/provider-event.js';
import { logger } from '../observability/logger.js';
import type { ReceiptsMessage } from '../ports/receipts.js';
import { type ApplyReceiptsDeps, applyReceipts, type ReceiptsReport } from './apply-receipts.js';
import { optOutOnComplaint } from './complaint-opt-out.js';
import type { UseCaseDeps } from './deps.js';

export type ApplyProviderEventsDeps = ApplyReceiptsDeps & Pick<UseCaseDeps, 'contacts'>;

/** What one batch of provider events did (for the metrics). */
export interface ProviderEventsReport {
  received: number;
  /** Read, but nothing the service acts on: opens, sends, transient bounces, intermediate SMS statuses, ... */
  ignored: number;
  /** Dropped: no tags or forged ones, another tenant than the stage's, no such execution, another message id. */
  unknown: number;
  /** Addresses suppressed by this batch (a duplicate suppresses nothing). */
  suppressed: number;
  /** Contacts opted out by a complaint in this batch. */
  optedOut: number;
  /** What the delivery statuses did: the receipts machinery's own report. */
  receipts: ReceiptsReport;
}

export interface ProviderEventsOutcome {
  /** The events (by position) to leave on the queue for a later try; the rest are done. */
  retry: Set<number>;
  report: ProviderEventsReport;
}

/**
 * Applies a batch of provider events (the events queue: SES and SMS events routed by the stage's EventBridge rules).
 * An event's delivery status goes through the receipts machinery (apply-receipts.ts: the execution its tags name,
 * its message id checked, forward only, exact counters, one counter update per broadcast per batch), so a duplicate
 * or an older status changes nothing. An event that also says something of the contact (a permanent bounce, a
 * complaint) acts on it only once its execution is confirmed to hold the event's message id, so a forged tag cannot
 * suppress or opt out a contact; both writes are idempotent. An event whose execution is still being sent (no message
 * id recorded yet) stays on the queue, as a receipt would. `stageTenant`: the tenant the stage serves, if it serves
 * one: an event of another is unknown.
 */
export async function applyProviderEvents(
  deps: ApplyProviderEventsDeps,
  events: readonly ProviderEvent[],
  stageTenant?: string,
): Promise<ProviderEventsOutcome> {
  const report: ProviderEventsReport = {
    received: events.length,
    ignored: 0,
    unknown: 0,
    suppressed: 0,
    optedOut: 0,
    receipts: { received: 0, moved: 0, unchanged: 0, unknown: 0, early: 0 },
  };
  const retry = new Set<number>();
  const receiptMessages: Pick<ReceiptsMessage, 'tenantId' | 'receipts'>[] = [];
  const receiptSources: number[] = [];
  const effects: { index: number; event: ApplicableEvent }[] = [];
  events.forEach((event, index) => {
    if (event.outcome === 'ignored') {
      report.ignored++;
      return;
    }
    if (event.outcome === 'unknown' || (stageTenant !== undefined && event.tenantId !== stageTenant)) {
      report.unknown++;
      logger.info('provider event dropped as unknown', {
        why: event.outcome === 'unknown' ? event.why : 'another tenant than the stage',
      });
      return;
    }
    if (event.receipt) {
      receiptSources.push(index);
      receiptMessages.push({
        tenantId: event.tenantId,
        receipts: [
          {
            messageId: event.messageId,
            status: event.receipt.status,
            timestamp: event.at,
            reference: formatExecutionReference(event.reference),
            ...(event.receipt.error === undefined ? {} : { error: event.receipt.error }),
          },
        ],
      });
    }
    if (event.suppress || event.optOut) effects.push({ index, event });
  });
  if (receiptMessages.length > 0) {
    const applied = await applyReceipts(deps, receiptMessages);
    report.receipts = applied.report;
    for (const position of applied.retry) retry.add(receiptSources[position] as number);
  }
  for (const { index, event } of effects) {
    try {
      const verdict = await confirm(deps, event);
      if (verdict === 'early') retry.add(index);
      else if (verdict === 'unknown' && !event.receipt) report.unknown++;
      else if (verdict === 'confirmed') await applyEffects(deps, event, report);
    } catch (error) {
      // Left on the queue: both effects are idempotent, so the redelivery finds done what was done.
      logger.warn('provider event left for redelivery', {
        tenantId: event.tenantId,
        broadcastId: event.reference.broadcastId,
        error: error as Error,
      });
      retry.add(index);
    }
  }
  return { retry, report };
}

/**
 * Whether the event is about a message the service sent: its execution exists in the event's tenant and recorded the
 * event's message id. `early`: the execution has no message id yet but is still being sent. A receipt of the same
 * event is counted unknown by the receipts machinery already, so an unknown event is counted once.
 */
async function confirm(
  deps: ApplyProviderEventsDeps,
  event: ApplicableEvent,
): Promise<'confirmed' | 'early' | 'unknown'> {
  const targets = await deps.deliveries.readTargets(event.tenantId, [event.reference], { consistent: true });
  const target = targets.get(formatExecutionReference(event.reference));
  if (!target) return 'unknown';
  if (target.messageId === undefined) return isTerminal(target.status) ? 'unknown' : 'early';
  return target.messageId === event.messageId ? 'confirmed' : 'unknown';
}

async function applyEffects(
  deps: ApplyProviderEventsDeps,
  event: ApplicableEvent,
  report: ProviderEventsReport,
): Promise<void> {
  const { tenantId, reference } = event;
  const context = { tenantId, broadcastId: reference.broadcastId, contactId: reference.contactId };
  if (event.optOut) {
    const outcome = await optOutOnComplaint(deps, {
      tenantId,
      contactId: reference.contactId,
      at: event.at,
      ...(event.suppress?.address === undefined ? {} : { address: event.suppress.address }),
    });
    if (outcome === 'opted_out') {
      report.optedOut++;
      logger.info('contact opted out by a complaint', context);
    }
    return;
  }
  if (event.suppress) {
    const { kind, reason, address } = event.suppress;
    const outcome = await deps.contacts.suppress(
      tenantId,
      reference.contactId,
      kind,
      reason,
      event.at,
      address === undefined ? {} : { address },
    );
    if (outcome === 'suppressed') report.suppressed++;
    logger.info('address suppression', { ...context, kind, reason, outcome });
  }
}
