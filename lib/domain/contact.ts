import { UnprocessableError } from './errors.js';
import { applySuppressionsInput, type Suppressions, type SuppressionsInput } from './suppression.js';

/** A person the tenant can message. The CRM that owns the contacts pushes them in; we keep a copy. */
export type CustomFieldValue = string | number | boolean | null;

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
  /** Addresses a provider said not to use again (lib/domain/suppression.ts); absent: none. */
  suppressions?: Suppressions;
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
  /** Per kind: left out = kept, `null` = cleared, an object = set (see applySuppressionsInput). */
  suppressions?: SuppressionsInput;
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
 * Suppressions, like consent, are never cleared by omission: each kind changes only when the fields name it.
 */
export function applyContactFields(contact: Contact, fields: ContactFields, now: string): Contact {
  const optedOut = fields.optedOut ?? contact.optedOut;
  const optedOutAt = optedOut ? (contact.optedOut ? contact.optedOutAt : now) : undefined;
  const suppressions = applySuppressionsInput(
    contact.suppressions,
    fields.suppressions,
    { email: fields.email, phone: fields.phone },
    now,
  );
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
    suppressions,
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
