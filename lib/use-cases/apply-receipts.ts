import { isTerminal } from '../domain/broadcast-execution.js';
import { decideDeliveryMove } from '../domain/delivery-status.js';
import {
  type ExecutionReference,
  formatExecutionReference,
  parseExecutionReference,
} from '../domain/execution-reference.js';
import { logger } from '../observability/logger.js';
import type {
  DeliveryStatusRepository,
  ExecutionDeliveryMove,
  ProviderReceipt,
  ReceiptsMessage,
} from '../ports/receipts.js';
import type { Clock } from '../ports/runtime.js';
import { nowIso } from './deps.js';

export interface ApplyReceiptsDeps {
  deliveries: DeliveryStatusRepository;
  clock: Clock;
}

/** What one batch of queued receipts did, receipt by receipt (for the metrics). */
export interface ReceiptsReport {
  received: number;
  /** Executions whose delivery status moved (one write each, whatever the number of their receipts). */
  moved: number;
  /** Receipts that changed nothing: `sent`, duplicates, statuses older than the stored one. */
  unchanged: number;
  /** Dropped: no or forged reference, no such execution, another message id, or never recorded as sent. */
  unknown: number;
  /** Their execution is still being sent (the receipt beat the sender's record): left for a later redelivery. */
  early: number;
}

export interface ReceiptsOutcome {
  /** The messages (by position) to leave on the queue for a later try; the rest are done. */
  retry: Set<number>;
  report: ReceiptsReport;
}

/** Read, decide, write rounds for one broadcast before its messages are left for redelivery. */
const MAX_ROUNDS = 5;

/** Executions kept changing under the receipts of a broadcast for MAX_ROUNDS rounds. */
export class ReceiptContentionError extends Error {
  constructor(readonly broadcastId: string) {
    super(`receipts of broadcast ${broadcastId} kept meeting concurrent changes; left for redelivery`);
    this.name = 'ReceiptContentionError';
  }
}

interface Pending {
  /** The position of the queued message the receipt came in. */
  source: number;
  receipt: ProviderReceipt;
}

/**
 * Applies the delivery receipts of a batch of queued messages (several webhooks at once, or the provider events of
 * apply-provider-events.ts). Receipts are grouped per
 * execution, then per broadcast: each execution is read once, all its receipts are folded into at most one move
 * (forward only, lib/domain/delivery-status.ts), and each broadcast's moves are written together with its counters
 * (the repository's transactions), so a batch of a hundred receipts costs a hundred reads and a handful of writes to
 * the counters, not a hundred. A move whose execution changed since it was read (a concurrent duplicate) is read again
 * and decided anew, never applied twice.
 *
 * A receipt is dropped, counted as unknown, when its reference is missing or forged, names no execution of the
 * channel's tenant, or its message id is not the one the execution recorded. A receipt whose execution has no message
 * id yet but is still being sent (the provider answered the receipt before the sender recorded its answer) keeps its
 * message on the queue: it is tried again after the visibility timeout, once the sender has recorded it.
 */
export async function applyReceipts(
  deps: ApplyReceiptsDeps,
  messages: readonly Pick<ReceiptsMessage, 'tenantId' | 'receipts'>[],
): Promise<ReceiptsOutcome> {
  const report: ReceiptsReport = { received: 0, moved: 0, unchanged: 0, unknown: 0, early: 0 };
  const retry = new Set<number>();
  const groups = new Map<string, { tenantId: string; broadcastId: string; byReference: Map<string, Pending[]> }>();
  messages.forEach((message, source) => {
    for (const receipt of message.receipts) {
      report.received++;
      const reference = parseExecutionReference(receipt.reference);
      if (!reference) {
        report.unknown++;
        continue;
      }
      const groupKey = `${message.tenantId}\n${reference.broadcastId}`;
      let group = groups.get(groupKey);
      if (!group) {
        group = { tenantId: message.tenantId, broadcastId: reference.broadcastId, byReference: new Map() };
        groups.set(groupKey, group);
      }
      const key = formatExecutionReference(reference);
      const pending = group.byReference.get(key) ?? [];
      pending.push({ source, receipt });
      group.byReference.set(key, pending);
    }
  });
  for (const group of groups.values()) {
    try {
      await applyToBroadcast(deps, group.tenantId, group.broadcastId, group.byReference, report, retry);
    } catch (error) {
      // Its messages stay on the queue; what was written is already there, and reads as a duplicate next time.
      logger.warn('receipts left for redelivery', {
        tenantId: group.tenantId,
        broadcastId: group.broadcastId,
        error: error as Error,
      });
      for (const pending of group.byReference.values()) for (const { source } of pending) retry.add(source);
    }
  }
  return { retry, report };
}

async function applyToBroadcast(
  deps: ApplyReceiptsDeps,
  tenantId: string,
  broadcastId: string,
  byReference: ReadonlyMap<string, Pending[]>,
  report: ReceiptsReport,
  retry: Set<number>,
): Promise<void> {
  let open = new Map<string, ExecutionReference>();
  for (const key of byReference.keys()) {
    const reference = parseExecutionReference(key);
    if (reference) open.set(key, reference);
  }
  // Eventually consistent first (half the price); whatever is in doubt after it is read again consistently.
  let consistent = false;
  for (let round = 0; round < MAX_ROUNDS && open.size > 0; round++) {
    const targets = await deps.deliveries.readTargets(tenantId, [...open.values()], { consistent });
    const moves: ExecutionDeliveryMove[] = [];
    /** What each move's receipts count as once it is written: the other receipts of its execution. */
    const onCommit = new Map<ExecutionDeliveryMove, { unchanged: number; unknown: number }>();
    const again = new Map<string, ExecutionReference>();
    for (const [key, reference] of open) {
      const pending = byReference.get(key) ?? [];
      const target = targets.get(key);
      if (!target) {
        report.unknown += pending.length;
      } else if (target.messageId === undefined) {
        if (isTerminal(target.status)) {
          // Never recorded as sent (e.g. `outcome_unknown`): there is nothing a receipt could be applied to.
          report.unknown += pending.length;
        } else if (!consistent) {
          again.set(key, reference);
        } else {
          report.early += pending.length;
          for (const { source } of pending) retry.add(source);
        }
      } else {
        const matching = pending.filter(({ receipt }) => receipt.messageId === target.messageId);
        const move = decideDeliveryMove(
          target.delivery,
          matching.map(({ receipt }) => receipt),
        );
        const unknown = pending.length - matching.length;
        if (!move) {
          report.unknown += unknown;
          report.unchanged += matching.length;
        } else {
          const planned = { reference, messageId: target.messageId, move };
          moves.push(planned);
          onCommit.set(planned, { unchanged: matching.length - 1, unknown });
        }
      }
    }
    const stale = new Set(await deps.deliveries.commitMoves(tenantId, broadcastId, moves, nowIso(deps)));
    for (const move of moves) {
      if (stale.has(move)) {
        again.set(formatExecutionReference(move.reference), move.reference);
        continue;
      }
      const counts = onCommit.get(move);
      report.moved++;
      report.unchanged += counts?.unchanged ?? 0;
      report.unknown += counts?.unknown ?? 0;
    }
    open = again;
    consistent = true;
  }
  if (open.size > 0) throw new ReceiptContentionError(broadcastId);
}
