import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { batchWrite } from '../../lib/adapters/dynamodb/batch.js';
import { contactKeys, shardOf } from '../../lib/adapters/dynamodb/keys.js';
import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import type { BroadcastRun } from '../../lib/domain/broadcast-run.js';
import type { Contact, ContactFields } from '../../lib/domain/contact.js';
import { PLANNER_STALL_MS, runChunkNumber } from '../../lib/domain/plan-segments.js';
import type { BroadcastRunRepository, PlanPageCommit } from '../../lib/ports/broadcast-run-repository.js';
import type { SendChunkMessage } from '../../lib/ports/message-queue.js';
import { paceBroadcast } from '../../lib/use-cases/pace-broadcast.js';
import { PLAN_LEASE_MS, PLAN_PAGE_SIZE, planAudience, planAudiencePage } from '../../lib/use-cases/plan-audience.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import { aContact } from '../support/builders.js';
import { newTenantId, TestClock, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import { heldAtFirstCall } from '../support/held-call.js';
import {
  allExecutions,
  aStartedBroadcast,
  pipelineDeps,
  planAll,
  ScriptedChannel,
  takeChunks,
  takePipeline,
} from '../support/pipeline.js';

const table = testTableForFile();
const SEGMENTS = 8;
/** Unlimited rate: chunks of 50 (UNLIMITED_CHUNK_SIZE). */
const CHUNK_SIZE = 50;
let clock: TestClock;
let channel: ScriptedChannel;
let deps: TestDeps;

/**
 * One tenant shared by the tests. Its audience is lopsided on purpose: segments 0 and 3 hold 530 contacts each, more
 * than a planner page, so they are planned in several pages (a dynamic list's carry crossing them); the other six share
 * 40. A contact falls in the same segment of a static list (its id's first hex digit) and of a dynamic list (its shard).
 */
const AUDIENCE = {
  tenantId: newTenantId(),
  /** The 1,100 `vip` contacts a broadcast sends to: a static list's members, a dynamic list's matches. */
  members: [] as Contact[],
  /** Also tagged `vip`, but opted out: a dynamic list's planner skips them (44, all in segment 0). */
  optedOut: [] as Contact[],
  /** Matching no filter: a dynamic list leaves them out. */
  others: [] as Contact[],
};
const HEAVY = 530;

type Uuid = ReturnType<typeof randomUUID>;

/** A random contact id in segment `segment` of 8, both as a static list member and as a contact shard. */
function idInSegment(segment: number): Uuid {
  for (;;) {
    const first = '0123456789abcdef'[segment * 2 + Math.floor(Math.random() * 2)] as string;
    const id = `${first}${randomUUID().slice(1)}` as Uuid;
    if (shardOf(id, SEGMENTS) === segment) return id;
  }
}

/** The segment a static list's member falls in (lib/adapters/dynamodb/keys.ts cuts at the first hex digit). */
const memberSegment = (contactId: string) => Math.floor(Number.parseInt(contactId[0] as string, 16) / 2);

/** Contacts with the given ids, written in batches in the contact repository's layout (as createContacts does). */
async function storeContacts(tenantId: string, ids: readonly Uuid[], fields: ContactFields): Promise<Contact[]> {
  const contacts = ids.map((id, i) => aContact(tenantId, { name: `Contact ${i}`, ...fields }, id));
  await batchWrite(
    table.client,
    table.tableName,
    contacts.map((c) => ({ PutRequest: { Item: { ...contactKeys.byId(tenantId, c.id), entity: 'contact', ...c } } })),
  );
  return contacts;
}

beforeAll(async () => {
  clock = new TestClock();
  deps = pipelineDeps(table, clock, new ScriptedChannel(clock), { planSegments: SEGMENTS });
  const light = Array.from({ length: 40 }, (_, i) => [1, 2, 4, 5, 6, 7][i % 6] as number);
  const ids = [
    ...Array.from({ length: HEAVY }, () => idInSegment(0)),
    ...Array.from({ length: HEAVY }, () => idInSegment(3)),
    ...light.map(idInSegment),
  ];
  const { tenantId } = AUDIENCE;
  AUDIENCE.members = await storeContacts(tenantId, ids, { tags: ['vip'], phone: '+5511999990000' });
  AUDIENCE.optedOut = await storeContacts(
    tenantId,
    Array.from({ length: 44 }, () => idInSegment(0)),
    { tags: ['vip'], phone: '+5511999990000', optedOut: true },
  );
  AUDIENCE.others = await storeContacts(
    tenantId,
    Array.from({ length: 16 }, (_, i) => idInSegment(i % SEGMENTS)),
    { tags: ['regular'], phone: '+5511999990000' },
  );
  expect(await deps.contacts.findById(tenantId, ids[0] as string)).toEqual(AUDIENCE.members[0]);
}, 120_000);

beforeEach(() => {
  clock.set('2025-01-15T12:00:00.000Z');
  channel = new ScriptedChannel(clock);
  deps = pipelineDeps(table, clock, channel, { planSegments: SEGMENTS });
});

async function runOf(broadcastId: string): Promise<BroadcastRun> {
  const run = await deps.runs.get(AUDIENCE.tenantId, broadcastId);
  if (!run) throw new Error('no run');
  return run;
}

const sorted = (values: readonly string[]) => [...values].sort();
const memberIds = () => sorted(AUDIENCE.members.map((c) => c.id));

/** Each segment's planner, side by side, each invocation going on page after page, re-queued while there is more. */
async function planSegmentsConcurrently(
  planner: TestDeps,
  broadcastId: string,
  segments: readonly number[] = Array.from({ length: SEGMENTS }, (_, s) => s),
): Promise<PromiseSettledResult<string[]>[]> {
  return Promise.allSettled(
    segments.map(async (segment) => {
      const steps: string[] = [];
      for (let invocation = 0; invocation < 20; invocation++) {
        const step = await planAudience(planner, AUDIENCE.tenantId, broadcastId, segment);
        steps.push(step);
        if (step !== 'more') return steps;
      }
      throw new Error(`segment ${segment} never finished planning`);
    }),
  );
}

/**
 * Pacer ticks, each with the run's current tick, until every planned chunk is out and `until` holds; the chunk
 * messages released. A short pause between ticks leaves the planners running beside it room (not a timing asserted).
 */
async function paceUntilReleased(broadcastId: string, until: () => boolean = () => true): Promise<SendChunkMessage[]> {
  const released: SendChunkMessage[] = [];
  for (let tick = 0; tick < 2000; tick++) {
    const run = await runOf(broadcastId);
    if (run.planDone && run.releasedChunks >= run.plannedChunks && until()) return released;
    await paceBroadcast(deps, AUDIENCE.tenantId, broadcastId, run.pacerTick);
    released.push(...takeChunks(deps).map(({ body }) => body));
    if (!until()) await sleep(50);
  }
  throw new Error('the pacer never released every chunk');
}

/** The pending executions by chunk number. */
function byChunk(executions: readonly BroadcastExecution[]): Map<number, BroadcastExecution[]> {
  const chunks = new Map<number, BroadcastExecution[]>();
  for (const execution of executions) {
    if (execution.chunk === undefined) continue;
    chunks.set(execution.chunk, [...(chunks.get(execution.chunk) ?? []), execution]);
  }
  return chunks;
}

/**
 * Every contact of `expectedIds` is in exactly one chunk of its own segment; segment s's chunks are numbered
 * s, s + 8, s + 16... without a gap, all full but its last; the run's totals are the segments' sums.
 */
function expectWellPlanned(
  run: BroadcastRun,
  executions: readonly BroadcastExecution[],
  expectedIds: readonly string[],
  segmentOf: (contactId: string) => number,
) {
  const pending = executions.filter((e) => e.status === 'pending');
  expect(sorted(pending.map((e) => e.contactId))).toEqual(sorted(expectedIds));
  const chunks = byChunk(pending);
  for (let segment = 0; segment < SEGMENTS; segment++) {
    const planned = run.segmentChunks[segment] ?? 0;
    const numbers = [...chunks.keys()].filter((n) => n % SEGMENTS === segment).sort((a, b) => a - b);
    expect({ segment, numbers }).toEqual({
      segment,
      numbers: Array.from({ length: planned }, (_, k) => runChunkNumber(segment, k, SEGMENTS)),
    });
    const sizes = numbers.map((n) => chunks.get(n)?.length ?? 0);
    expect({ segment, full: sizes.slice(0, -1).every((size) => size === CHUNK_SIZE) }).toEqual({ segment, full: true });
    const inSegment = numbers.flatMap((n) => chunks.get(n) ?? []);
    expect(inSegment.every((e) => segmentOf(e.contactId) === segment)).toBe(true);
    expect(inSegment).toHaveLength(run.segmentPending[segment] ?? -1);
  }
  const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
  expect(run.plannedChunks).toBe(sum(run.segmentChunks));
  expect(run.plannedChunks).toBe(chunks.size);
  expect(run.plannedPending).toBe(sum(run.segmentPending));
  expect(run.plannedPending).toBe(expectedIds.length);
  expect(run.totalContacts).toBe(executions.length);
  expect(run.skippedAtPlan).toBe(executions.filter((e) => e.status === 'skipped').length);
  expect(run.planDone).toBe(true);
  expect(run.segmentWatch).toEqual(Array(SEGMENTS).fill(0));
}

/** Sends the released chunks one by one, as the senders would. */
async function sendAll(messages: readonly SendChunkMessage[]): Promise<string[]> {
  const results: string[] = [];
  for (const message of messages) results.push((await sendChunk(deps, message)).result);
  return results;
}

describe('a run planned in 8 segments, side by side (DynamoDB Local)', () => {
  it.each([
    ['a static list of 1,100 members', false],
    ['a dynamic list matching 1,100 of 1,160 contacts (44 of them opted out)', true],
  ])(
    'plans %s once per contact, the pacer releases every chunk once, and sending completes the broadcast',
    async (_what, dynamic) => {
      // Prepare
      const { tenantId } = AUDIENCE;
      const { broadcast } = await aStartedBroadcast(
        deps,
        tenantId,
        dynamic ? { filters: { tags: ['vip'] } } : { memberIds: AUDIENCE.members.map((c) => c.id) },
      );
      const queuedAtStart = takePipeline(deps).map(({ message }) => message);

      // Act: the 8 planners and the pacer, all at once
      let planned = false;
      const [planning, released] = await Promise.all([
        planSegmentsConcurrently(deps, broadcast.id).finally(() => {
          planned = true;
        }),
        paceUntilReleased(broadcast.id, () => planned),
      ]);
      const afterPlanning = await runOf(broadcast.id);
      const executions = await allExecutions(deps, tenantId, broadcast.id);
      const segments = await Promise.all(
        Array.from({ length: SEGMENTS }, (_, s) => deps.runs.planSegment(tenantId, broadcast.id, s)),
      );
      const queuedWhilePacing = takePipeline(deps).map(({ message }) => message);
      const releasedAgain = await paceUntilReleased(broadcast.id);
      const results = await sendAll(released);
      const run = await runOf(broadcast.id);
      const stored = await deps.broadcasts.findById(tenantId, broadcast.id);

      // Assess
      const skipped = dynamic ? AUDIENCE.optedOut.length : 0;
      expect(queuedAtStart.filter((m) => m.type === 'plan')).toEqual(
        Array.from({ length: SEGMENTS }, (_, segment) => ({
          type: 'plan',
          tenantId,
          broadcastId: broadcast.id,
          segment,
        })),
      );
      expect(planning.map((p) => p.status)).toEqual(Array(SEGMENTS).fill('fulfilled'));
      expect(HEAVY).toBeGreaterThan(PLAN_PAGE_SIZE);
      expect(segments.map((s) => s.pages)).toEqual([2, 1, 1, 2, 1, 1, 1, 1]);
      expect(segments.every((s) => s.done && s.carry.length === 0)).toBe(true);
      expect(segments.map((s) => s.chunks)).toEqual(afterPlanning.segmentChunks);
      // 530 contacts in chunks of 50: 10 full ones and a last of 30.
      expect(afterPlanning.segmentChunks[3]).toBe(11);
      expect(afterPlanning.segmentChunks[0]).toBe(11);
      expectWellPlanned(
        afterPlanning,
        executions,
        memberIds(),
        dynamic ? (id) => shardOf(id, SEGMENTS) : memberSegment,
      );
      expect(afterPlanning).toMatchObject({ totalContacts: 1100 + skipped, skippedAtPlan: skipped });
      expect(sorted(executions.filter((e) => e.status === 'skipped').map((e) => e.contactId))).toEqual(
        dynamic ? sorted(AUDIENCE.optedOut.map((c) => c.id)) : [],
      );
      const releasedNumbers = released.map((m) => m.chunk).sort((a, b) => a - b);
      expect(releasedNumbers).toEqual([...byChunk(executions).keys()].sort((a, b) => a - b));
      expect(afterPlanning.segmentReleased).toEqual(afterPlanning.segmentChunks);
      expect(afterPlanning.releasedChunks).toBe(afterPlanning.plannedChunks);
      expect(releasedAgain).toEqual([]);
      expect(queuedWhilePacing.filter((m) => m.type === 'plan')).toEqual([]);
      expect(results).toEqual(Array(released.length).fill('counted'));
      expect(sorted(channel.contactIds())).toEqual(memberIds());
      expect(run).toMatchObject({
        talliedChunks: afterPlanning.plannedChunks,
        talliedContacts: 1100,
        sent: 1100,
        failed: 0,
        skippedAtSend: 0,
      });
      expect(stored).toMatchObject({
        status: 'completed',
        totalContacts: 1100 + skipped,
        sent: 1100,
        failed: 0,
        skipped,
      });
    },
    240_000,
  );

  it('re-plans a segment whose planner died mid-segment once its lease runs out; the stall watch names only that one', async () => {
    // Prepare: segment 3's planner commits its first page, dies before committing its second, and never gives its
    // lease back (a process that died runs nothing more).
    const { tenantId } = AUDIENCE;
    const { broadcast } = await aStartedBroadcast(deps, tenantId, { memberIds: AUDIENCE.members.map((c) => c.id) });
    takePipeline(deps);
    let segment3Commits = 0;
    const crashing: TestDeps = {
      ...deps,
      runs: Object.assign(Object.create(deps.runs) as BroadcastRunRepository, {
        commitPlanPage: (tenant: string, id: string, commit: PlanPageCommit) => {
          if (commit.segment === 3 && ++segment3Commits === 2) {
            return Promise.reject(new Error('planner died before its commit'));
          }
          return deps.runs.commitPlanPage(tenant, id, commit);
        },
        releasePlanLease: (tenant: string, id: string, segment: number, lease: string) =>
          segment === 3
            ? Promise.reject(new Error('the planner is dead'))
            : deps.runs.releasePlanLease(tenant, id, segment, lease),
      }),
    };
    const planning = await planSegmentsConcurrently(crashing, broadcast.id);
    const leftBehind = await deps.executions.listChunk(tenantId, broadcast.id, runChunkNumber(3, 10, SEGMENTS));
    const whileLeased = await planAudiencePage(deps, tenantId, broadcast.id, 3);
    const afterCrash = await runOf(broadcast.id);
    clock.advance(PLAN_LEASE_MS + 1);
    await paceBroadcast(deps, tenantId, broadcast.id, (await runOf(broadcast.id)).pacerTick);
    const beforeStall = takePipeline(deps).map(({ message }) => message);
    takeChunks(deps);

    // Act: the watch runs out, the pacer's next tick queues the segment's planner again, which plans the rest
    clock.advance(PLANNER_STALL_MS - PLAN_LEASE_MS);
    await paceBroadcast(deps, tenantId, broadcast.id, (await runOf(broadcast.id)).pacerTick);
    const afterStall = takePipeline(deps).map(({ message }) => message);
    takeChunks(deps);
    const replanned: string[] = [];
    for (const message of afterStall) {
      if (message.type === 'plan') replanned.push(await planAudience(deps, tenantId, broadcast.id, message.segment));
    }

    // Assess
    expect(planning.map((p) => p.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(leftBehind).toHaveLength(30);
    expect(whileLeased).toBe('stopped');
    expect(afterCrash.planDone).toBe(false);
    expect(afterCrash.segmentWatch.map((deadline) => deadline !== 0)).toEqual([
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(afterCrash.segmentChunks[3]).toBe(10);
    expect(beforeStall.filter((m) => m.type === 'plan')).toEqual([]);
    expect(afterStall.filter((m) => m.type === 'plan')).toEqual([
      { type: 'plan', tenantId, broadcastId: broadcast.id, segment: 3 },
    ]);
    expect(replanned).toEqual(['done']);
    const run = await runOf(broadcast.id);
    const executions = await allExecutions(deps, tenantId, broadcast.id);
    expect(executions).toHaveLength(1100);
    expectWellPlanned(run, executions, memberIds(), memberSegment);
    expect(run.segmentChunks[3]).toBe(11);
    expect(await deps.runs.planSegment(tenantId, broadcast.id, 3)).toMatchObject({ pages: 2, done: true });
  }, 240_000);

  it('lets only one of two duplicate planners of a segment plan its page', async () => {
    // Prepare: planner "slow" leases segment 0's first page and stalls before writing; a duplicate arrives meanwhile.
    const { tenantId } = AUDIENCE;
    const { broadcast } = await aStartedBroadcast(deps, tenantId, { memberIds: AUDIENCE.members.map((c) => c.id) });
    takePipeline(deps);
    const held = heldAtFirstCall(deps.executions, 'writePlanned');
    const slow: TestDeps = { ...deps, executions: held.view };

    // Act
    const slowPlanner = planAudiencePage(slow, tenantId, broadcast.id, 0);
    await held.reached;
    const duplicate = await planAudiencePage(deps, tenantId, broadcast.id, 0);
    held.release();
    const slowStep = await slowPlanner;
    const afterFirstPage = await deps.runs.planSegment(tenantId, broadcast.id, 0);
    const rest = await planAll(deps, tenantId, broadcast.id);

    // Assess
    expect(duplicate).toBe('stopped');
    expect(slowStep).toBe('more');
    expect(afterFirstPage).toMatchObject({ pages: 1, chunks: 10, pending: PLAN_PAGE_SIZE, done: false });
    expect(rest.filter((step) => step === 'done')).toHaveLength(SEGMENTS);
    const run = await runOf(broadcast.id);
    const executions = await allExecutions(deps, tenantId, broadcast.id);
    expect(executions).toHaveLength(1100);
    expectWellPlanned(run, executions, memberIds(), memberSegment);
    expect(await deps.runs.planSegment(tenantId, broadcast.id, 0)).toMatchObject({ pages: 2, chunks: 11, done: true });
  }, 120_000);
});
