import type { ContactList } from '../domain/contact-list.js';
import type { AudienceSegment } from '../domain/plan-segments.js';
import type { Page, PageRequest } from './pagination.js';

export interface ContactListRepository {
  /** Creates the list, and for a static list its initial members (ids must exist and be unique). */
  create(list: ContactList, contactIds: readonly string[]): Promise<void>;
  findById(tenantId: string, id: string): Promise<ContactList | undefined>;
  list(tenantId: string, page: PageRequest): Promise<Page<ContactList>>;
  /** Replaces name, description, tags and filters of a list that exists. */
  update(list: ContactList): Promise<void>;
  /**
   * How many times a broadcast was written naming the list (BroadcastRepository.create and update mark it in the same
   * transaction); undefined when the list does not exist. Read it before looking for the broadcasts that use the
   * list, then delete with it.
   */
  referenceMark(tenantId: string, id: string): Promise<number | undefined>;
  /**
   * Deletes the list and its memberships, only if no broadcast was written naming it since `referenceMark` was read
   * (and it still exists). False when one was: look again for the broadcasts that use it.
   */
  delete(list: ContactList, referenceMark: number): Promise<boolean>;
  /** Adds the ids not yet members; returns how many were added. The count stays exact under races. */
  addContacts(list: ContactList, contactIds: readonly string[]): Promise<number>;
  /** Returns false when the contact was not a member. */
  removeContact(list: ContactList, contactId: string): Promise<boolean>;
  /** The member contact ids of a static list, in a stable order. */
  listMemberIds(
    list: ContactList,
    page: PageRequest,
    /** Only the members in this segment of the list (the planner's segments). */
    segment?: AudienceSegment,
  ): Promise<Page<string>>;
}
