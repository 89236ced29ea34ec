import type { ContactList } from '../../../lib/domain/contact-list.js';
import type { ContactListRepository } from '../../../lib/ports/contact-list-repository.js';

/** Every member id of a list, page after page of 1,000: the whole audience in memory, as the loops of the bench hold it. */
export async function allMemberIds(lists: ContactListRepository, list: ContactList): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await lists.listMemberIds(list, { limit: 1000, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}
