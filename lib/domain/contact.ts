import { UnprocessableError } from './errors.js';

/** A person the tenant can message. The CRM that owns the contacts pushes them in; we keep a copy. */
export type CustomFieldValue = string | number | boolean | null;

/** The kinds of address a provider can refuse for good: the contact's e-mail, or their phone for SMS. */
export const SUPPRESSED_ADDRESSES = ['email', 'sms'] as const;
export type SuppressedAddress = (typeof SUPPRESSED_ADDRESSES)[number];

/**
 * Why an address gets nothing more: a permanent bounce, a complaint, or an opt-out the recipient made with the
 * provider (an SMS STOP, which AWS End User Messaging keeps on its opt-out list and then refuses).
 */
export type SuppressionReason = 'bounce' | 'complaint' | 'opted_out';

export interface Suppression {
  reason: SuppressionReason;
  /** When it was first learnt (ISO 8601). */
  at: string;
}

export interface Contact {
  id: string;
  tenantId: string;
  externalId?: string;
  name?: string;
  email?: string;
  /** E.164, e.g. +5511999998888. */
  phone?: string;
  tags: string[];
  pipelineId?: string;
  statusId?: string;
  customFields: Record<string, CustomFieldValue>;
  /** IANA time zone name. */
  timezone?: string;
  optedOut: boolean;
  optedOutAt?: string;
  /** Addresses of this contact that providers refuse for good, per kind; written by the service, not the CRM. */
  suppressions?: Partial<Record<SuppressedAddress, Suppression>>;
  createdAt: string;
  updatedAt: string;
}

/** The writable fields of a contact, as a create or a full replace (PUT) gives them. */
export interface ContactFields {
  externalId?: string;
  name?: string;
  email?: string;
  phone?: string;
  tags?: string[];
  pipelineId?: string;
  statusId?: string;
  customFields?: Record<string, CustomFieldValue>;
  timezone?: string;
  optedOut?: boolean;
}

export function newContact(tenantId: string, id: string, fields: ContactFields, now: string): Contact {
  return applyContactFields(
    { id, tenantId, tags: [], customFields: {}, optedOut: false, createdAt: now, updatedAt: now },
    fields,
    now,
  );
}

/**
 * Replaces the writable fields. `opted_out_at` records when consent was withdrawn: it is set when
 * `opted_out` turns true, kept while it stays true, and cleared when the CRM re-subscribes the contact.
 */
export function applyContactFields(contact: Contact, fields: ContactFields, now: string): Contact {
  const optedOut = fields.optedOut ?? contact.optedOut;
  const optedOutAt = optedOut ? (contact.optedOut ? contact.optedOutAt : now) : undefined;
  return withoutUndefined({
    id: contact.id,
    tenantId: contact.tenantId,
    externalId: fields.externalId ?? contact.externalId,
    name: fields.name,
    email: fields.email,
    phone: fields.phone,
    tags: uniqueTags(fields.tags ?? []),
    pipelineId: fields.pipelineId,
    statusId: fields.statusId,
    customFields: fields.customFields ?? {},
    timezone: fields.timezone,
    optedOut,
    optedOutAt,
    // Not the CRM's to write: a replace keeps what providers told us.
    suppressions: contact.suppressions,
    createdAt: contact.createdAt,
    updatedAt: now,
  });
}

/**
 * A contact must be reachable or identifiable: a name, an email, a phone or the CRM's external_id. One with none of
 * them can neither receive a message nor be found again (a CRM import gone wrong): 422 `contact.unidentifiable`.
 */
export function assertIdentifiable(contact: Pick<Contact, 'name' | 'email' | 'phone' | 'externalId'>): void {
  if (contact.name || contact.email || contact.phone || contact.externalId) return;
  throw new UnprocessableError(
    'contact.unidentifiable',
    'a contact needs at least one of name, email, phone or external_id',
    [{ field: 'contact', message: 'give at least one of name, email, phone or external_id' }],
  );
}

export function uniqueTags(tags: readonly string[]): string[] {
  return [...new Set(tags)];
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
