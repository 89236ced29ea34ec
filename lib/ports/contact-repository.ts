import type { Contact } from '../domain/contact.js';
import type { Page, PageRequest } from './pagination.js';

export interface ContactQuery {
  tag?: string;
  pipelineId?: string;
  statusId?: string;
}

export interface ContactRepository {
  /** Fails with ConflictError `contact.external_id_taken` when another contact holds the external id. */
  create(contact: Contact): Promise<void>;
  /** Replaces a contact that exists; keeps the external-id index in step. */
  replace(contact: Contact, previous: Contact): Promise<void>;
  findById(tenantId: string, id: string): Promise<Contact | undefined>;
  findByExternalId(tenantId: string, externalId: string): Promise<Contact | undefined>;
  /**
   * The contacts among `ids` that exist, in no particular order. Strongly consistent unless
   * `consistent: false` (half the read units; a change of the last second or so may not show yet).
   */
  findByIds(tenantId: string, ids: readonly string[], options?: { consistent?: boolean }): Promise<Contact[]>;
  list(tenantId: string, page: PageRequest, query?: ContactQuery): Promise<Page<Contact>>;
  /** Walks every contact of the tenant page by page, keeping those `accept` returns true for. */
  listMatching(tenantId: string, page: PageRequest, accept: (contact: Contact) => boolean): Promise<Page<Contact>>;
  /** Deletes the contact, its external-id entry and its memberships of static lists. */
  delete(contact: Contact): Promise<void>;
}
