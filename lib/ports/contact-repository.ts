import type { Contact } from '../domain/contact.js';
import type { AudienceSegment } from '../domain/plan-segments.js';
import type { SuppressionKind, SuppressionReason } from '../domain/suppression.js';
import type { Page, PageRequest } from './pagination.js';

export interface ContactQuery {
  tag?: string;
  pipelineId?: string;
  statusId?: string;
}

/**
 * What `suppress` did: `suppressed` (written now), `unchanged` (that address was suppressed already: the first report
 * wins), `not_found` (no such contact), `no_address` (the contact has no address of that kind), `address_changed` (the
 * contact's address is no longer the one the provider reported: nothing to suppress).
 */
export type SuppressOutcome = 'suppressed' | 'unchanged' | 'not_found' | 'no_address' | 'address_changed';

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
  listMatching(
    tenantId: string,
    page: PageRequest,
    accept: (contact: Contact) => boolean,
    /** Only the contacts of this segment of the tenant's contacts (the planner's segments). */
    segment?: AudienceSegment,
  ): Promise<Page<Contact>>;
  /**
   * Suppresses the contact's current address of `kind` (lib/domain/suppression.ts): the provider said not to use it
   * again. `options.address`: the address the provider reported; when the contact no longer has it (the CRM changed
   * it since), nothing is written. Idempotent, and conditional on the contact as read, so it never loses a concurrent
   * PUT's change nor has its own lost by one (that PUT fails its condition and re-applies on top).
   */
  suppress(
    tenantId: string,
    contactId: string,
    kind: SuppressionKind,
    reason: SuppressionReason,
    at: string,
    options?: { address?: string },
  ): Promise<SuppressOutcome>;
  /** Deletes the contact, its external-id entry and its memberships of static lists. */
  delete(contact: Contact): Promise<void>;
}
