import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { type BroadcastStatus, TRANSITION_EVENTS } from '../domain/broadcast.js';
import type { DomainEvent } from '../domain/events.js';

/**
 * The outbox, read from the table's stream: the seed's domain events derived from committed item changes
 * (DynamoDB Streams, NEW_AND_OLD_IMAGES). An event exists only for a change that committed, whatever path made it
 * (API, pipeline, scheduler, sweeper, automation), and the stream keeps it until it has been published.
 *
 * | item (entity)    | change                                         | event(s)                                      |
 * |------------------|------------------------------------------------|-----------------------------------------------|
 * | broadcast        | INSERT                                         | created (+ scheduled when inserted scheduled) |
 * | broadcast        | MODIFY, status changed                         | TRANSITION_EVENTS (scheduled ... cancelled)   |
 * | broadcast        | MODIFY, still scheduled, new scheduled_for     | scheduled (a reschedule)                      |
 * | broadcast        | MODIFY of a draft (version or updatedAt moved) | updated                                       |
 * | broadcast        | REMOVE                                         | deleted                                       |
 * | contact_list     | INSERT / MODIFY of name, description, tags, filters / REMOVE | created / updated / deleted     |
 * | list_member      | INSERT / REMOVE                                | contacts_added / contacts_removed, one per list per batch |
 * | broadcast_run    | MODIFY of sent, failed or skippedAtSend, once  | progress, about ten per run (not one per      |
 * |                  | planned, that crosses a 10 % step or reaches 100 % | counted chunk): PROGRESS_EVENT_STEP_PERCENT |
 * | execution        | MODIFY to sent / failed (only with perMessageEvents) | message_sent / message_failed           |
 *
 * Events keep the order of the records; an aggregated member event takes the place of its last record. Every
 * event carries `event_id` (from the stream record) so consumers can drop the duplicates of a retried batch.
 */
export interface DeriveOptions {
  /** Also one event per message sent or failed (costly at scale; DOMAIN_EVENTS_PER_MESSAGE). */
  perMessageEvents: boolean;
}

type Item = Record<string, unknown>;

interface Positioned {
  /** Index of the record the event stands for (the last one for an aggregate). */
  position: number;
  event: DomainEvent;
}

/**
 * A run's progress event is emitted only when a counted chunk moves its progress across a step of this many percent
 * (or to 100 %), not for every counted chunk: each event is an EventBridge event ($1 per million), and a large
 * broadcast counts hundreds of chunks, so this is about ten events per broadcast instead of one per chunk. Only
 * once the audience is fully planned: before that the total still grows, the percentage falls back as pages are
 * planned, and the same steps would be crossed again and again.
 */
export const PROGRESS_EVENT_STEP_PERCENT = 10;
const PROGRESS_STEPS = 100 / PROGRESS_EVENT_STEP_PERCENT;

/**
 * The entities whose stream records can give an event: every other record (contacts, executions unless
 * per-message events are on, chunk leases and tally markers, most of a running broadcast's writes) is dropped by
 * the event source's filter in AWS before any invocation (infra/constructs/service-functions.ts), and costs nothing.
 */
export function eventSourceEntities(options: DeriveOptions): string[] {
  const entities = ['broadcast', 'contact_list', 'list_member', 'broadcast_run'];
  return options.perMessageEvents ? [...entities, 'execution'] : entities;
}

const LIST_MEMBERS_PARTITION = /^T#(.+)#LIST#([^#]+)#MEMBERS$/;
const LIST_FIELDS = ['name', 'description', 'tags', 'filters'] as const;

export function deriveDomainEvents(records: readonly DynamoDBRecord[], options: DeriveOptions): DomainEvent[] {
  const out: Positioned[] = [];
  const members = new Map<
    string,
    { tenantId: string; listId: string; added: boolean; ids: string[]; last: Positioned }
  >();
  records.forEach((record, position) => {
    const change = readRecord(record);
    if (!change) return;
    const push = (event: DomainEvent) => out.push({ position, event });
    const entity = (change.newItem ?? change.oldItem)?.entity;
    switch (entity) {
      case 'broadcast':
        for (const event of broadcastEvents(change)) push(event);
        return;
      case 'contact_list': {
        const event = listChangeEvent(change);
        if (event) push(event);
        return;
      }
      case 'list_member': {
        if (change.kind === 'MODIFY') return;
        const item = (change.newItem ?? change.oldItem) as Item;
        const match = LIST_MEMBERS_PARTITION.exec(String(item.pk));
        if (!match) return;
        const [, tenantId = '', listId = ''] = match;
        const added = change.kind === 'INSERT';
        const key = `${added ? '+' : '-'}${tenantId}#${listId}`;
        const contactId = String(item.sk).slice('CONTACT#'.length);
        const group = members.get(key);
        if (group) {
          group.ids.push(contactId);
          group.last.position = position;
          group.last.event.occurredAt = change.occurredAt;
        } else {
          const last: Positioned = {
            position,
            event: {
              name: added ? 'contact_list.contacts_added' : 'contact_list.contacts_removed',
              tenantId,
              occurredAt: change.occurredAt,
              detail: { contact_list_id: listId, event_id: `${change.eventId}:members` },
            },
          };
          members.set(key, { tenantId, listId, added, ids: [contactId], last });
          out.push(last);
        }
        return;
      }
      case 'broadcast_run': {
        const event = progressEvent(change);
        if (event) push(event);
        return;
      }
      case 'execution': {
        if (!options.perMessageEvents) return;
        const event = messageEvent(change);
        if (event) push(event);
        return;
      }
      default:
        return;
    }
  });
  for (const group of members.values()) {
    group.last.event.detail = { ...group.last.event.detail, count: group.ids.length, contact_ids: group.ids };
  }
  // Stable: events of one record keep their order, aggregates move to their last record.
  return out
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.position - b.entry.position || a.index - b.index)
    .map(({ entry }) => entry.event);
}

interface Change {
  kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventId: string;
  newItem?: Item;
  oldItem?: Item;
  /** The change's own time when the item carries one (updatedAt), else the stream's approximate time. */
  occurredAt: string;
}

function readRecord(record: DynamoDBRecord): Change | undefined {
  const kind = record.eventName;
  const data = record.dynamodb;
  if (!kind || !data) return undefined;
  const newItem = data.NewImage ? unmarshallImage(data.NewImage) : undefined;
  const oldItem = data.OldImage ? unmarshallImage(data.OldImage) : undefined;
  const approximate = data.ApproximateCreationDateTime
    ? new Date(data.ApproximateCreationDateTime * 1000).toISOString()
    : new Date(0).toISOString();
  const updatedAt = kind === 'REMOVE' ? undefined : newItem?.updatedAt;
  return {
    kind,
    eventId: record.eventID ?? data.SequenceNumber ?? '',
    ...(newItem ? { newItem } : {}),
    ...(oldItem ? { oldItem } : {}),
    occurredAt: typeof updatedAt === 'string' ? updatedAt : approximate,
  };
}

function broadcastDetail(item: Item, eventId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    broadcast_id: item.id,
    list_id: item.listId,
    status: item.status,
    ...(typeof item.scheduledFor === 'string' && item.status === 'scheduled'
      ? { scheduled_for: item.scheduledFor }
      : {}),
    ...extra,
    event_id: eventId,
  };
}

function broadcastEvents(change: Change): DomainEvent[] {
  const { newItem, oldItem, occurredAt, eventId } = change;
  const event = (name: DomainEvent['name'], item: Item, id: string, extra: Record<string, unknown> = {}) => ({
    name,
    tenantId: String(item.tenantId),
    occurredAt,
    detail: broadcastDetail(item, id, extra),
  });
  if (change.kind === 'INSERT' && newItem) {
    const created = event('broadcast.created', newItem, `${eventId}:created`);
    return newItem.status === 'scheduled'
      ? [created, event('broadcast.scheduled', newItem, `${eventId}:scheduled`)]
      : [created];
  }
  if (change.kind === 'REMOVE' && oldItem) return [event('broadcast.deleted', oldItem, eventId)];
  if (change.kind !== 'MODIFY' || !newItem || !oldItem) return [];
  const from = oldItem.status as BroadcastStatus;
  const to = newItem.status as BroadcastStatus;
  if (from !== to) {
    const name = TRANSITION_EVENTS[`${from}>${to}`];
    const reason = newItem.statusReason;
    return name ? [event(name, newItem, eventId, typeof reason === 'string' ? { reason } : {})] : [];
  }
  if (to === 'scheduled' && oldItem.scheduledFor !== newItem.scheduledFor) {
    return [event('broadcast.scheduled', newItem, eventId)];
  }
  if (to === 'draft' && (oldItem.version !== newItem.version || oldItem.updatedAt !== newItem.updatedAt)) {
    return [event('broadcast.updated', newItem, eventId)];
  }
  return [];
}

function listChangeEvent(change: Change): DomainEvent | undefined {
  const { newItem, oldItem, occurredAt, eventId } = change;
  const item = (newItem ?? oldItem) as Item;
  const base = { tenantId: String(item.tenantId), occurredAt };
  const detail = { contact_list_id: item.id, is_dynamic: item.isDynamic === true, event_id: eventId };
  if (change.kind === 'INSERT') return { ...base, name: 'contact_list.created', detail };
  if (change.kind === 'REMOVE') return { ...base, name: 'contact_list.deleted', detail };
  const changed = LIST_FIELDS.filter((field) => !sameValue(oldItem?.[field], newItem?.[field]));
  return changed.length > 0
    ? { ...base, name: 'contact_list.updated', detail: { ...detail, changed_fields: changed } }
    : undefined;
}

function progressEvent(change: Change): DomainEvent | undefined {
  const { newItem, oldItem } = change;
  if (change.kind !== 'MODIFY' || !newItem || !oldItem) return undefined;
  const counters = ['sent', 'failed', 'skippedAtSend'] as const;
  if (counters.every((counter) => oldItem[counter] === newItem[counter])) return undefined;
  if (newItem.planDone !== true) return undefined;
  const total = numberOf(newItem.totalContacts);
  const sent = numberOf(newItem.sent);
  const failed = numberOf(newItem.failed);
  const skipped = numberOf(newItem.skippedAtPlan) + numberOf(newItem.skippedAtSend);
  if (!crossesProgressStep(doneOf(oldItem), sent + failed + skipped, total)) return undefined;
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

function messageEvent(change: Change): DomainEvent | undefined {
  const { newItem, oldItem } = change;
  if (change.kind !== 'MODIFY' || !newItem || oldItem?.status === newItem.status) return undefined;
  if (newItem.status !== 'sent' && newItem.status !== 'failed') return undefined;
  const sent = newItem.status === 'sent';
  return {
    name: sent ? 'broadcast.message_sent' : 'broadcast.message_failed',
    tenantId: String(newItem.tenantId),
    occurredAt: change.occurredAt,
    detail: {
      broadcast_id: newItem.broadcastId,
      execution_id: newItem.id,
      contact_id: newItem.contactId,
      status: newItem.status,
      ...(sent && typeof newItem.messageId === 'string' ? { message_id: newItem.messageId } : {}),
      ...(!sent && typeof newItem.reason === 'string' ? { reason: newItem.reason } : {}),
      event_id: change.eventId,
    },
  };
}

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A stream image (DynamoDB JSON) as a plain object; sets become arrays, numbers JavaScript numbers. */
export function unmarshallImage(image: Record<string, AttributeValue>): Item {
  const item: Item = {};
  for (const [name, value] of Object.entries(image)) item[name] = unmarshallValue(value);
  return item;
}

function unmarshallValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return unmarshallImage(value.M);
  if (value.L !== undefined) return value.L.map(unmarshallValue);
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map(Number);
  if (value.B !== undefined) return value.B;
  if (value.BS !== undefined) return [...value.BS];
  return undefined;
}
