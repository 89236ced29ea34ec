import { type BroadcastStatus, TRANSITION_EVENTS } from '../../../domain/broadcast.js';
import type { DomainEvent } from '../../../domain/events.js';
import type { Item, ItemChange } from './item-change.js';

/**
 * The events of one change of a broadcast item: created (and scheduled, when inserted scheduled), a status
 * change's TRANSITION_EVENTS entry, a reschedule, an edit of a draft, deleted.
 */
export function broadcastEvents(change: ItemChange): DomainEvent[] {
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

function broadcastDetail(item: Item, eventId: string, extra: Record<string, unknown>): Record<string, unknown> {
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
