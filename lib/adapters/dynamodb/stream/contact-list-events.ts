import type { DomainEvent } from '../../../domain/events.js';
import { idFromSortKey, listKeys } from '../keys.js';
import type { Item, ItemChange } from './item-change.js';

/** The list fields a person edits: a change of anything else (the member count, updatedAt alone) is no update. */
const LIST_FIELDS = ['name', 'description', 'tags', 'filters'] as const;

/** The event of one change of a list item: created, updated (with the fields that changed) or deleted. */
export function listChangeEvent(change: ItemChange): DomainEvent | undefined {
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

interface MemberGroup {
  event: DomainEvent;
  contactIds: string[];
  /** Index of the group's last record in the batch: its event stands there. */
  position: number;
}

/**
 * The member INSERTs and REMOVEs of one stream batch, one contacts_added or contacts_removed event per list (a
 * thousand contacts added at once are one event, not a thousand), with the count and the contact ids. A member
 * item carries only its keys: the tenant, the list and the contact come from them.
 */
export class MemberChanges {
  private readonly groups = new Map<string, MemberGroup>();

  add(change: ItemChange, position: number): void {
    if (change.kind === 'MODIFY') return;
    const item = (change.newItem ?? change.oldItem) as Item;
    const partition = listKeys.parseMembersPartition(String(item.pk));
    if (!partition) return;
    const { tenantId, listId } = partition;
    const added = change.kind === 'INSERT';
    const key = `${added ? '+' : '-'}${tenantId}#${listId}`;
    const contactId = idFromSortKey(String(item.sk));
    const group = this.groups.get(key);
    if (group) {
      group.contactIds.push(contactId);
      group.position = position;
      group.event.occurredAt = change.occurredAt;
      return;
    }
    this.groups.set(key, {
      position,
      contactIds: [contactId],
      event: {
        name: added ? 'contact_list.contacts_added' : 'contact_list.contacts_removed',
        tenantId,
        occurredAt: change.occurredAt,
        detail: { contact_list_id: listId, event_id: `${change.eventId}:members` },
      },
    });
  }

  /** One event per list and direction, each at the position of its group's last record. */
  events(): { position: number; event: DomainEvent }[] {
    return [...this.groups.values()].map(({ event, contactIds, position }) => ({
      position,
      event: { ...event, detail: { ...event.detail, count: contactIds.length, contact_ids: contactIds } },
    }));
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
