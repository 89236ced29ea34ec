import type { BroadcastRun } from '../domain/broadcast-run.js';
import type { Contact } from '../domain/contact.js';
import { filterClockAt, matchesFilters } from '../domain/contact-list.js';
import type { PlanSegmentState } from '../domain/plan-segments.js';
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
 * The next page of one segment of the audience: the static list's member ids, or the contacts matching the dynamic
 * list's filters as of the run's start ("today" stays the day the broadcast started, however long planning takes).
 */
export async function audiencePage(
  deps: Deps,
  tenantId: string,
  listId: string,
  run: BroadcastRun,
  state: PlanSegmentState,
  limit: number,
): Promise<AudiencePage> {
  if (run.audienceContactIds !== undefined) return explicitAudience(deps, tenantId, run.audienceContactIds);
  const page = { limit, ...(state.cursor ? { cursor: state.cursor } : {}) };
  const segment = { index: state.segment, count: run.planSegments };
  const list = await deps.contactLists.findById(tenantId, listId);
  if (!list) return { contacts: [], uncheckedIds: [] };
  const next = (read: Page<unknown>) => (read.nextCursor ? { nextCursor: read.nextCursor } : {});
  if (list.isDynamic) {
    const clock = filterClockAt(new Date(run.audienceAsOf));
    const filters = list.filters ?? {};
    const accept = (contact: Contact) => matchesFilters(contact, filters, clock);
    const read = await deps.contacts.listMatching(tenantId, page, accept, segment);
    return { contacts: read.items, uncheckedIds: [], ...next(read) };
  }
  const read = await deps.contactLists.listMemberIds(list, page, segment);
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
