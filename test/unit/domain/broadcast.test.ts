import {
  BROADCAST_STATUSES,
  BROADCAST_TRANSITIONS,
  type Broadcast,
  type BroadcastStatus,
  canTransition,
  pendingCount,
  progressPercent,
  transition,
} from '../../../lib/domain/broadcast.js';
import { InvalidTransitionError } from '../../../lib/domain/errors.js';
import { aBroadcast } from '../../support/builders.js';

const NOW = '2026-01-01T10:00:00.000Z';

function broadcastIn(status: BroadcastStatus, extra: Partial<Broadcast> = {}): Broadcast {
  return aBroadcast('acme', {
    id: 'b-1',
    name: 'Weekly',
    listId: 'l-1',
    messageTemplate: { type: 'text', content: 'Hi' },
    status,
    rateLimit: 0,
    version: 3,
    createdAt: NOW,
    updatedAt: NOW,
    ...extra,
  });
}

/** The table, written out independently of the implementation. */
const ALLOWED = new Set([
  'draft>scheduled',
  'scheduled>draft',
  'draft>running',
  'scheduled>running',
  'running>paused',
  'paused>running',
  'running>completed',
  'running>failed',
  'scheduled>cancelled',
  // A scheduled broadcast that could not start in time (schedule_expired) or at all (issue 4).
  'scheduled>failed',
  'running>cancelled',
  'paused>cancelled',
]);

describe('Broadcast status transitions', () => {
  describe.each(BROADCAST_STATUSES.flatMap((from) => BROADCAST_STATUSES.map((to) => [from, to] as const)))(
    '%s -> %s',
    (from, to) => {
      const allowed = ALLOWED.has(`${from}>${to}`);
      it(allowed ? 'is allowed' : 'is refused with InvalidTransitionError', () => {
        // Prepare
        const broadcast = broadcastIn(from, { scheduledFor: '2026-02-01T00:00:00.000Z' });

        // Act
        const act = () => transition(broadcast, to, NOW, { scheduledFor: '2026-03-01T00:00:00.000Z' });

        // Assess
        expect(canTransition(from, to)).toBe(allowed);
        if (allowed) expect(act().broadcast.status).toBe(to);
        else expect(act).toThrow(InvalidTransitionError);
      });
    },
  );

  it('has no final status with an exit', () => {
    expect(BROADCAST_TRANSITIONS.completed).toEqual([]);
    expect(BROADCAST_TRANSITIONS.failed).toEqual([]);
    expect(BROADCAST_TRANSITIONS.cancelled).toEqual([]);
  });

  it('records the expected status and bumps the version, leaving the broadcast it was given as it was', () => {
    // Prepare
    const draft = broadcastIn('draft');

    // Act
    const change = transition(draft, 'scheduled', NOW, { scheduledFor: '2026-02-01T00:00:00.000Z' });

    // Assess
    expect(change.expectedStatus).toBe('draft');
    expect(change.broadcast.version).toBe(4);
    expect(change.broadcast.scheduledFor).toBe('2026-02-01T00:00:00.000Z');
    expect(draft.status).toBe('draft');
  });

  it('clears scheduled_for when unscheduled and stamps started/completed/cancelled times', () => {
    const unscheduled = transition(broadcastIn('scheduled', { scheduledFor: NOW }), 'draft', NOW).broadcast;
    expect(unscheduled.scheduledFor).toBeUndefined();

    const started = transition(broadcastIn('draft'), 'running', NOW).broadcast;
    expect(started.startedAt).toBe(NOW);
    const resumed = transition(broadcastIn('paused', { startedAt: '2025-12-31T00:00:00.000Z' }), 'running', NOW);
    expect(resumed.broadcast.startedAt).toBe('2025-12-31T00:00:00.000Z');

    expect(transition(broadcastIn('running'), 'completed', NOW).broadcast.completedAt).toBe(NOW);
    expect(transition(broadcastIn('running'), 'cancelled', NOW).broadcast.cancelledAt).toBe(NOW);
  });

  it('fails a scheduled broadcast with its reason, keeping the time it was scheduled for', () => {
    // Prepare
    const broadcast = broadcastIn('scheduled', { scheduledFor: '2026-01-01T09:00:00.000Z' });

    // Act
    const change = transition(broadcast, 'failed', NOW, { reason: 'schedule_expired' });

    // Assess
    expect(change.expectedStatus).toBe('scheduled');
    expect(change.broadcast).toMatchObject({
      status: 'failed',
      statusReason: 'schedule_expired',
      scheduledFor: '2026-01-01T09:00:00.000Z',
      completedAt: NOW,
      version: 4,
    });
    expect(change.broadcast.startedAt).toBeUndefined();
  });

  it('keeps a system reason on the broadcast until its next status change', () => {
    const change = transition(broadcastIn('running'), 'paused', NOW, { reason: 'failure_threshold' });
    expect(change.broadcast.statusReason).toBe('failure_threshold');
    expect(transition(change.broadcast, 'running', NOW).broadcast.statusReason).toBeUndefined();
  });
});

describe('Broadcast counters', () => {
  it('derives pending and progress from the counters', () => {
    const b = broadcastIn('running', { totalContacts: 8, sent: 3, failed: 1, skipped: 1, sending: 1 });
    expect(pendingCount(b)).toBe(2);
    expect(progressPercent(b)).toBe(62.5);
    expect(progressPercent(broadcastIn('draft'))).toBe(0);
  });

  it('counts a broadcast that completed with nobody to send to as done: 100, not 0', () => {
    expect(progressPercent(broadcastIn('completed'))).toBe(100);
    expect(progressPercent(broadcastIn('running'))).toBe(0);
    expect(progressPercent(broadcastIn('cancelled'))).toBe(0);
  });
});
