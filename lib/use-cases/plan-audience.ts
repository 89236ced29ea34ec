import type { Broadcast } from '../domain/broadcast.js';
import type { BroadcastExecution } from '../domain/broadcast-execution.js';
import type { BroadcastRun } from '../domain/broadcast-run.js';
import { hasRequiredAddress } from '../domain/channel.js';
import type { Contact } from '../domain/contact.js';
import { isSuppressed, suppressionKindFor } from '../domain/suppression.js';
import { audiencePage } from './audience-page.js';
import { completeIfFinished } from './complete-run.js';
import type { UseCaseDeps } from './deps.js';
import { resolveChannel } from './resolve-channel.js';

/** Contacts resolved per planner invocation: memory stays bounded by this, whatever the audience size. */
export const PLAN_PAGE_SIZE = 500;
/** Longer than the pipeline worker's timeout (60 s), shorter than the pacer's planner watchdog (120 s). */
export const PLAN_LEASE_MS = 90_000;

/**
 * How long one invocation goes on planning page after page: a third of the pipeline worker's timeout (60 s), so the
 * page that starts last ends well within it. Each page commits on its own, so a cut-off loses at most one page's work.
 */
export const PLAN_INVOCATION_BUDGET_MS = 20_000;

export type PlanStep = 'more' | 'done' | 'stopped';

type Deps = Pick<
  UseCaseDeps,
  | 'broadcasts'
  | 'runs'
  | 'executions'
  | 'contacts'
  | 'contactLists'
  | 'channels'
  | 'defaultChannel'
  | 'queue'
  | 'clock'
  | 'ids'
  | 'delivery'
>;

/**
 * One invocation of the planner: pages one after another, without a queue hop between them, until the audience is
 * planned or the budget is spent; 'more' tells the caller to queue the next invocation.
 */
export async function planAudience(
  deps: Deps,
  tenantId: string,
  broadcastId: string,
  budgetMs = PLAN_INVOCATION_BUDGET_MS,
): Promise<PlanStep> {
  const until = deps.clock.now().getTime() + budgetMs;
  for (;;) {
    const step = await planAudiencePage(deps, tenantId, broadcastId);
    if (step !== 'more' || deps.clock.now().getTime() >= until) return step;
  }
}

/**
 * The planner: resolves one page of the audience into executions and commits the page with its cursor (`oneChunk`: a
 * page of one chunk's worth, for a run's very first step).
 * Executions are written first and the page committed second (conditionally), so a crash in between
 * re-plans the same page into the same partitions, and nothing is released before its page committed.
 * Where the planner reads the contacts anyway (dynamic lists, explicit audiences), those opted out, without
 * the address the channel needs, or whose address the channel must not use (suppressed) are skipped right away,
 * with a reason. A static list's members are planned
 * from the membership items alone: the sender reads every contact it sends to in any case (and decides the
 * same skips there), so reading them here too would double the read cost of a broadcast.
 */
export async function planAudiencePage(
  deps: Deps,
  tenantId: string,
  broadcastId: string,
  options: { oneChunk?: boolean } = {},
): Promise<PlanStep> {
  const [broadcast, run] = await Promise.all([
    deps.broadcasts.findById(tenantId, broadcastId),
    deps.runs.get(tenantId, broadcastId),
  ]);
  if (!broadcast || !run || run.planDone) return 'stopped';
  const nowDate = deps.clock.now();
  const lease = deps.ids.newId();
  const leased = await deps.runs.leasePlanPage(
    tenantId,
    broadcastId,
    run.plannedChunks,
    lease,
    nowDate.getTime(),
    nowDate.getTime() + PLAN_LEASE_MS,
  );
  // Another planner is on this page (a duplicate message): it commits and sends the next one.
  if (!leased) return 'stopped';
  try {
    const page = { lease, retried: leased.retried, size: options.oneChunk ? run.chunkSize : PLAN_PAGE_SIZE };
    return await planLeasedPage(deps, broadcast, run, page, nowDate);
  } catch (error) {
    // The retry of this message can go on at once instead of waiting out the lease; a crash still has to.
    await deps.runs.releasePlanLease(tenantId, broadcastId, lease).catch(() => undefined);
    throw error;
  }
}

/** The page being planned: its lease, whether it was tried before, and how many audience entries it reads. */
interface LeasedPage {
  lease: string;
  retried: boolean;
  size: number;
}

async function planLeasedPage(
  deps: Deps,
  broadcast: Broadcast,
  run: BroadcastRun,
  { lease, retried, size }: LeasedPage,
  nowDate: Date,
): Promise<PlanStep> {
  const { tenantId, id: broadcastId } = broadcast;
  const now = nowDate.toISOString();
  if (broadcast.status !== 'running' && broadcast.status !== 'paused') {
    // Cancelled or failed: plan no further, so the pacer's drain knows every chunk there will ever be.
    await deps.runs.commitPlanPage(tenantId, broadcastId, {
      ...emptyCommit(run, now, lease),
      done: true,
      carry: [],
    });
    return 'stopped';
  }
  const channel = await resolveChannel(deps, tenantId, broadcast);
  const page = await audiencePage(deps, tenantId, broadcast.listId, run, size);
  const pending: string[] = [...run.planCarry, ...page.uncheckedIds];
  const skipped: { contact: Pick<Contact, 'id'>; reason: string }[] = [];
  for (const id of page.missingIds ?? []) skipped.push({ contact: { id }, reason: 'contact_deleted' });
  const suppression = suppressionKindFor(channel);
  for (const contact of page.contacts) {
    if (contact.optedOut) skipped.push({ contact, reason: 'opted_out' });
    else if (!hasRequiredAddress(contact, channel.requiredAddress)) skipped.push({ contact, reason: 'no_address' });
    else if (suppression !== undefined && isSuppressed(contact, suppression))
      skipped.push({ contact, reason: 'suppressed' });
    else pending.push(contact.id);
  }
  const done = page.nextCursor === undefined;
  const chunks: string[][] = [];
  for (let i = 0; i + run.chunkSize <= pending.length; i += run.chunkSize)
    chunks.push(pending.slice(i, i + run.chunkSize));
  const chunked = chunks.length * run.chunkSize;
  if (done && chunked < pending.length) chunks.push(pending.slice(chunked));
  const carry = done ? [] : pending.slice(chunked);

  const executions: BroadcastExecution[] = [];
  const base = { tenantId, broadcastId, attempts: 0, createdAt: now, updatedAt: now };
  chunks.forEach((contactIds, offset) => {
    for (const contactId of contactIds) {
      executions.push({
        ...base,
        id: deps.ids.newId(),
        contactId,
        chunk: run.plannedChunks + offset,
        status: 'pending',
      });
    }
  });
  for (const { contact, reason } of skipped) {
    executions.push({
      ...base,
      id: deps.ids.newId(),
      contactId: contact.id,
      skipPage: run.skipPages,
      status: 'skipped',
      reason,
    });
  }
  // A page nobody tried before has nothing to clear (one query per chunk saved).
  if (retried) await removeLeftovers(deps, run, chunks, skipped);
  await deps.executions.writePlanned(executions);

  const committed = await deps.runs.commitPlanPage(tenantId, broadcastId, {
    expectedPlannedChunks: run.plannedChunks,
    lease,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    carry,
    done,
    newChunks: chunks.length,
    newPending: chunks.reduce((sum, c) => sum + c.length, 0),
    newSkipPage: skipped.length > 0,
    newContacts: executions.length,
    newSkipped: skipped.length,
    now,
  });
  if (!committed) return 'stopped';
  if (done) await completeIfFinished(deps, tenantId, broadcastId);
  return done ? 'done' : 'more';
}

/**
 * An earlier, uncommitted attempt at this page may have planned a different set into these partitions
 * (the list changed meanwhile, or it had more chunks): clear what is not planned now. On fresh partitions
 * this is one small query per chunk.
 */
async function removeLeftovers(
  deps: Deps,
  run: BroadcastRun,
  chunks: string[][],
  skipped: { contact: Pick<Contact, 'id'> }[],
): Promise<void> {
  const { tenantId, broadcastId } = run;
  for (const [offset, contactIds] of chunks.entries()) {
    await deps.executions.removeExcept(
      tenantId,
      broadcastId,
      { chunk: run.plannedChunks + offset },
      new Set(contactIds),
    );
  }
  await deps.executions.removeExcept(
    tenantId,
    broadcastId,
    { skipPage: run.skipPages },
    new Set(skipped.map((s) => s.contact.id)),
  );
}

function emptyCommit(run: BroadcastRun, now: string, lease: string) {
  return {
    expectedPlannedChunks: run.plannedChunks,
    lease,
    ...(run.planCursor ? { nextCursor: run.planCursor } : {}),
    carry: run.planCarry,
    done: run.planDone,
    newChunks: 0,
    newPending: 0,
    newSkipPage: false,
    newContacts: 0,
    newSkipped: 0,
    now,
  };
}
