import type { SuppressionKind, SuppressionReason } from '../domain/suppression.js';
import { logger } from '../observability/logger.js';
import { nowIso, type UseCaseDeps } from './deps.js';

/**
 * Records that a provider refuses one address of a contact for good (an SMS carrier opt-out it keeps), so later
 * broadcasts skip that address as `suppressed`. `address`: the one the provider refused; when the contact's address
 * has changed since, nothing is suppressed (contacts.suppress decides). Best effort on purpose: the send's own
 * outcome is already recorded, and a write that fails here is not lost for good, since the provider keeps refusing
 * the address and the next send to it records it again. So a failure is logged (without the address) rather than
 * thrown, which would redeliver a chunk already done.
 */
export async function suppressAddress(
  deps: Pick<UseCaseDeps, 'contacts' | 'clock'>,
  target: { tenantId: string; contactId: string; address: string | undefined },
  kind: SuppressionKind,
  reason: SuppressionReason,
): Promise<void> {
  const { tenantId, contactId, address } = target;
  try {
    await deps.contacts.suppress(tenantId, contactId, kind, reason, nowIso(deps), address ? { address } : {});
  } catch (error) {
    logger.warn('address suppression not recorded', {
      tenantId,
      contactId,
      kind,
      reason,
      error: (error as Error)?.message ?? String(error),
    });
  }
}
