import type { Broadcast } from '../domain/broadcast.js';
import type { BroadcastExecution } from '../domain/broadcast-execution.js';
import type { BroadcastRun } from '../domain/broadcast-run.js';
import { hasRequiredAddress } from '../domain/channel.js';
import type { Contact } from '../domain/contact.js';
import { PLANNER_STALL_MS, type PlanSegmentState, runChunkNumber } from '../domain/plan-segments.js';
import { isSuppressed, suppressionKindFor } from '../domain/suppression.js';
import { audiencePage } from './audience-page.js';
import { completeIfFinished } from './complete-run.js';
import type { UseCaseDeps } from './deps.js';
import { resolveChannel } from './resolve-channel.js';

/** Contacts resolved per planner invocation: memory stays bounded by this, whatever the audience size. */
export const PLAN_PAGE_SIZE = 500;
/** Longer than the pipeline worker's timeout (60 s), shorter than the pacer's planner watchdog (PLANNER_STALL_MS). */
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
 * One invocation of a segment's planner: pages one after another, without a queue hop between them, until the segment
 * is planned or the budget is spent; 'more' tells the caller to queue the segment's next invocation.
 */
export async function planAudience(
  deps: Deps,
  tenantId: string,
  broadcastId: string,
  segment: number,
  budgetMs = PLAN_INVOCATION_BUDGET_MS,
): Promise<PlanStep> {
  const until = deps.clock.now().getTime() + budgetMs;
  for (;;) {
    const step = await planAudiencePage(deps, tenantId, broadcastId, segment);
    if (step !== 'more' || deps.clock.now().getTime() >= until) return step;
  }
}

/**
 * The planner: resolves one page of a segment of the audience (lib/domain/plan-segments.ts) into executions and
 * commits the page with the segment's cursor (`oneChunk`: a page of one chunk's worth, for a run's very first step).
 * The segments of a run are planned side by side, each from its own cursor under its own lease.
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
  segment: number,
  options: { oneChunk?: boolean } = {},
): Promise<PlanStep> {
  const [broadcast, run, state] = await Promise.all([
    deps.broadcasts.findById(tenantId, broadcastId),
    deps.runs.get(tenantId, broadcastId),
    deps.runs.planSegment(tenantId, broadcastId, segment),
  ]);
  if (!broadcast || !run || segment >= run.planSegments || state.done) return 'stopped';
  const nowDate = deps.clock.now();
  const lease = deps.ids.newId();
  const leased = await deps.runs.leasePlanPage(
    tenantId,
    broadcastId,
    state,
    lease,
    nowDate.getTime(),
    nowDate.getTime() + PLAN_LEASE_MS,
  );
  // Another planner is on this page (a duplicate message): it commits and sends the next one.
  if (!leased) return 'stopped';
  try {
    const page = { lease, retried: leased.retried, size: options.oneChunk ? run.chunkSize : PLAN_PAGE_SIZE };
    return await planLeasedPage(deps, broadcast, run, state, page, nowDate);
  } catch (error) {
    // The retry of this message can go on at once instead of waiting out the lease; a crash still has to.
    await deps.runs.releasePlanLease(tenantId, broadcastId, segment, lease).catch(() => undefined);
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
  state: PlanSegmentState,
  { lease, retried, size }: LeasedPage,
  nowDate: Date,
): Promise<PlanStep> {
  const { tenantId, id: broadcastId } = broadcast;
  const now = nowDate.toISOString();
  const segments = run.planSegments;
  if (broadcast.status !== 'running' && broadcast.status !== 'paused') {
    // Cancelled or failed: plan no further, so the pacer's drain knows every chunk there will ever be.
    await deps.runs.commitPlanPage(tenantId, broadcastId, {
      ...unchanged(state, now, lease),
      done: true,
      carry: [],
      watchUntil: 0,
    });
    return 'stopped';
  }
  const channel = await resolveChannel(deps, tenantId, broadcast);
  const page = await audiencePage(deps, tenantId, broadcast.listId, run, state, size);
  const pending: string[] = [...state.carry, ...page.uncheckedIds];
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
        chunk: runChunkNumber(state.segment, state.chunks + offset, segments),
        status: 'pending',
      });
    }
  });
  for (const { contact, reason } of skipped) {
    executions.push({
      ...base,
      id: deps.ids.newId(),
      contactId: contact.id,
      skipPage: runChunkNumber(state.segment, state.skipPages, segments),
      status: 'skipped',
      reason,
    });
  }
  // A page nobody tried before has nothing to clear (one query per chunk saved).
  if (retried) await removeLeftovers(deps, run, state, chunks, skipped);
  await deps.executions.writePlanned(executions);

  const newPending = chunks.reduce((sum, c) => sum + c.length, 0);
  const committed = await deps.runs.commitPlanPage(tenantId, broadcastId, {
    segment: state.segment,
    expectedPages: state.pages,
    lease,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    carry,
    done,
    chunks: state.chunks + chunks.length,
    pending: state.pending + newPending,
    skipPages: state.skipPages + (skipped.length > 0 ? 1 : 0),
    newChunks: chunks.length,
    newPending,
    newContacts: executions.length,
    newSkipped: skipped.length,
    now,
    watchUntil: done ? 0 : nowDate.getTime() + PLANNER_STALL_MS,
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
  state: PlanSegmentState,
  chunks: string[][],
  skipped: { contact: Pick<Contact, 'id'> }[],
): Promise<void> {
  const { tenantId, broadcastId, planSegments: segments } = run;
  for (const [offset, contactIds] of chunks.entries()) {
    const chunk = runChunkNumber(state.segment, state.chunks + offset, segments);
    await deps.executions.removeExcept(tenantId, broadcastId, { chunk }, new Set(contactIds));
  }
  await deps.executions.removeExcept(
    tenantId,
    broadcastId,
    { skipPage: runChunkNumber(state.segment, state.skipPages, segments) },
    new Set(skipped.map((s) => s.contact.id)),
  );
}

/** A commit that changes nothing but what the caller sets. */
function unchanged(state: PlanSegmentState, now: string, lease: string) {
  return {
    segment: state.segment,
    expectedPages: state.pages,
    lease,
    ...(state.cursor ? { nextCursor: state.cursor } : {}),
    chunks: state.chunks,
    pending: state.pending,
    skipPages: state.skipPages,
    newChunks: 0,
    newPending: 0,
    newContacts: 0,
    newSkipped: 0,
    now,
  };
}
