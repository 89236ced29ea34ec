import { settledView, type TestSend } from '../domain/test-send.js';
import type { Page, PageRequest } from '../ports/pagination.js';
import { getBroadcast } from './broadcast-commands.js';
import type { UseCaseDeps } from './deps.js';

/**
 * GET /broadcasts/:id/test-sends: the broadcast's test sends, newest first (404 when the broadcast is not the
 * tenant's). One whose answer was never recorded shows as failed (`outcome_unknown`) once it is long overdue.
 */
export async function listTestSends(
  deps: Pick<UseCaseDeps, 'broadcasts' | 'testSends' | 'clock'>,
  tenantId: string,
  broadcastId: string,
  page: PageRequest,
): Promise<Page<TestSend>> {
  await getBroadcast(deps, tenantId, broadcastId);
  const found = await deps.testSends.list(tenantId, broadcastId, page);
  const nowMs = deps.clock.now().getTime();
  return { ...found, items: found.items.map((testSend) => settledView(testSend, nowMs)) };
}
