import type { Contact } from '../domain/contact.js';
import { type ContactList, filterClockAt, matchesFilters } from '../domain/contact-list.js';
import { NotFoundError } from '../domain/errors.js';
import type { Page, PageRequest } from '../ports/pagination.js';
import type { UseCaseDeps } from './deps.js';

export async function getContactList(
  deps: Pick<UseCaseDeps, 'contactLists'>,
  tenantId: string,
  id: string,
): Promise<ContactList> {
  const list = await deps.contactLists.findById(tenantId, id);
  if (!list) throw new NotFoundError('contact_list', id);
  return list;
}

export function listContactLists(
  deps: Pick<UseCaseDeps, 'contactLists'>,
  tenantId: string,
  page: PageRequest,
): Promise<Page<ContactList>> {
  return deps.contactLists.list(tenantId, page);
}

/**
 * ResolveContactsUseCase, one page at a time: the members of a static list, or the contacts that match
 * a dynamic list's filters right now. Memory is bounded by the page size whatever the list size.
 */
export async function resolveListContacts(
  deps: Pick<UseCaseDeps, 'contactLists' | 'contacts' | 'clock'>,
  tenantId: string,
  listId: string,
  page: PageRequest,
): Promise<Page<Contact>> {
  const list = await getContactList(deps, tenantId, listId);
  if (list.isDynamic) {
    const clock = filterClockAt(deps.clock.now());
    const filters = list.filters ?? {};
    return deps.contacts.listMatching(tenantId, page, (contact) => matchesFilters(contact, filters, clock));
  }
  const ids = await deps.contactLists.listMemberIds(list, page);
  const contacts = await deps.contacts.findByIds(tenantId, ids.items);
  const byId = new Map(contacts.map((c) => [c.id, c]));
  const items = ids.items.flatMap((id) => byId.get(id) ?? []);
  return ids.nextCursor === undefined ? { items } : { items, nextCursor: ids.nextCursor };
}
