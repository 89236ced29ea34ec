import { randomUUID } from 'node:crypto';
import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import type { BroadcastRun } from '../../lib/domain/broadcast-run.js';
import type { Contact, ContactFields } from '../../lib/domain/contact.js';
import type { PlanSegmentState } from '../../lib/domain/plan-segments.js';
import type { BroadcastRunRepository } from '../../lib/ports/broadcast-run-repository.js';
import type { ContactRepository } from '../../lib/ports/contact-repository.js';
import { PLAN_LEASE_MS, PLAN_PAGE_SIZE, planAudiencePage } from '../../lib/use-cases/plan-audience.js';
import { cancelBroadcast, pauseBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import { newTenantId, TestClock, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import { heldAtFirstCall } from '../support/held-call.js';
import {
  allExecutions,
  aStartedBroadcast,
  chunksOf,
  createContacts,
  pipelineDeps,
  planAll,
  ScriptedChannel,
} from '../support/pipeline.js';
import { PublishedEvents } from '../support/published-events.js';

const table = testTableForFile({ stream: true });
let clock: TestClock;
let deps: TestDeps;

/** One tenant with 1,100 contacts, shared by the tests that cross planner pages (1,050 of them tagged `vip`). */
const BIG = { tenantId: newTenantId(), contacts: [] as Contact[] };
const BIG_SIZE = 1100;

beforeAll(async () => {
  clock = new TestClock();
  deps = pipelineDeps(table, clock, new ScriptedChannel(clock));
  const fields: ContactFields[] = Array.from({ length: BIG_SIZE }, (_, i) => ({
    name: `Contact ${i}`,
    phone: '+5511999990000',
    tags: i % 22 === 0 ? ['regular'] : ['vip'],
  }));
  BIG.contacts = await createContacts(deps, BIG.tenantId, fields);
}, 120_000);

beforeEach(() => {
  clock.set('2025-01-15T12:00:00.000Z');
  deps = pipelineDeps(table, clock, new ScriptedChannel(clock));
});

async function runOf(tenantId: string, broadcastId: string): Promise<BroadcastRun> {
  const run = await deps.runs.get(tenantId, broadcastId);
  if (!run) throw new Error('no run');
  return run;
}

/** The planning state of a run's only segment (cursor, carry, lease). */
function segmentOf(tenantId: string, broadcastId: string): Promise<PlanSegmentState> {
  return deps.runs.planSegment(tenantId, broadcastId, 0);
}

const ids = (items: readonly { contactId: string }[]) => items.map((e) => e.contactId).sort();

/** Every chunk is full except possibly the last; each contact is in exactly one chunk. */
function expectWellFormedChunks(chunks: BroadcastExecution[][], chunkSize: number, expectedIds: readonly string[]) {
  const sizes = chunks.map((c) => c.length);
  expect(sizes.slice(0, -1).every((size) => size === chunkSize)).toBe(true);
  expect(sizes.at(-1)).toBeGreaterThan(0);
  expect(sizes.at(-1)).toBeLessThanOrEqual(chunkSize);
  const planned = chunks.flat();
  expect(planned.every((e) => e.status === 'pending' && e.attempts === 0)).toBe(true);
  expect(ids(planned)).toEqual([...expectedIds].sort());
  expect(chunks.map((chunk, n) => chunk.every((e) => e.chunk === n))).not.toContain(false);
}

describe('planAudiencePage (the planner) on DynamoDB', () => {
  describe('pages', () => {
    it('plans a static list of 1,100 page by page: full chunks except the last, the carry leading the next page', async () => {
      // Prepare
      const { broadcast } = await aStartedBroadcast(deps, BIG.tenantId, {
        memberIds: BIG.contacts.map((c) => c.id),
        // Chunks of 23 (chunkSizeFor: a 300th of the rate).
        rateLimit: 6900,
      });
      const tenantId = BIG.tenantId;

      // Act
      const first = await planAudiencePage(deps, tenantId, broadcast.id, 0);
      const afterFirst = await runOf(tenantId, broadcast.id);
      const firstCarry = (await segmentOf(tenantId, broadcast.id)).carry;
      const second = await planAudiencePage(deps, tenantId, broadcast.id, 0);
      const afterSecond = await runOf(tenantId, broadcast.id);
      const secondCarry = (await segmentOf(tenantId, broadcast.id)).carry;
      const third = await planAudiencePage(deps, tenantId, broadcast.id, 0);
      const run = await runOf(tenantId, broadcast.id);
      const segment = await segmentOf(tenantId, broadcast.id);

      // Assess
      expect(PLAN_PAGE_SIZE).toBe(500);
      expect([first, second, third]).toEqual(['more', 'more', 'done']);
      expect(run.chunkSize).toBe(23);
      // 500 = 21 chunks of 23 + 17 carried; 17 + 500 = 22 chunks + 11 carried; 11 + 100 = 4 chunks + a last one of 19.
      expect(afterFirst).toMatchObject({ plannedChunks: 21, plannedPending: 483, totalContacts: 483, planDone: false });
      expect(firstCarry).toHaveLength(17);
      expect(afterSecond).toMatchObject({ plannedChunks: 43, plannedPending: 989 });
      expect(secondCarry).toHaveLength(11);
      expect(run).toMatchObject({
        planDone: true,
        plannedChunks: 48,
        plannedPending: BIG_SIZE,
        totalContacts: BIG_SIZE,
        skippedAtPlan: 0,
        segmentSkipPages: [0],
      });
      expect(segment).toMatchObject({ done: true, carry: [], chunks: 48, pending: BIG_SIZE, skipPages: 0 });
      expect(segment).not.toHaveProperty('cursor');
      const chunks = await chunksOf(deps, run);
      expectWellFormedChunks(
        chunks,
        23,
        BIG.contacts.map((c) => c.id),
      );
      expect(chunks.at(-1)).toHaveLength(19);
      expect(ids(chunks[21] as BroadcastExecution[]).filter((id) => firstCarry.includes(id))).toHaveLength(17);
      const stored = await deps.broadcasts.findById(tenantId, broadcast.id);
      expect(stored).toMatchObject({ totalContacts: BIG_SIZE, sent: 0, skipped: 0, status: 'running' });
    }, 120_000);

    it('plans a dynamic list across pages with its filters, to the exact total', async () => {
      // Prepare
      const { broadcast } = await aStartedBroadcast(deps, BIG.tenantId, {
        filters: { tags: ['vip'] },
        // Chunks of 22.
        rateLimit: 6600,
      });
      const tenantId = BIG.tenantId;
      const vips = BIG.contacts.filter((c) => c.tags.includes('vip')).map((c) => c.id);

      // Act
      const steps = await planAll(deps, tenantId, broadcast.id);

      // Assess
      expect(vips).toHaveLength(1050);
      expect(steps).toEqual(['more', 'more', 'done']);
      const run = await runOf(tenantId, broadcast.id);
      // chunks of 22: 500 = 22 + 16 carried; 516 = 23 + 10 carried; 60 = 2 + a last one of 16.
      expect(run).toMatchObject({ planDone: true, plannedChunks: 48, plannedPending: 1050, totalContacts: 1050 });
      const chunks = await chunksOf(deps, run);
      expectWellFormedChunks(chunks, 22, vips);
      expect(chunks.at(-1)).toHaveLength(16);
    }, 120_000);
  });

  describe('skips (a dynamic list: the planner reads its contacts anyway)', () => {
    const audienceWithSkips: ContactFields[] = [
      { name: 'Ana', email: 'ana@example.com' },
      { name: 'Bia', email: 'bia@example.com' },
      { name: 'Caio', email: 'caio@example.com' },
      { name: 'Duda', email: 'duda@example.com', optedOut: true },
      { name: 'Edu', optedOut: true },
      { name: 'Fabi', phone: '+5511988887777' },
      { name: 'Gil' },
    ].map((fields) => ({ ...fields, tags: ['vip'] }));

    it.each([
      ['the broadcast channel_id', false],
      ['the tenant default channel', true],
    ])('skips opted-out contacts and those without the address %s needs, with reasons', async (_how, asDefault) => {
      // Prepare
      const tenantId = newTenantId();
      const { broadcast, contacts } = await aStartedBroadcast(deps, tenantId, {
        contacts: audienceWithSkips,
        filters: { tags: ['vip'] },
        channel: { requiredAddress: 'email', asDefault },
      });
      const byName = (name: string) => contacts.find((c) => c.name === name)?.id;

      // Act
      const step = await planAudiencePage(deps, tenantId, broadcast.id, 0);

      // Assess
      expect(step).toBe('done');
      const run = await runOf(tenantId, broadcast.id);
      expect(run).toMatchObject({
        plannedChunks: 1,
        plannedPending: 3,
        segmentSkipPages: [1],
        skippedAtPlan: 4,
        totalContacts: 7,
      });
      const executions = await allExecutions(deps, tenantId, broadcast.id);
      const reasons = Object.fromEntries(
        executions.map((e) => [e.contactId, e.status === 'skipped' ? e.reason : e.status]),
      );
      expect(reasons).toEqual({
        [byName('Ana') as string]: 'pending',
        [byName('Bia') as string]: 'pending',
        [byName('Caio') as string]: 'pending',
        [byName('Duda') as string]: 'opted_out',
        [byName('Edu') as string]: 'opted_out',
        [byName('Fabi') as string]: 'no_address',
        [byName('Gil') as string]: 'no_address',
      });
      expect(
        executions.filter((e) => e.status === 'skipped').every((e) => e.skipPage === 0 && e.chunk === undefined),
      ).toBe(true);
      const stored = await deps.broadcasts.findById(tenantId, broadcast.id);
      expect(stored).toMatchObject({ totalContacts: 7, skipped: 4, sent: 0, failed: 0 });
    });

    it('completes at once a broadcast whose whole audience is skipped', async () => {
      // Prepare
      const tenantId = newTenantId();
      const { broadcast } = await aStartedBroadcast(deps, tenantId, {
        contacts: [
          { optedOut: true, tags: ['vip'] },
          { optedOut: true, tags: ['vip'] },
        ],
        filters: { tags: ['vip'] },
      });
      const published = await PublishedEvents.watch(table);

      // Act
      const step = await planAudiencePage(deps, tenantId, broadcast.id, 0);

      // Assess
      expect(step).toBe('done');
      expect(await runOf(tenantId, broadcast.id)).toMatchObject({
        plannedChunks: 0,
        skippedAtPlan: 2,
        totalContacts: 2,
      });
      expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({ status: 'completed', skipped: 2 });
      expect(await published.names(tenantId)).toEqual(['broadcast.completed']);
    });

    it('plans a static list from its membership items alone: the sender reads the contacts and decides the skips', async () => {
      // Prepare
      const tenantId = newTenantId();
      const { broadcast } = await aStartedBroadcast(deps, tenantId, {
        contacts: audienceWithSkips,
        channel: { requiredAddress: 'email', asDefault: false },
      });
      const reads: string[][] = [];
      const counting: TestDeps = {
        ...deps,
        contacts: Object.assign(Object.create(deps.contacts) as ContactRepository, {
          findByIds: (tenant: string, ids: readonly string[], options?: { consistent?: boolean }) => {
            reads.push([...ids]);
            return deps.contacts.findByIds(tenant, ids, options);
          },
        }),
      };

      // Act
      const step = await planAudiencePage(counting, tenantId, broadcast.id, 0);

      // Assess
      expect(step).toBe('done');
      expect(reads).toEqual([]);
      expect(await runOf(tenantId, broadcast.id)).toMatchObject({
        plannedChunks: 1,
        plannedPending: 7,
        skippedAtPlan: 0,
        totalContacts: 7,
      });
      const executions = await allExecutions(deps, tenantId, broadcast.id);
      expect(executions.map((e) => e.status)).toEqual(Array(7).fill('pending'));
    });
  });

  describe('crashes and duplicates', () => {
    it('re-plans a page whose commit was lost, removing what the first attempt left that no longer belongs', async () => {
      // Prepare: 10 members of a static list, chunks of 3.
      const tenantId = newTenantId();
      const names = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'Zoe'];
      const { broadcast, contacts, list } = await aStartedBroadcast(deps, tenantId, {
        contacts: names.map((name) => ({ name })),
        // Chunks of 3.
        rateLimit: 900,
      });
      const contact = (name: string) => contacts.find((c) => c.name === name) as Contact;
      let crashes = 1;
      const crashing: TestDeps = {
        ...deps,
        runs: Object.assign(Object.create(deps.runs) as BroadcastRunRepository, {
          commitPlanPage: (...args: Parameters<BroadcastRunRepository['commitPlanPage']>) => {
            if (crashes-- > 0) return Promise.reject(new Error('planner died before its commit'));
            return deps.runs.commitPlanPage(...args);
          },
          // A process that died runs nothing more: its lease stays until it runs out.
          releasePlanLease: () => Promise.reject(new Error('the planner is dead')),
        }),
      };
      const crashed = await planAudiencePage(crashing, tenantId, broadcast.id, 0).then(
        () => 'committed',
        () => 'crashed',
      );
      const leftBehind = await deps.executions.listChunk(tenantId, broadcast.id, 2);
      // Meanwhile: A leaves the list.
      const firstMember = contact('A');
      await deps.contactLists.removeContact(list, firstMember.id);
      const whileLeased = await planAudiencePage(deps, tenantId, broadcast.id, 0);
      // The dead planner's lease runs out (it outlives no Lambda timeout).
      clock.advance(PLAN_LEASE_MS + 1);

      // Act
      const step = await planAudiencePage(deps, tenantId, broadcast.id, 0);

      // Assess
      expect(crashed).toBe('crashed');
      expect(leftBehind).toHaveLength(3);
      expect(whileLeased).toBe('stopped');
      expect(step).toBe('done');
      const run = await runOf(tenantId, broadcast.id);
      expect(run).toMatchObject({ plannedChunks: 3, plannedPending: 9, skippedAtPlan: 0, totalContacts: 9 });
      const chunks = await chunksOf(deps, run);
      const members = names.filter((n) => n !== 'A').map((n) => contact(n).id);
      expectWellFormedChunks(chunks, 3, members);
      const executions = await allExecutions(deps, tenantId, broadcast.id);
      expect(executions).toHaveLength(9);
      expect(executions.map((e) => e.contactId)).not.toContain(firstMember.id);
    });

    it('gives its lease back when a page fails with an error, so the retry plans it at once', async () => {
      // Prepare: the commit fails once (DynamoDB throttling that outlasted the SDK's retries, say).
      const tenantId = newTenantId();
      const { broadcast, contacts } = await aStartedBroadcast(deps, tenantId, {
        contacts: ['A', 'B', 'C'].map((name) => ({ name })),
      });
      let failures = 1;
      const failing: TestDeps = {
        ...deps,
        runs: Object.assign(Object.create(deps.runs) as BroadcastRunRepository, {
          commitPlanPage: (...args: Parameters<BroadcastRunRepository['commitPlanPage']>) => {
            if (failures-- > 0) return Promise.reject(new Error('ProvisionedThroughputExceededException'));
            return deps.runs.commitPlanPage(...args);
          },
        }),
      };
      const first = await planAudiencePage(failing, tenantId, broadcast.id, 0).then(
        () => 'planned',
        () => 'failed',
      );

      // Act: the message's retry, with no time passing
      const retry = await planAudiencePage(deps, tenantId, broadcast.id, 0);

      // Assess
      expect(first).toBe('failed');
      expect(retry).toBe('done');
      expect(await runOf(tenantId, broadcast.id)).toMatchObject({
        planDone: true,
        plannedPending: 3,
        totalContacts: 3,
      });
      const chunks = await chunksOf(deps, await runOf(tenantId, broadcast.id));
      expectWellFormedChunks(
        chunks,
        chunks[0]?.length ?? 0,
        contacts.map((c) => c.id),
      );
    });

    it('lets only one of two duplicate planners plan a page: the other stops before writing anything', async () => {
      // Prepare: planner "slow" takes the page, then stalls before writing; a duplicate "fast" planner arrives.
      const tenantId = newTenantId();
      const channel = new ScriptedChannel(clock);
      deps = pipelineDeps(table, clock, channel);
      const { broadcast } = await aStartedBroadcast(deps, tenantId, {
        contacts: [{ name: 'A' }, { name: 'B' }, { name: 'C' }],
      });
      const held = heldAtFirstCall(deps.executions, 'writePlanned');
      const slow: TestDeps = { ...deps, executions: held.view };
      const slowPlanner = planAudiencePage(slow, tenantId, broadcast.id, 0);
      await held.reached;
      const duplicate = await planAudiencePage(deps, tenantId, broadcast.id, 0);

      // Act
      held.release();
      const slowStep = await slowPlanner;
      const { result: sent } = await sendChunk(deps, { tenantId, broadcastId: broadcast.id, chunk: 0 });

      // Assess
      expect(duplicate).toBe('stopped');
      expect(slowStep).toBe('done');
      expect(sent).toBe('counted');
      expect(channel.received).toHaveLength(3);
      const executions = await allExecutions(deps, tenantId, broadcast.id);
      expect(executions.map((e) => e.status)).toEqual(['sent', 'sent', 'sent']);
      expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({ status: 'completed', sent: 3 });
    });
  });

  describe('dynamic lists', () => {
    it('evaluates "today" as of the moment the broadcast started, however late the planner runs', async () => {
      // Prepare
      const tenantId = newTenantId();
      const contacts = await createContacts(deps, tenantId, [
        { name: 'Jan 15', customFields: { last_purchase: '2025-01-15' } },
        { name: 'Jan 16', customFields: { last_purchase: '2025-01-16' } },
        { name: 'Jan 16 UTC', customFields: { last_purchase: '2025-01-15T22:00:00-03:00' } },
      ]);
      clock.set('2025-01-15T23:59:00.000Z');
      const beforeMidnight = await aStartedBroadcast(deps, tenantId, {
        filters: { customFields: { last_purchase: 'today' } },
      });
      clock.set('2025-01-16T00:30:00.000Z');
      const afterMidnight = await aStartedBroadcast(deps, tenantId, {
        filters: { customFields: { last_purchase: 'today' } },
      });
      const byName = (name: string) => contacts.find((c) => c.name === name)?.id;

      // Act
      await planAll(deps, tenantId, beforeMidnight.broadcast.id);
      await planAll(deps, tenantId, afterMidnight.broadcast.id);

      // Assess
      const first = await allExecutions(deps, tenantId, beforeMidnight.broadcast.id);
      const second = await allExecutions(deps, tenantId, afterMidnight.broadcast.id);
      expect((await runOf(tenantId, beforeMidnight.broadcast.id)).audienceAsOf).toBe('2025-01-15T23:59:00.000Z');
      expect(ids(first)).toEqual([byName('Jan 15')]);
      expect(ids(second)).toEqual([byName('Jan 16'), byName('Jan 16 UTC')].sort());
    });
  });

  describe('stopped broadcasts', () => {
    it('marks planning done and plans nothing once the broadcast is cancelled', async () => {
      // Prepare
      const tenantId = newTenantId();
      const { broadcast } = await aStartedBroadcast(deps, tenantId, { contacts: [{}, {}, {}] });
      await cancelBroadcast(deps, tenantId, broadcast.id);

      // Act
      const step = await planAudiencePage(deps, tenantId, broadcast.id, 0);
      const again = await planAudiencePage(deps, tenantId, broadcast.id, 0);

      // Assess
      expect([step, again]).toEqual(['stopped', 'stopped']);
      expect(await runOf(tenantId, broadcast.id)).toMatchObject({ planDone: true, plannedChunks: 0, totalContacts: 0 });
      expect(await deps.executions.listChunk(tenantId, broadcast.id, 0)).toEqual([]);
      expect(await allExecutions(deps, tenantId, broadcast.id)).toEqual([]);
    });

    it('keeps planning while the broadcast is paused, so resume finds the audience ready', async () => {
      // Prepare
      const tenantId = newTenantId();
      const { broadcast } = await aStartedBroadcast(deps, tenantId, { contacts: [{}, {}, {}] });
      await pauseBroadcast(deps, tenantId, broadcast.id);

      // Act
      const step = await planAudiencePage(deps, tenantId, broadcast.id, 0);

      // Assess
      expect(step).toBe('done');
      expect(await runOf(tenantId, broadcast.id)).toMatchObject({ planDone: true, plannedChunks: 1, totalContacts: 3 });
    });

    it('does nothing for a broadcast that was never started', async () => {
      expect(await planAudiencePage(deps, newTenantId(), randomUUID(), 0)).toBe('stopped');
    });
  });
});
