import { applyContactFields, type Contact, type ContactFields, newContact } from '../domain/contact.js';
import { ConflictError } from '../domain/errors.js';
import { nowIso, type UseCaseDeps } from './deps.js';

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
  for (let attempt = 0; ; attempt++) {
    const existing = fields.externalId ? await deps.contacts.findByExternalId(tenantId, fields.externalId) : undefined;
    if (existing) {
      const contact = applyContactFields(existing, fields, now);
      try {
        await deps.contacts.replace(contact, existing);
        return { contact, created: false };
      } catch (error) {
        if (!(error instanceof ConflictError && error.code === 'contact.concurrent_update') || attempt >= 4)
          throw error;
        continue;
      }
    }
    const contact = newContact(tenantId, deps.ids.newId(), fields, now);
    try {
      await deps.contacts.create(contact);
      return { contact, created: true };
    } catch (error) {
      const lostRace =
        error instanceof ConflictError &&
        ['contact.external_id_taken', 'contact.concurrent_update'].includes(error.code);
      if (!lostRace || attempt >= 4) throw error;
    }
  }
}
