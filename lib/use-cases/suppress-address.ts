import type { SuppressedAddress, SuppressionReason } from '../domain/contact.js';
import { logger } from '../observability/logger.js';
import { nowIso, type UseCaseDeps } from './deps.js';

/**
 * Records that a provider refuses one address of a contact for good (an SMS opt-out it keeps), so later broadcasts
 * skip that address. Best effort on purpose: the send's own outcome is already recorded, and a write that fails here
 * is not lost for good, since the provider keeps refusing the address and the next send to it records it again.
 * So a failure is logged (without the address) rather than thrown, which would redeliver a chunk already done.
 */
export async function suppressAddress(
  deps: Pick<UseCaseDeps, 'contacts' | 'clock'>,
  target: { tenantId: string; contactId: string },
  address: SuppressedAddress,
  reason: SuppressionReason,
): Promise<void> {
  try {
    await deps.contacts.suppress(target.tenantId, target.contactId, address, { reason, at: nowIso(deps) });
  } catch (error) {
    logger.warn('address suppression not recorded', {
      tenantId: target.tenantId,
      contactId: target.contactId,
      address,
      reason,
      error: (error as Error)?.message ?? String(error),
    });
  }
}
