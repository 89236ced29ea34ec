import { applyContactFields, type Contact, type ContactFields } from '../domain/contact.js';
import { NotFoundError } from '../domain/errors.js';
import type { UnsubscribeLinks, UnsubscribeTarget } from '../ports/unsubscribe-links.js';
import { nowIso, type UseCaseDeps } from './deps.js';
import { retryOnConflict } from './retry-on-conflict.js';

export type UnsubscribeDeps = Pick<UseCaseDeps, 'contacts' | 'clock'> & { unsubscribeLinks: UnsubscribeLinks };

export interface UnsubscribeResult {
  target: UnsubscribeTarget;
  contact: Contact;
  /** False when the contact had already opted out: nothing was written. */
  changed: boolean;
}

/**
 * The contact an unsubscribe token names. A token this service did not sign (tampered, foreign, garbled)
 * and a contact that no longer exists are the same 404: the link reveals nothing either way.
 */
export async function resolveUnsubscribeToken(
  deps: Pick<UnsubscribeDeps, 'contacts' | 'unsubscribeLinks'>,
  token: string,
): Promise<{ target: UnsubscribeTarget; contact: Contact }> {
  const target = deps.unsubscribeLinks.verify(token);
  const contact = target ? await deps.contacts.findById(target.tenantId, target.contactId) : undefined;
  if (!target || !contact) throw new NotFoundError('contact', 'of this unsubscribe link');
  return { target, contact };
}

/**
 * The public opt-out behind {{unsubscribe_link}}: the tenant comes from the signed token, never from the
 * caller. Idempotent: an opted-out contact stays as it is, opted_out_at included.
 */
export function unsubscribeContact(deps: UnsubscribeDeps, token: string): Promise<UnsubscribeResult> {
  return retryOnConflict(['contact.concurrent_update'], async () => {
    const { target, contact } = await resolveUnsubscribeToken(deps, token);
    if (contact.optedOut) return { target, contact, changed: false };
    const optedOut = applyContactFields(contact, { ...writableFieldsOf(contact), optedOut: true }, nowIso(deps));
    await deps.contacts.replace(optedOut, contact);
    return { target, contact: optedOut, changed: true };
  });
}

/** The contact's writable fields as they are, so that applyContactFields changes nothing but consent. */
export function writableFieldsOf(contact: Contact): ContactFields {
  const fields: ContactFields = {
    externalId: contact.externalId,
    name: contact.name,
    email: contact.email,
    phone: contact.phone,
    tags: contact.tags,
    pipelineId: contact.pipelineId,
    statusId: contact.statusId,
    customFields: contact.customFields,
    timezone: contact.timezone,
    optedOut: contact.optedOut,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as ContactFields;
}
