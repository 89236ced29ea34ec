import { type Broadcast, type BroadcastStatus, pendingCount, progressPercent } from '../domain/broadcast.js';
import type { BroadcastExecution, ExecutionStatus } from '../domain/broadcast-execution.js';
import type { TimelineBucket } from '../domain/broadcast-timeline.js';
import { NO_DELIVERY_COUNTS } from '../domain/delivery-status.js';
import { executionLayoutOf } from '../domain/plan-segments.js';
import type { Page, PageRequest } from '../ports/pagination.js';
import { getBroadcast } from './broadcast-commands.js';
import type { UseCaseDeps } from './deps.js';

export function listBroadcasts(
  deps: Pick<UseCaseDeps, 'broadcasts'>,
  tenantId: string,
  page: PageRequest,
  status?: BroadcastStatus,
): Promise<Page<Broadcast>> {
  return deps.broadcasts.list(tenantId, page, status);
}

export interface BroadcastStats {
  totalContacts: number;
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  skipped: number;
  progressPercent: number;
  /** From the provider's delivery receipts (channels that send them): exact, whatever their duplicates and order. */
  delivered: number;
  read: number;
  deliveryFailed: number;
  status: BroadcastStatus;
  startedAt?: string;
  completedAt?: string;
}

/** GetBroadcastStatsUseCase: the counters kept on the broadcast, never recounted per request. */
export async function getBroadcastStats(
  deps: Pick<UseCaseDeps, 'broadcasts'>,
  tenantId: string,
  id: string,
): Promise<BroadcastStats> {
  const b = await getBroadcast(deps, tenantId, id);
  return {
    totalContacts: b.totalContacts,
    pending: pendingCount(b),
    sending: b.sending,
    sent: b.sent,
    failed: b.failed,
    skipped: b.skipped,
    progressPercent: progressPercent(b),
    ...(b.delivery ?? NO_DELIVERY_COUNTS),
    status: b.status,
    ...(b.startedAt ? { startedAt: b.startedAt } : {}),
    ...(b.completedAt ? { completedAt: b.completedAt } : {}),
  };
}

/** ListBroadcastExecutionsUseCase: who got what, optionally only one status. */
export async function listBroadcastExecutions(
  deps: Pick<UseCaseDeps, 'broadcasts' | 'executions' | 'runs'>,
  tenantId: string,
  id: string,
  page: PageRequest,
  status?: ExecutionStatus,
): Promise<Page<BroadcastExecution>> {
  await getBroadcast(deps, tenantId, id);
  const run = await deps.runs.get(tenantId, id);
  if (!run) return { items: [] };
  return deps.executions.findByBroadcast(tenantId, id, executionLayoutOf(run), page, status);
}

/** GetBroadcastTimelineUseCase: outcomes per minute, as the senders counted their chunks; none before a start. */
export async function getBroadcastTimeline(
  deps: Pick<UseCaseDeps, 'broadcasts' | 'runs'>,
  tenantId: string,
  id: string,
): Promise<TimelineBucket[]> {
  const broadcast = await getBroadcast(deps, tenantId, id);
  return broadcast.startedAt === undefined ? [] : deps.runs.timeline(tenantId, id);
}
