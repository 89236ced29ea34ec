import { applyContactFields } from '../domain/contact.js';
import { addressOf, sameAddress, withSuppression } from '../domain/suppression.js';
import { nowIso, type UseCaseDeps } from './deps.js';
import { retryOnConflict } from './retry-on-conflict.js';
import { writableFieldsOf } from './unsubscribe-contact.js';

export type ComplaintOutcome = 'opted_out' | 'unchanged' | 'not_found';

/**
 * The person behind a contact marked one of its e-mails as spam: consent is withdrawn as the unsubscribe link withdraws
 * it (opted_out, opted_out_at), and the complained-about address is suppressed (`complaint`) while it is still the
 * contact's, so a CRM that later syncs `opted_out: false` does not by itself bring the mail back: it has to clear the
 * suppression too. One conditional write (the contact as read), retried when it loses a race; nothing written when
 * both are already so (a duplicate event).
 */
export function optOutOnComplaint(
  deps: Pick<UseCaseDeps, 'contacts' | 'clock'>,
  complaint: { tenantId: string; contactId: string; at: string; address?: string },
): Promise<ComplaintOutcome> {
  return retryOnConflict(['contact.concurrent_update'], async () => {
    const contact = await deps.contacts.findById(complaint.tenantId, complaint.contactId);
    if (!contact) return 'not_found';
    const current = addressOf(contact, 'email');
    const stillTheirs =
      current !== undefined && (complaint.address === undefined || sameAddress('email', complaint.address, current));
    const suppressions = stillTheirs
      ? withSuppression(contact.suppressions, 'email', { reason: 'complaint', at: complaint.at, address: current })
      : undefined;
    if (contact.optedOut && suppressions === undefined) return 'unchanged';
    const optedOut = applyContactFields(contact, { ...writableFieldsOf(contact), optedOut: true }, nowIso(deps));
    await deps.contacts.replace(suppressions === undefined ? optedOut : { ...optedOut, suppressions }, contact);
    return 'opted_out';
  });
}
