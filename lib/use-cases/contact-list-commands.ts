import type { ContactList, ListFilters } from '../domain/contact-list.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import { type RetryPolicy, retry } from '../retry.js';
import { getContactList } from './contact-list-queries.js';
import { nowIso, type UseCaseDeps } from './deps.js';

export const MAX_CONTACT_IDS_PER_REQUEST = 1000;

export type CreateContactListCommand = {
  name: string;
  description?: string;
  tags?: string[];
} & ({ isDynamic: false; contactIds: string[] } | { isDynamic: true; filters: ListFilters });

/** CreateStaticListCommand and CreateDynamicListCommand of the seed. */
export async function createContactList(
  deps: Pick<UseCaseDeps, 'contactLists' | 'contacts' | 'clock' | 'ids'>,
  tenantId: string,
  command: CreateContactListCommand,
): Promise<ContactList> {
  const now = nowIso(deps);
  const base = { id: deps.ids.newId(), tenantId, name: command.name, tags: command.tags ?? [], createdAt: now };
  const description = command.description === undefined ? {} : { description: command.description };
  let list: ContactList;
  let memberIds: string[] = [];
  if (command.isDynamic) {
    list = { ...base, ...description, isDynamic: true, filters: command.filters, updatedAt: now };
  } else {
    memberIds = await existingContactIds(deps, tenantId, command.contactIds);
    list = { ...base, ...description, isDynamic: false, contactCount: memberIds.length, updatedAt: now };
  }
  await deps.contactLists.create(list, memberIds);
  return list;
}

/** UpdateListFiltersCommand, plus name, description and tags. Filters belong to dynamic lists only. */
export async function updateContactList(
  deps: Pick<UseCaseDeps, 'contactLists' | 'clock'>,
  tenantId: string,
  id: string,
  changes: { name?: string; description?: string | null; tags?: string[]; filters?: ListFilters },
): Promise<ContactList> {
  const list = await getContactList(deps, tenantId, id);
  if (changes.filters && !list.isDynamic) {
    throw new ConflictError('contact_list.not_dynamic', 'a static list has no filters; add or remove contacts instead');
  }
  const now = nowIso(deps);
  const updated: ContactList = {
    ...list,
    name: changes.name ?? list.name,
    tags: changes.tags ?? list.tags,
    filters: changes.filters ?? list.filters,
    updatedAt: now,
  };
  if (changes.description === null) delete updated.description;
  else if (changes.description !== undefined) updated.description = changes.description;
  if (!updated.isDynamic) delete updated.filters;
  await deps.contactLists.update(updated);
  return updated;
}

/** A broadcast was written naming the list after its mark was read: look again. */
class ListTakenMeanwhileError extends Error {}

/**
 * Tries of a delete that broadcasts keep being written on. No pause: the write that got in the way has committed,
 * and the next look finds its broadcast (then the answer is 409).
 */
const LIST_TAKEN_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 0 };

/**
 * A list that an unfinished broadcast targets cannot be deleted: that broadcast would lose its audience. Atomic with
 * the broadcasts' writes: every write of a broadcast marks the list it names in the same transaction, and the delete
 * is conditional on the mark read before the broadcasts were looked for. Of a broadcast written on the list and the
 * list's deletion, exactly one wins (docs/design.md section 8, invariant 10).
 */
export async function deleteContactList(
  deps: Pick<UseCaseDeps, 'contactLists' | 'broadcasts'>,
  tenantId: string,
  id: string,
): Promise<void> {
  const list = await getContactList(deps, tenantId, id);
  try {
    await retry(
      async () => {
        const mark = await deps.contactLists.referenceMark(tenantId, id);
        if (mark === undefined) throw new NotFoundError('contact_list', id);
        const users = await deps.broadcasts.findUnfinishedByList(tenantId, id);
        if (users.length > 0) {
          const names = users.map((b) => `${b.id} (${b.status})`).join(', ');
          throw new ConflictError(
            'contact_list.in_use',
            `the list is used by broadcasts that have not finished: ${names}`,
          );
        }
        if (!(await deps.contactLists.delete(list, mark))) throw new ListTakenMeanwhileError();
      },
      { ...LIST_TAKEN_RETRY, retryable: (error) => error instanceof ListTakenMeanwhileError },
    );
  } catch (error) {
    if (!(error instanceof ListTakenMeanwhileError)) throw error;
    throw new ConflictError(
      'contact_list.in_use',
      'broadcasts kept being written on the list while it was being deleted',
    );
  }
}

/** AddContactsToListCommand: every id must be one of the tenant's contacts, else 422 naming the unknown ones. */
export async function addContactsToList(
  deps: Pick<UseCaseDeps, 'contactLists' | 'contacts'>,
  tenantId: string,
  id: string,
  contactIds: readonly string[],
): Promise<{ list: ContactList; added: number }> {
  const list = await assertStatic(await getContactList(deps, tenantId, id));
  const ids = await existingContactIds(deps, tenantId, contactIds);
  const added = await deps.contactLists.addContacts(list, ids);
  const updated = await getContactList(deps, tenantId, id);
  return { list: updated, added };
}

/** RemoveContactsFromListCommand for one contact; 404 when the contact is not a member. */
export async function removeContactFromList(
  deps: Pick<UseCaseDeps, 'contactLists'>,
  tenantId: string,
  id: string,
  contactId: string,
): Promise<void> {
  const list = await assertStatic(await getContactList(deps, tenantId, id));
  const removed = await deps.contactLists.removeContact(list, contactId);
  if (!removed) throw new NotFoundError('contact', contactId);
}

async function assertStatic(list: ContactList): Promise<ContactList> {
  if (list.isDynamic) {
    throw new ConflictError(
      'contact_list.not_static',
      'a dynamic list is defined by its filters; change those instead',
    );
  }
  return list;
}

/** De-duplicates the ids and checks each is a contact of the tenant. */
async function existingContactIds(
  deps: Pick<UseCaseDeps, 'contacts'>,
  tenantId: string,
  contactIds: readonly string[],
): Promise<string[]> {
  const unique = [...new Set(contactIds)];
  const found = new Set((await deps.contacts.findByIds(tenantId, unique)).map((c) => c.id));
  const unknown = unique.filter((cid) => !found.has(cid));
  if (unknown.length > 0) {
    throw new UnprocessableError(
      'contact_list.unknown_contacts',
      `${unknown.length} contact id(s) are not contacts of yours: ${unknown.join(', ')}`,
      unknown.map((cid) => ({ field: 'contact_ids', message: `unknown contact ${cid}` })),
    );
  }
  return unique;
}
