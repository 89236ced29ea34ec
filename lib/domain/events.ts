/**
 * The seed's domain events. Use cases only change state: the events are derived from the committed changes on
 * the table's stream (lib/adapters/dynamodb/stream/) and published by functions/event-publisher.ts.
 */
export type ContactListEventName =
  | 'contact_list.created'
  | 'contact_list.updated'
  | 'contact_list.contacts_added'
  | 'contact_list.contacts_removed'
  | 'contact_list.deleted';

export type BroadcastEventName =
  | 'broadcast.created'
  | 'broadcast.updated'
  | 'broadcast.deleted'
  | 'broadcast.scheduled'
  | 'broadcast.unscheduled'
  | 'broadcast.started'
  | 'broadcast.paused'
  | 'broadcast.resumed'
  | 'broadcast.message_sent'
  | 'broadcast.message_failed'
  /** A delivery receipt said the message reached the phone (also when it came as `read` without `delivered`). */
  | 'broadcast.message_delivered'
  /** A delivery receipt said the message was read. */
  | 'broadcast.message_read'
  /** Counters of a running broadcast, at every 10 % step of progress: the default stand-in for the per-message events. */
  | 'broadcast.progress'
  | 'broadcast.completed'
  | 'broadcast.failed'
  | 'broadcast.cancelled';

export interface DomainEvent {
  name: ContactListEventName | BroadcastEventName;
  tenantId: string;
  occurredAt: string;
  /** The ids (and little else) a consumer needs to look the change up. */
  detail: Record<string, unknown>;
}
