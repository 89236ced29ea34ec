import {
  applyContactFields,
  assertIdentifiable,
  type Contact,
  type ContactFields,
  newContact,
} from '../domain/contact.js';
import { nowIso, type UseCaseDeps } from './deps.js';
import { retryOnConflict } from './retry-on-conflict.js';

export interface UpsertContactResult {
  contact: Contact;
  created: boolean;
}

/**
 * POST /contacts: creates a contact, or, when `external_id` names one the tenant already has, replaces
 * that contact's fields. Two concurrent POSTs with one new external_id end with one contact: the loser
 * of the create race retries as an update.
 */
export async function upsertContact(
  deps: Pick<UseCaseDeps, 'contacts' | 'clock' | 'ids'>,
  tenantId: string,
  fields: ContactFields,
): Promise<UpsertContactResult> {
  const now = nowIso(deps);
  // Updating keeps the external id, so only the create can find it taken (by the winner of the race).
  return retryOnConflict(['contact.external_id_taken', 'contact.concurrent_update'], async () => {
    const existing = fields.externalId ? await deps.contacts.findByExternalId(tenantId, fields.externalId) : undefined;
    if (existing) {
      const contact = applyContactFields(existing, fields, now);
      assertIdentifiable(contact);
      await deps.contacts.replace(contact, existing);
      return { contact, created: false };
    }
    const contact = newContact(tenantId, deps.ids.newId(), fields, now);
    assertIdentifiable(contact);
    await deps.contacts.create(contact);
    return { contact, created: true };
  });
}
