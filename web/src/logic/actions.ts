export type BroadcastStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

export type BroadcastAction =
  | 'edit'
  | 'execute'
  | 'schedule'
  | 'unschedule'
  | 'pause'
  | 'resume'
  | 'cancel'
  | 'test-send';

/**
 * The buttons a broadcast in this status shows: exactly the status changes the API allows (docs/api.md), plus editing
 * a draft and a test send, which the API takes in any status but a final one is of no use to test.
 */
const ACTIONS: Readonly<Record<BroadcastStatus, readonly BroadcastAction[]>> = {
  draft: ['execute', 'schedule', 'edit', 'test-send'],
  scheduled: ['execute', 'unschedule', 'cancel', 'test-send'],
  running: ['pause', 'cancel', 'test-send'],
  paused: ['resume', 'cancel', 'test-send'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function actionsFor(status: BroadcastStatus): readonly BroadcastAction[] {
  return ACTIONS[status] ?? [];
}

/** How long after a cancel a page keeps polling: the pacer marks the unsent contacts skipped shortly after. */
export const CANCEL_SETTLE_MS = 20_000;

/**
 * How close to its start a scheduled broadcast gets polled, so the page shows it start by itself; a later one is
 * not (a page left open for days would poll for nothing), and shows its start when reloaded.
 */
export const SCHEDULE_WATCH_MS = 5 * 60_000;

/**
 * Whether a broadcast's figures still move, so a page showing it polls: while it runs, when scheduled to start within
 * SCHEDULE_WATCH_MS (or overdue), and after a cancel while the pacer drains it (pending or sending left, or within
 * CANCEL_SETTLE_MS of the cancel: the counters settle before the executions do).
 */
export function isLive(
  broadcast: { status: BroadcastStatus; cancelled_at?: string | null; scheduled_for?: string | null },
  counts?: { pending: number; sending: number },
  nowMs: number = Date.now(),
): boolean {
  if (broadcast.status === 'running') return true;
  if (broadcast.status === 'scheduled') {
    const startsAt = broadcast.scheduled_for ? Date.parse(broadcast.scheduled_for) : Number.NaN;
    return startsAt - nowMs < SCHEDULE_WATCH_MS;
  }
  if (broadcast.status !== 'cancelled') return false;
  if (counts !== undefined && counts.pending + counts.sending > 0) return true;
  const cancelledAt = broadcast.cancelled_at ? Date.parse(broadcast.cancelled_at) : Number.NaN;
  return nowMs - cancelledAt < CANCEL_SETTLE_MS;
}
