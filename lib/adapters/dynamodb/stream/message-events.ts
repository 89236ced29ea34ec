import type { DomainEvent } from '../../../domain/events.js';
import type { ItemChange } from './item-change.js';

/** broadcast.message_sent or broadcast.message_failed for an execution that has just become sent or failed. */
export function messageEvent(change: ItemChange): DomainEvent | undefined {
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
