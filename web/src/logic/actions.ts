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

/**
 * Whether a broadcast's counters still move, so a page showing it polls: while it runs, and after a cancel until the
 * pipeline has marked every unsent contact skipped (its pending and sending counts reach 0).
 */
export function isLive(status: BroadcastStatus, counts?: { pending: number; sending: number }): boolean {
  if (status === 'running') return true;
  return status === 'cancelled' && counts !== undefined && counts.pending + counts.sending > 0;
}
