import type { Broadcast } from '../../lib/domain/broadcast.js';
import { ConflictError, InvalidTransitionError, NotFoundError, UnprocessableError } from '../../lib/domain/errors.js';
import {
  type BroadcastFields,
  createBroadcast,
  deleteBroadcast,
  scheduleBroadcast,
  unscheduleBroadcast,
  updateBroadcast,
} from '../../lib/use-cases/broadcast-commands.js';
import { getBroadcastStats, listBroadcastExecutions, listBroadcasts } from '../../lib/use-cases/broadcast-queries.js';
import { createContactList } from '../../lib/use-cases/contact-list-commands.js';
import { cancelBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import { readingTogether } from '../support/barrier.js';
import { allPages, rejectionOf } from '../support/builders.js';
import { buildTestDeps, newTenantId, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import { aPlannedBroadcast, pipelineDeps, ScriptedChannel } from '../support/pipeline.js';
import { PublishedEvents } from '../support/published-events.js';

const table = testTableForFile({ stream: true });
let deps: TestDeps;
let published: PublishedEvents;

beforeEach(async () => {
  deps = buildTestDeps(table);
  deps.clock.set('2025-01-15T12:00:00.000Z');
  published = await PublishedEvents.watch(table);
});

async function aDraft(tenantId = newTenantId(), fields: Partial<BroadcastFields> = {}): Promise<Broadcast> {
  const list = await createContactList(deps, tenantId, { name: 'audience', isDynamic: true, filters: {} });
  return createBroadcast(deps, tenantId, {
    name: 'Black Friday',
    listId: list.id,
    messageTemplate: { type: 'text', content: 'Hi {{contact.name}}' },
    rateLimit: 60,
    ...fields,
  });
}

/** The deps with both callers reading the broadcast before either writes. */
function racing(): TestDeps {
  return { ...deps, broadcasts: readingTogether(deps.broadcasts, 'findById', 2) };
}

function settled<T>(results: PromiseSettledResult<T>[]) {
  return {
    fulfilled: results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value),
    rejected: results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => r.reason as unknown),
  };
}

describe('broadcast use cases on DynamoDB', () => {
  describe('scheduleBroadcast', () => {
    it('lets exactly one of two concurrent schedules of one draft win; the other gets InvalidTransitionError', async () => {
      for (let round = 0; round < 10; round++) {
        // Prepare
        const tenantId = newTenantId();
        const draft = await aDraft(tenantId);
        published = await PublishedEvents.watch(table);
        const times = ['2025-02-01T10:00:00.000Z', '2025-03-01T10:00:00.000Z'];

        // Act
        const racingDeps = racing();
        const { fulfilled, rejected } = settled(
          await Promise.allSettled(times.map((at) => scheduleBroadcast(racingDeps, tenantId, draft.id, at))),
        );

        // Assess
        expect(fulfilled).toHaveLength(1);
        expect(rejected).toHaveLength(1);
        expect(rejected[0]).toBeInstanceOf(InvalidTransitionError);
        expect(rejected[0]).toMatchObject({ code: 'broadcast.invalid_transition', from: 'scheduled', to: 'scheduled' });
        const stored = await deps.broadcasts.findById(tenantId, draft.id);
        expect(stored?.status).toBe('scheduled');
        expect(stored?.scheduledFor).toBe(fulfilled[0]?.scheduledFor);
        expect(stored?.version).toBe(2);
        expect((await published.events(tenantId)).map((e) => [e.name, e.detail.scheduled_for])).toEqual([
          ['broadcast.scheduled', fulfilled[0]?.scheduledFor],
        ]);
      }
    });

    it('makes the broadcast due at its time, and unscheduling takes it out again', async () => {
      // Prepare
      const tenantId = newTenantId();
      const draft = await aDraft(tenantId);
      const dueIds = async (at: string) =>
        (await deps.broadcasts.findScheduledReady(new Date(at), 1000)).map((b) => b.id);

      // Act
      await scheduleBroadcast(deps, tenantId, draft.id, '2025-01-20T09:00:00-03:00');
      const beforeTime = await dueIds('2025-01-20T11:59:59.999Z');
      const atTime = await dueIds('2025-01-20T12:00:00.000Z');
      await unscheduleBroadcast(deps, tenantId, draft.id);
      const afterUnschedule = await dueIds('2025-01-21T00:00:00.000Z');

      // Assess
      expect(beforeTime).not.toContain(draft.id);
      expect(atTime).toContain(draft.id);
      expect(afterUnschedule).not.toContain(draft.id);
      const stored = await deps.broadcasts.findById(tenantId, draft.id);
      expect(stored?.status).toBe('draft');
      expect(stored).not.toHaveProperty('scheduledFor');
      expect(await published.names(tenantId)).toEqual([
        'contact_list.created',
        'broadcast.created',
        'broadcast.scheduled',
        'broadcast.unscheduled',
      ]);
    });

    it('refuses a time in the past and leaves the draft as it was', async () => {
      // Prepare
      const tenantId = newTenantId();
      const draft = await aDraft(tenantId);

      // Act
      const attempt = await rejectionOf(scheduleBroadcast(deps, tenantId, draft.id, '2025-01-15T12:00:00.000Z'));

      // Assess
      expect(attempt).toBeInstanceOf(UnprocessableError);
      expect(attempt).toMatchObject({ code: 'broadcast.schedule_in_past' });
      expect(await deps.broadcasts.findById(tenantId, draft.id)).toEqual(draft);
    });

    it('refuses to schedule a broadcast that is already scheduled', async () => {
      // Prepare
      const tenantId = newTenantId();
      const draft = await aDraft(tenantId);
      await scheduleBroadcast(deps, tenantId, draft.id, '2025-02-01T00:00:00.000Z');

      // Act
      const attempt = await rejectionOf(scheduleBroadcast(deps, tenantId, draft.id, '2025-03-01T00:00:00.000Z'));

      // Assess
      expect(attempt).toBeInstanceOf(InvalidTransitionError);
      expect((await deps.broadcasts.findById(tenantId, draft.id))?.scheduledFor).toBe('2025-02-01T00:00:00.000Z');
    });
  });

  describe('createBroadcast', () => {
    it('creates a draft at version 1 with zero counters', async () => {
      // Prepare
      const tenantId = newTenantId();

      // Act
      const draft = await aDraft(tenantId);

      // Assess
      expect(await deps.broadcasts.findById(tenantId, draft.id)).toEqual(draft);
      expect(draft).toMatchObject({ status: 'draft', version: 1, totalContacts: 0, sent: 0, failed: 0, skipped: 0 });
    });

    it('creates a broadcast directly as scheduled when given scheduledFor, due at that time', async () => {
      // Prepare
      const tenantId = newTenantId();

      // Act
      const broadcast = await aDraft(tenantId, { scheduledFor: '2025-01-16T08:00:00Z' } as Partial<BroadcastFields>);

      // Assess
      const stored = await deps.broadcasts.findById(tenantId, broadcast.id);
      expect(stored).toMatchObject({ status: 'scheduled', scheduledFor: '2025-01-16T08:00:00.000Z', version: 1 });
      const due = await deps.broadcasts.findScheduledReady(new Date('2025-01-16T08:00:00.000Z'), 1000);
      expect(due.map((b) => b.id)).toContain(broadcast.id);
      expect(await published.names(tenantId)).toEqual([
        'contact_list.created',
        'broadcast.created',
        'broadcast.scheduled',
      ]);
      const detail = { broadcast_id: broadcast.id, list_id: broadcast.listId, event_id: expect.any(String) };
      expect((await published.events(tenantId)).slice(1)).toEqual([
        {
          name: 'broadcast.created',
          tenantId,
          occurredAt: '2025-01-15T12:00:00.000Z',
          detail: { ...detail, status: 'scheduled', scheduled_for: '2025-01-16T08:00:00.000Z' },
        },
        {
          name: 'broadcast.scheduled',
          tenantId,
          occurredAt: '2025-01-15T12:00:00.000Z',
          detail: { ...detail, status: 'scheduled', scheduled_for: '2025-01-16T08:00:00.000Z' },
        },
      ]);
    });

    it("refuses another tenant's list with broadcast.unknown_list", async () => {
      // Prepare
      const theirList = await createContactList(deps, newTenantId(), { name: 'x', isDynamic: true, filters: {} });
      const tenantId = newTenantId();

      // Act
      const attempt = await rejectionOf(
        createBroadcast(deps, tenantId, {
          name: 'B',
          listId: theirList.id,
          messageTemplate: { type: 'text', content: 'x' },
          rateLimit: 0,
        }),
      );

      // Assess
      expect(attempt).toMatchObject({ code: 'broadcast.unknown_list' });
      expect((await deps.broadcasts.list(tenantId, { limit: 10 })).items).toEqual([]);
    });
  });

  describe('updateBroadcast', () => {
    it('lets exactly one of two concurrent edits of one version win; the other gets broadcast.concurrent_update', async () => {
      for (let round = 0; round < 5; round++) {
        // Prepare
        const tenantId = newTenantId();
        const draft = await aDraft(tenantId);
        published = await PublishedEvents.watch(table);

        // Act
        const racingDeps = racing();
        const { fulfilled, rejected } = settled(
          await Promise.allSettled([
            updateBroadcast(racingDeps, tenantId, draft.id, { name: 'Edit A' }),
            updateBroadcast(racingDeps, tenantId, draft.id, { name: 'Edit B' }),
          ]),
        );

        // Assess
        expect(fulfilled).toHaveLength(1);
        expect(rejected[0]).toBeInstanceOf(ConflictError);
        expect(rejected[0]).toMatchObject({ code: 'broadcast.concurrent_update' });
        const stored = await deps.broadcasts.findById(tenantId, draft.id);
        expect(stored?.name).toBe(fulfilled[0]?.name);
        expect(stored?.version).toBe(2);
        expect(await published.names(tenantId)).toEqual(['broadcast.updated']);
      }
    });

    it('refuses to edit a scheduled broadcast with broadcast.not_draft', async () => {
      // Prepare
      const tenantId = newTenantId();
      const draft = await aDraft(tenantId);
      await scheduleBroadcast(deps, tenantId, draft.id, '2025-02-01T00:00:00.000Z');

      // Act
      const attempt = await rejectionOf(updateBroadcast(deps, tenantId, draft.id, { name: 'Too late' }));

      // Assess
      expect(attempt).toMatchObject({ code: 'broadcast.not_draft' });
      expect((await deps.broadcasts.findById(tenantId, draft.id))?.name).toBe('Black Friday');
    });
  });

  describe('deleteBroadcast', () => {
    it('deletes a draft and refuses a scheduled broadcast', async () => {
      // Prepare
      const tenantId = newTenantId();
      const draft = await aDraft(tenantId);
      const scheduled = await aDraft(tenantId);
      await scheduleBroadcast(deps, tenantId, scheduled.id, '2025-02-01T00:00:00.000Z');
      published = await PublishedEvents.watch(table);

      // Act
      await deleteBroadcast(deps, tenantId, draft.id);
      const refused = await rejectionOf(deleteBroadcast(deps, tenantId, scheduled.id));

      // Assess
      expect(refused).toMatchObject({ code: 'broadcast.not_draft' });
      expect(await deps.broadcasts.findById(tenantId, draft.id)).toBeUndefined();
      expect((await deps.broadcasts.findById(tenantId, scheduled.id))?.status).toBe('scheduled');
      expect((await published.events(tenantId)).map((e) => [e.name, e.detail.broadcast_id])).toEqual([
        ['broadcast.deleted', draft.id],
      ]);
    });
  });

  describe('cancelBroadcast', () => {
    it('lets exactly one of two concurrent cancels win and takes the broadcast out of the due index', async () => {
      // Prepare
      const tenantId = newTenantId();
      const draft = await aDraft(tenantId);
      await scheduleBroadcast(deps, tenantId, draft.id, '2025-01-15T13:00:00.000Z');
      published = await PublishedEvents.watch(table);
      const racingDeps = racing();

      // Act
      const { fulfilled, rejected } = settled(
        await Promise.allSettled([1, 2].map(() => cancelBroadcast(racingDeps, tenantId, draft.id))),
      );

      // Assess
      expect(fulfilled).toHaveLength(1);
      expect(rejected[0]).toBeInstanceOf(InvalidTransitionError);
      expect(await published.names(tenantId)).toEqual(['broadcast.cancelled']);
      const stored = await deps.broadcasts.findById(tenantId, draft.id);
      expect(stored).toMatchObject({ status: 'cancelled', cancelledAt: '2025-01-15T12:00:00.000Z' });
      const due = await deps.broadcasts.findScheduledReady(new Date('2025-01-16T00:00:00.000Z'), 1000);
      expect(due.map((b) => b.id)).not.toContain(draft.id);
    });
  });

  describe('queries', () => {
    it('lists the broadcasts of the tenant by status', async () => {
      // Prepare
      const tenantId = newTenantId();
      const drafts = [await aDraft(tenantId), await aDraft(tenantId)];
      const scheduled = await aDraft(tenantId);
      await scheduleBroadcast(deps, tenantId, scheduled.id, '2025-02-01T00:00:00.000Z');
      await aDraft(newTenantId());

      // Act
      const onlyDrafts = await allPages((page) => listBroadcasts(deps, tenantId, page, 'draft'), 1);
      const everything = await allPages((page) => listBroadcasts(deps, tenantId, page), 1);

      // Assess
      expect(onlyDrafts.items.map((b) => b.id).sort()).toEqual(drafts.map((b) => b.id).sort());
      expect(everything.items).toHaveLength(3);
    });

    it('reads stats and executions for the owner only', async () => {
      // Prepare: a draft, and a broadcast run to the end: Ana sent, Bia rejected, Caio opted out.
      const tenantId = newTenantId();
      const draft = await aDraft(tenantId);
      const channel = new ScriptedChannel(deps.clock);
      const sending = pipelineDeps(table, deps.clock, channel);
      const { broadcast, contacts } = await aPlannedBroadcast(sending, tenantId, {
        contacts: [{ name: 'Ana' }, { name: 'Bia' }, { name: 'Caio', optedOut: true }],
      });
      const idOf = (name: string) => contacts.find((c) => c.name === name)?.id;
      channel.script(idOf('Bia') as string, { kind: 'permanent', reason: 'invalid number' });
      await sendChunk(sending, { tenantId, broadcastId: broadcast.id, chunk: 0 });

      // Act
      const draftStats = await getBroadcastStats(deps, tenantId, draft.id);
      const draftExecutions = await listBroadcastExecutions(deps, tenantId, draft.id, { limit: 10 });
      const stats = await getBroadcastStats(deps, tenantId, broadcast.id);
      const all = await allPages((page) => listBroadcastExecutions(deps, tenantId, broadcast.id, page), 1);
      const sent = await allPages((page) => listBroadcastExecutions(deps, tenantId, broadcast.id, page, 'sent'), 1);
      const skipped = await allPages(
        (page) => listBroadcastExecutions(deps, tenantId, broadcast.id, page, 'skipped'),
        1,
      );
      const intruderStats = await rejectionOf(getBroadcastStats(deps, newTenantId(), broadcast.id));
      const intruderExecutions = await rejectionOf(
        listBroadcastExecutions(deps, newTenantId(), broadcast.id, { limit: 10 }),
      );

      // Assess
      expect(draftStats).toEqual({
        totalContacts: 0,
        pending: 0,
        sending: 0,
        sent: 0,
        failed: 0,
        skipped: 0,
        delivered: 0,
        read: 0,
        deliveryFailed: 0,
        progressPercent: 0,
        status: 'draft',
      });
      expect(draftExecutions).toEqual({ items: [] });
      expect(stats).toEqual({
        totalContacts: 3,
        pending: 0,
        sending: 0,
        sent: 1,
        failed: 1,
        skipped: 1,
        delivered: 0,
        read: 0,
        deliveryFailed: 0,
        progressPercent: 100,
        status: 'completed',
        startedAt: '2025-01-15T12:00:00.000Z',
        completedAt: '2025-01-15T12:00:00.000Z',
      });
      expect(all.items.map((e) => e.contactId).sort()).toEqual(contacts.map((c) => c.id).sort());
      expect(sent.items.map((e) => e.contactId)).toEqual([idOf('Ana')]);
      expect(skipped.items.map((e) => ({ contactId: e.contactId, reason: e.reason }))).toEqual([
        { contactId: idOf('Caio'), reason: 'opted_out' },
      ]);
      expect(all.items.find((e) => e.contactId === idOf('Bia'))).toMatchObject({
        status: 'failed',
        reason: 'rejected',
        error: 'invalid number',
      });
      expect(intruderStats).toBeInstanceOf(NotFoundError);
      expect(intruderExecutions).toBeInstanceOf(NotFoundError);
    });
  });
});
