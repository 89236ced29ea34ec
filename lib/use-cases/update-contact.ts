import { applyContactFields, assertIdentifiable, type Contact, type ContactFields } from '../domain/contact.js';
import { getContact } from './contact-queries.js';
import { nowIso, type UseCaseDeps } from './deps.js';
import { retryOnConflict } from './retry-on-conflict.js';

/**
 * PUT /contacts/:id replaces the writable fields. Two are kept when the body leaves them out:
 * `external_id` (the CRM's key) and `opted_out` (consent is never withdrawn or restored by omission).
 */
export async function updateContact(
  deps: Pick<UseCaseDeps, 'contacts' | 'clock'>,
  tenantId: string,
  id: string,
  fields: ContactFields,
): Promise<Contact> {
  return retryOnConflict(['contact.concurrent_update'], async () => {
    const existing = await getContact(deps, tenantId, id);
    const contact = applyContactFields(existing, fields, nowIso(deps));
    assertIdentifiable(contact);
    await deps.contacts.replace(contact, existing);
    return contact;
  });
}
