import type { DeliveryCounters } from './delivery-status.js';
import { ConflictError, InvalidTransitionError, UnprocessableError } from './errors.js';
import type { BroadcastEventName } from './events.js';
import type { MessageTemplate } from './message-template.js';

export const BROADCAST_STATUSES = [
  'draft',
  'scheduled',
  'running',
  'paused',
  'completed',
  'failed',
  'cancelled',
] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];

/**
 * The only status changes a broadcast can make. Everything else is an InvalidTransitionError (HTTP 409).
 * scheduled -> draft is "unschedule"; paused -> running is "resume"; scheduled -> failed is a scheduled
 * broadcast that could not start in time (`schedule_expired`) or at all.
 */
export const BROADCAST_TRANSITIONS: Readonly<Record<BroadcastStatus, readonly BroadcastStatus[]>> = {
  draft: ['scheduled', 'running'],
  scheduled: ['draft', 'running', 'cancelled', 'failed'],
  running: ['paused', 'completed', 'failed', 'cancelled'],
  paused: ['running', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

/** Messages per minute per broadcast: 0 means unlimited, and this is the documented ceiling. */
export const MAX_RATE_LIMIT = 60_000;

export interface BroadcastCounters {
  totalContacts: number;
  sent: number;
  failed: number;
  skipped: number;
  /** Claimed by a sender and not yet recorded. */
  sending: number;
}

export interface Broadcast extends BroadcastCounters {
  id: string;
  tenantId: string;
  name: string;
  listId: string;
  channelId?: string;
  messageTemplate: MessageTemplate;
  status: BroadcastStatus;
  /** Why it is paused, failed or cancelled, when the system (not a person) decided it. */
  statusReason?: string;
  scheduledFor?: string;
  /** IANA time zone of the schedule and of {{current_date}}/{{current_time}}; UTC when absent. */
  timezone?: string;
  startedAt?: string;
  completedAt?: string;
  cancelledAt?: string;
  rateLimit: number;
  /**
   * Set on a broadcast an automation event created to send a template broadcast's message to given contacts
   * (`trigger_broadcast` with `contact_ids`): the template it copies.
   */
  parentBroadcastId?: string;
  /** What created the broadcast when it was not a person: `automation` (see parentBroadcastId). */
  trigger?: 'automation';
  /** Bumped by every change a person makes; guards edits against lost updates. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /**
   * What the provider's delivery receipts said of its messages, kept beside its run (never stored on the broadcast
   * item): set on a broadcast read with its counters, absent on one that never had a receipt.
   */
  delivery?: DeliveryCounters;
}

export interface BroadcastChange {
  broadcast: Broadcast;
  /** The status the stored item must still have for the change to apply. */
  expectedStatus: BroadcastStatus;
  /**
   * When set, the stored broadcast must also still be scheduled for this time: a scheduled start never
   * applies to a broadcast that was unscheduled and scheduled again for another time meanwhile.
   */
  expectedScheduledFor?: string;
}

/** The event each status change publishes (derived from the table's stream, lib/adapters/dynamodb/stream/). */
export const TRANSITION_EVENTS: Partial<Record<`${BroadcastStatus}>${BroadcastStatus}`, BroadcastEventName>> = {
  'draft>scheduled': 'broadcast.scheduled',
  'scheduled>draft': 'broadcast.unscheduled',
  'draft>running': 'broadcast.started',
  'scheduled>running': 'broadcast.started',
  'running>paused': 'broadcast.paused',
  'paused>running': 'broadcast.resumed',
  'running>completed': 'broadcast.completed',
  'running>failed': 'broadcast.failed',
  'scheduled>failed': 'broadcast.failed',
  'scheduled>cancelled': 'broadcast.cancelled',
  'running>cancelled': 'broadcast.cancelled',
  'paused>cancelled': 'broadcast.cancelled',
};

/** The fields a person chooses when creating (or an automation copies when cloning) a broadcast. */
export type DraftFields = Pick<Broadcast, 'name' | 'listId' | 'messageTemplate' | 'rateLimit'> &
  Partial<Pick<Broadcast, 'channelId' | 'timezone' | 'parentBroadcastId' | 'trigger'>>;

/** A new draft with zeroed counters; absent optional fields stay absent. */
export function newDraftBroadcast(id: string, tenantId: string, fields: DraftFields, now: string): Broadcast {
  const draft: Broadcast = {
    id,
    tenantId,
    name: fields.name,
    listId: fields.listId,
    messageTemplate: fields.messageTemplate,
    rateLimit: fields.rateLimit,
    status: 'draft',
    totalContacts: 0,
    sent: 0,
    failed: 0,
    skipped: 0,
    sending: 0,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  for (const key of ['channelId', 'timezone', 'parentBroadcastId', 'trigger'] as const) {
    if (fields[key] !== undefined) Object.assign(draft, { [key]: fields[key] });
  }
  return draft;
}

export function canTransition(from: BroadcastStatus, to: BroadcastStatus): boolean {
  return BROADCAST_TRANSITIONS[from].includes(to);
}

/** Applies one status change from the table, with the timestamps it implies. */
export function transition(
  broadcast: Broadcast,
  to: BroadcastStatus,
  now: string,
  options: { scheduledFor?: string; reason?: string } = {},
): BroadcastChange {
  const from = broadcast.status;
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
  const next: Broadcast = { ...broadcast, status: to, updatedAt: now, version: broadcast.version + 1 };
  delete next.statusReason;
  if (options.reason) next.statusReason = options.reason;
  if (to === 'scheduled') next.scheduledFor = options.scheduledFor;
  if (to === 'draft') delete next.scheduledFor;
  if (to === 'running' && !next.startedAt) next.startedAt = now;
  if (to === 'completed' || to === 'failed') next.completedAt = now;
  if (to === 'cancelled') next.cancelledAt = now;
  return { broadcast: next, expectedStatus: from };
}

/** The list a broadcast names is not (or no longer) one of the tenant's lists. */
export function unknownListError(listId: string): UnprocessableError {
  return new UnprocessableError('broadcast.unknown_list', `list_id ${listId} is not one of your contact lists`, [
    { field: 'list_id', message: 'no such contact list' },
  ]);
}

/** Edits (PUT) and deletes are for drafts only: a scheduled broadcast is unscheduled first. */
export function assertEditable(broadcast: Broadcast): void {
  if (broadcast.status !== 'draft') {
    throw new ConflictError('broadcast.not_draft', `the broadcast is ${broadcast.status}; only a draft can be changed`);
  }
}

export function isFinished(status: BroadcastStatus): boolean {
  return BROADCAST_TRANSITIONS[status].length === 0;
}

export function pendingCount(counters: BroadcastCounters): number {
  return Math.max(0, counters.totalContacts - counters.sent - counters.failed - counters.skipped - counters.sending);
}

/** Settled contacts of the audience, in percent. A broadcast that completed with nobody to send to is done: 100. */
export function progressPercent(counters: BroadcastCounters & Pick<Broadcast, 'status'>): number {
  if (counters.totalContacts === 0) return counters.status === 'completed' ? 100 : 0;
  const done = counters.sent + counters.failed + counters.skipped;
  return Math.floor((done / counters.totalContacts) * 1000) / 10;
}
