import type { Contact } from '../domain/contact.js';
import { NotFoundError } from '../domain/errors.js';
import type { ContactQuery } from '../ports/contact-repository.js';
import type { Page, PageRequest } from '../ports/pagination.js';
import type { UseCaseDeps } from './deps.js';

export async function getContact(deps: Pick<UseCaseDeps, 'contacts'>, tenantId: string, id: string): Promise<Contact> {
  const contact = await deps.contacts.findById(tenantId, id);
  if (!contact) throw new NotFoundError('contact', id);
  return contact;
}

export function listContacts(
  deps: Pick<UseCaseDeps, 'contacts'>,
  tenantId: string,
  page: PageRequest,
  query: ContactQuery,
): Promise<Page<Contact>> {
  return deps.contacts.list(tenantId, page, query);
}
