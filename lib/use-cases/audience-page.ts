import type { BroadcastRun } from '../domain/broadcast-run.js';
import type { Contact } from '../domain/contact.js';
import { filterClockAt, matchesFilters } from '../domain/contact-list.js';
import type { Page } from '../ports/pagination.js';
import type { UseCaseDeps } from './deps.js';

type Deps = Pick<UseCaseDeps, 'contacts' | 'contactLists'>;

/** One page of the audience: contacts read (and checked here), ids planned unread, ids that match no contact. */
export interface AudiencePage {
  contacts: Contact[];
  uncheckedIds: string[];
  missingIds?: string[];
  nextCursor?: string;
}

/**
 * The static list's member ids, or the contacts matching the dynamic list's filters as of the run's start
 * ("today" stays the day the broadcast started, however long planning takes).
 */
export async function audiencePage(
  deps: Deps,
  tenantId: string,
  listId: string,
  run: BroadcastRun,
  limit: number,
): Promise<AudiencePage> {
  if (run.audienceContactIds !== undefined) return explicitAudience(deps, tenantId, run.audienceContactIds);
  const page = { limit, ...(run.planCursor ? { cursor: run.planCursor } : {}) };
  const list = await deps.contactLists.findById(tenantId, listId);
  if (!list) return { contacts: [], uncheckedIds: [] };
  const next = (read: Page<unknown>) => (read.nextCursor ? { nextCursor: read.nextCursor } : {});
  if (list.isDynamic) {
    const clock = filterClockAt(new Date(run.audienceAsOf));
    const filters = list.filters ?? {};
    const read = await deps.contacts.listMatching(tenantId, page, (contact) => matchesFilters(contact, filters, clock));
    return { contacts: read.items, uncheckedIds: [], ...next(read) };
  }
  const read = await deps.contactLists.listMemberIds(list, page);
  return { contacts: [], uncheckedIds: read.items, ...next(read) };
}

/**
 * An explicit audience (automation `contact_ids`, at most 1,000 ids): one page of exactly those contacts, whatever
 * the list holds. Ids that match no contact (never existed or deleted since) are skipped as `contact_deleted`, so
 * every id given gets an execution and the counters add up.
 */
async function explicitAudience(deps: Deps, tenantId: string, ids: readonly string[]): Promise<AudiencePage> {
  const unique = [...new Set(ids)];
  const byId = new Map((await deps.contacts.findByIds(tenantId, unique)).map((contact) => [contact.id, contact]));
  // In the order given, so a re-planned page puts every contact in the same chunk again.
  const contacts = unique.flatMap((id) => byId.get(id) ?? []);
  const found = new Set(byId.keys());
  return { contacts, uncheckedIds: [], missingIds: unique.filter((id) => !found.has(id)) };
}
