import type { DomainEvent } from '../../../domain/events.js';
import type { ItemChange } from './item-change.js';

/**
 * broadcast.message_sent or broadcast.message_failed for an execution that has just become sent or failed: a MODIFY,
 * or an INSERT when its first outcome is its first write (a pending execution lives in its chunk's manifest).
 */
export function messageEvent(change: ItemChange): DomainEvent | undefined {
  const { newItem, oldItem } = change;
  if (change.kind === 'REMOVE' || !newItem || oldItem?.status === newItem.status) return undefined;
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

/**
 * broadcast.message_delivered and/or broadcast.message_read for an execution whose delivery status a receipt has just
 * moved: both at once for a `read` that came without `delivered`. Each at the time the provider gave, and with its own
 * `event_id` (the record's id and the event's name), so a consumer dropping duplicates by id keeps both.
 */
export function deliveryEvents(change: ItemChange): DomainEvent[] {
  const { newItem, oldItem } = change;
  if (change.kind !== 'MODIFY' || !newItem || oldItem?.deliveryStatus === newItem.deliveryStatus) return [];
  const reached = (item: typeof newItem | undefined, status: 'delivered' | 'read') =>
    item?.deliveryStatus === 'read' || (status === 'delivered' && item?.deliveryStatus === 'delivered');
  const events: DomainEvent[] = [];
  for (const status of ['delivered', 'read'] as const) {
    if (!reached(newItem, status) || reached(oldItem, status)) continue;
    const at = status === 'delivered' ? newItem.deliveredAt : newItem.readAt;
    events.push({
      name: status === 'delivered' ? 'broadcast.message_delivered' : 'broadcast.message_read',
      tenantId: String(newItem.tenantId),
      occurredAt: typeof at === 'string' ? at : change.occurredAt,
      detail: {
        broadcast_id: newItem.broadcastId,
        execution_id: newItem.id,
        contact_id: newItem.contactId,
        status: newItem.status,
        delivery_status: status,
        ...(typeof newItem.messageId === 'string' ? { message_id: newItem.messageId } : {}),
        event_id: `${change.eventId}:${status}`,
      },
    });
  }
  return events;
}
