import { getContact } from './contact-queries.js';
import type { UseCaseDeps } from './deps.js';

/** DELETE /contacts/:id: the contact leaves every static list too, so list counts stay exact. */
export async function deleteContact(deps: Pick<UseCaseDeps, 'contacts'>, tenantId: string, id: string): Promise<void> {
  const contact = await getContact(deps, tenantId, id);
  await deps.contacts.delete(contact);
}
