/**
 * What the provider says happened to a message after it accepted it (WhatsApp's status webhooks): `sent` (left the
 * provider), `delivered` (reached the phone), `read`, or `failed` (could not be delivered). Receipts arrive duplicated
 * and out of order, and `read` may come without `delivered` (Meta skips it when a message is delivered and read at
 * once), so an execution's delivery status only ever moves forward, along this rank:
 *
 *     none = sent (0)  <  failed (1)  <  delivered (2)  <  read (3)
 *
 * - `sent` is what a sent execution already says: a `sent` receipt never writes anything (a third of all receipts,
 *   for free), and `delivery_status` reads `sent` for a sent execution without a later receipt.
 * - `failed` applies only to a message nobody saw arrive; a `delivered` or `read` receipt proves it arrived, so it
 *   wins over a `failed` one whatever their order. That makes the end state a function of the set of receipts, not
 *   of their order (the rank is a total order and each receipt moves to the maximum), which is what keeps the
 *   counters exact: each execution is counted in the bucket of its current status and nowhere else.
 * - a receipt at or below the current rank (a duplicate, an older status) changes nothing.
 */
export const DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The delivery fields of an execution (absent until a receipt moves it past `sent`). */
export interface DeliveryState {
  deliveryStatus?: DeliveryStatus;
  /** When the provider says the message reached the phone; a `read` without `delivered` sets it to the read time. */
  deliveredAt?: string;
  readAt?: string;
  /** Why the provider could not deliver it (`whatsapp <code>: <title>`), while `failed`. */
  deliveryError?: string;
}

/** One receipt, as far as the delivery status is concerned. */
export interface DeliveryReceipt {
  status: DeliveryStatus;
  /** When it happened, by the provider's clock (ISO 8601). */
  timestamp: string;
  error?: string;
}

/** A broadcast's delivery counters: executions delivered (read included), read, and failed after being sent. */
export interface DeliveryCounters {
  delivered: number;
  read: number;
  deliveryFailed: number;
}

export const NO_DELIVERY_COUNTS: Readonly<DeliveryCounters> = { delivered: 0, read: 0, deliveryFailed: 0 };

const RANK: Readonly<Record<DeliveryStatus, number>> = { sent: 0, failed: 1, delivered: 2, read: 3 };

export function deliveryRank(status: DeliveryStatus | undefined): number {
  return status === undefined ? 0 : RANK[status];
}

/** The state after one receipt: forward only; the same object when the receipt changes nothing. */
export function applyReceipt(state: DeliveryState, receipt: DeliveryReceipt): DeliveryState {
  if (deliveryRank(receipt.status) <= deliveryRank(state.deliveryStatus)) return state;
  switch (receipt.status) {
    case 'failed':
      return { deliveryStatus: 'failed', ...(receipt.error === undefined ? {} : { deliveryError: receipt.error }) };
    case 'delivered':
      return { deliveryStatus: 'delivered', deliveredAt: receipt.timestamp };
    case 'read':
      return { deliveryStatus: 'read', deliveredAt: state.deliveredAt ?? receipt.timestamp, readAt: receipt.timestamp };
    case 'sent':
      return state;
  }
}

/** How one execution in `state` counts: 1 in the bucket of its status (delivered also for read), 0 elsewhere. */
export function deliveryCountsOf(state: DeliveryState): DeliveryCounters {
  const rank = deliveryRank(state.deliveryStatus);
  return {
    delivered: rank >= RANK.delivered ? 1 : 0,
    read: state.deliveryStatus === 'read' ? 1 : 0,
    deliveryFailed: state.deliveryStatus === 'failed' ? 1 : 0,
  };
}

/**
 * A change of one execution's delivery status: written only if the stored status is still `from` (undefined: none
 * yet), together with `delta` on the broadcast's counters, so counters and records cannot drift apart.
 */
export interface DeliveryMove {
  from: DeliveryStatus | undefined;
  to: DeliveryState & { deliveryStatus: DeliveryStatus };
  delta: DeliveryCounters;
}

/**
 * The move that takes an execution from `current` through `receipts` (in any order, duplicates included), or
 * undefined when they change nothing.
 */
export function decideDeliveryMove(
  current: DeliveryState,
  receipts: readonly DeliveryReceipt[],
): DeliveryMove | undefined {
  const next = receipts.reduce(applyReceipt, current);
  if (next === current || next.deliveryStatus === undefined || next.deliveryStatus === current.deliveryStatus) {
    return undefined;
  }
  const before = deliveryCountsOf(current);
  const after = deliveryCountsOf(next);
  return {
    from: current.deliveryStatus,
    to: { ...next, deliveryStatus: next.deliveryStatus },
    delta: {
      delivered: after.delivered - before.delivered,
      read: after.read - before.read,
      deliveryFailed: after.deliveryFailed - before.deliveryFailed,
    },
  };
}

export function addCounters(a: DeliveryCounters, b: DeliveryCounters): DeliveryCounters {
  return {
    delivered: a.delivered + b.delivered,
    read: a.read + b.read,
    deliveryFailed: a.deliveryFailed + b.deliveryFailed,
  };
}

/** What `delivery_status` says of an execution: its last receipt's status, `sent` for a sent one without any. */
export function deliveryStatusOf(execution: { status: string } & DeliveryState): DeliveryStatus | undefined {
  if (execution.deliveryStatus !== undefined) return execution.deliveryStatus;
  return execution.status === 'sent' ? 'sent' : undefined;
}
