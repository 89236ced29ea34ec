import { randomUUID } from 'node:crypto';
import type { Broadcast } from '../../lib/domain/broadcast.js';
import { NotFoundError } from '../../lib/domain/errors.js';
import { createBroadcast } from '../../lib/use-cases/broadcast-commands.js';
import { createContactList } from '../../lib/use-cases/contact-list-commands.js';
import { startBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import {
  CHILD_NAME_SUFFIX,
  childIdFor,
  type TriggerDeps,
  triggerBroadcast,
} from '../../lib/use-cases/trigger-broadcast.js';
import { aContact, rejectionOf } from '../support/builders.js';
import { buildTestDeps, newTenantId, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import { allExecutions, planAll } from '../support/pipeline.js';

// Issue 4 section 2: trigger_broadcast automation events, on DynamoDB Local.

const AT = '2025-01-15T13:00:00.000Z';

const table = testTableForFile();
let deps: TestDeps & TriggerDeps;

beforeEach(() => {
  deps = buildTestDeps(table);
});

async function aTemplate(options: { scheduledFor?: string; members?: number } = {}) {
  const tenantId = newTenantId();
  const members = Array.from({ length: options.members ?? 2 }, () => aContact(tenantId));
  for (const contact of members) await deps.contacts.create(contact);
  const list = await createContactList(deps, tenantId, {
    name: 'members',
    isDynamic: false,
    contactIds: members.map((c) => c.id),
  });
  const broadcast = await createBroadcast(deps, tenantId, {
    name: 'Welcome',
    listId: list.id,
    messageTemplate: { type: 'text', content: 'Welcome {{contact.name}}' },
    rateLimit: 0,
    timezone: 'Europe/Lisbon',
    ...(options.scheduledFor ? { scheduledFor: options.scheduledFor } : {}),
  });
  return { tenantId, broadcast, members };
}

const trigger = (
  broadcast: Broadcast,
  extra: { overrideSchedule?: boolean; contactIds?: string[]; eventId?: string } = {},
) =>
  triggerBroadcast(deps, {
    tenantId: broadcast.tenantId,
    broadcastId: broadcast.id,
    overrideSchedule: extra.overrideSchedule ?? false,
    ...(extra.contactIds ? { contactIds: extra.contactIds } : {}),
    ...(extra.eventId ? { eventId: extra.eventId } : {}),
  });

const statusOf = async (b: Pick<Broadcast, 'tenantId' | 'id'>) =>
  (await deps.broadcasts.findById(b.tenantId, b.id))?.status;

describe('trigger_broadcast', () => {
  it('starts a draft broadcast now', async () => {
    const { broadcast } = await aTemplate();

    const outcome = await trigger(broadcast);

    expect(outcome).toEqual({ result: 'started', broadcastId: broadcast.id });
    expect(await statusOf(broadcast)).toBe('running');
    expect(deps.queue.pipeline.map((p) => p.message.type)).toEqual(['plan', 'pace']);
  });

  it('leaves a scheduled broadcast scheduled without override_schedule', async () => {
    const { broadcast } = await aTemplate({ scheduledFor: AT });

    const outcome = await trigger(broadcast);

    expect(outcome).toEqual({ result: 'left_scheduled', broadcastId: broadcast.id });
    expect(await deps.broadcasts.findById(broadcast.tenantId, broadcast.id)).toMatchObject({
      status: 'scheduled',
      scheduledFor: AT,
    });
    expect(deps.scheduler.callsFor(broadcast.id).map((c) => c.op)).toEqual(['schedule']);
    expect(deps.queue.pipeline).toEqual([]);
  });

  it('starts a scheduled broadcast now with override_schedule, and deletes its schedule', async () => {
    const { broadcast } = await aTemplate({ scheduledFor: AT });

    const outcome = await trigger(broadcast, { overrideSchedule: true });

    expect(outcome).toEqual({ result: 'started', broadcastId: broadcast.id });
    expect(await statusOf(broadcast)).toBe('running');
    expect(deps.scheduler.callsFor(broadcast.id).map((c) => c.op)).toEqual(['schedule', 'unschedule']);
  });

  it('ignores a broadcast that already started, with the reason', async () => {
    const { broadcast } = await aTemplate();
    await startBroadcast(deps, broadcast.tenantId, broadcast.id);

    expect(await trigger(broadcast, { overrideSchedule: true })).toEqual({
      result: 'ignored',
      broadcastId: broadcast.id,
      reason: 'broadcast_running',
    });
  });

  it('gives one run when the trigger and a manual execute race', async () => {
    const { broadcast } = await aTemplate({ scheduledFor: AT });

    const [viaEvent, viaExecute] = await Promise.allSettled([
      trigger(broadcast, { overrideSchedule: true }),
      startBroadcast(deps, broadcast.tenantId, broadcast.id),
    ]);

    const started = [
      viaEvent.status === 'fulfilled' && viaEvent.value.result === 'started',
      viaExecute.status === 'fulfilled',
    ].filter(Boolean);
    expect(started).toHaveLength(1);
    expect(deps.queue.pipeline.filter((p) => p.message.type === 'plan')).toHaveLength(1);
  });

  it('throws NotFoundError for an unknown broadcast (or one of another tenant)', async () => {
    const { broadcast } = await aTemplate();
    const error = await rejectionOf(
      triggerBroadcast(deps, { tenantId: newTenantId(), broadcastId: broadcast.id, overrideSchedule: false }),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(await statusOf(broadcast)).toBe('draft');
  });
});

describe('trigger_broadcast with contact_ids', () => {
  it('sends to exactly those contacts through a child broadcast, leaving the template as it is', async () => {
    const { tenantId, broadcast, members } = await aTemplate({ members: 3 });
    const outsider = aContact(tenantId);
    await deps.contacts.create(outsider);
    const unknown = randomUUID();
    const [first] = members;
    const contactIds = [first?.id as string, outsider.id, unknown];

    const outcome = await trigger(broadcast, { contactIds });

    expect(outcome.result).toBe('started');
    expect(outcome.broadcastId).not.toBe(broadcast.id);
    const child = await deps.broadcasts.findById(tenantId, outcome.broadcastId);
    expect(child).toMatchObject({
      name: `Welcome${CHILD_NAME_SUFFIX}`,
      listId: broadcast.listId,
      messageTemplate: broadcast.messageTemplate,
      rateLimit: broadcast.rateLimit,
      timezone: 'Europe/Lisbon',
      parentBroadcastId: broadcast.id,
      trigger: 'automation',
      status: 'running',
    });
    expect(await statusOf(broadcast)).toBe('draft');

    expect(await planAll(deps, tenantId, outcome.broadcastId)).toEqual(['done']);
    const executions = await allExecutions(deps, tenantId, outcome.broadcastId);
    expect(executions.map((e) => [e.contactId, e.status, e.reason]).sort()).toEqual(
      [
        [first?.id, 'pending', undefined],
        [outsider.id, 'pending', undefined],
        [unknown, 'skipped', 'contact_deleted'],
      ].sort(),
    );
    expect(await deps.broadcasts.findById(tenantId, outcome.broadcastId)).toMatchObject({
      totalContacts: 3,
      skipped: 1,
    });

    // The template can be triggered again, for the next contact.
    const again = await trigger(broadcast, { contactIds: [members[1]?.id as string] });
    expect(again.result).toBe('started');
    expect(again.broadcastId).not.toBe(outcome.broadcastId);
  });

  it('sends for a scheduled template without touching its schedule', async () => {
    const { broadcast, members } = await aTemplate({ scheduledFor: AT });

    const outcome = await trigger(broadcast, { contactIds: [members[0]?.id as string] });

    expect(outcome.result).toBe('started');
    expect(await statusOf(broadcast)).toBe('scheduled');
    expect(deps.scheduler.callsFor(broadcast.id).map((c) => c.op)).toEqual(['schedule']);
  });
});

describe('idempotency by event id', () => {
  it('triggers once for a redelivered event, and answers the duplicate with the first broadcast', async () => {
    const { broadcast, members } = await aTemplate();
    const eventId = randomUUID();

    const first = await trigger(broadcast, { contactIds: [members[0]?.id as string], eventId });
    const second = await trigger(broadcast, { contactIds: [members[0]?.id as string], eventId });

    expect(first).toEqual({ result: 'started', broadcastId: childIdFor(broadcast.tenantId, eventId) });
    expect(second).toEqual({ result: 'ignored', broadcastId: first.broadcastId, reason: 'duplicate_event' });
    const broadcasts = await deps.broadcasts.list(broadcast.tenantId, { limit: 10 });
    expect(broadcasts.items).toHaveLength(2);
    expect(deps.queue.pipeline.filter((p) => p.message.type === 'plan')).toHaveLength(1);
  });

  it('processes concurrent duplicates once', async () => {
    const { broadcast } = await aTemplate();
    const eventId = randomUUID();

    const results = await Promise.allSettled([trigger(broadcast, { eventId }), trigger(broadcast, { eventId })]);

    expect(results.filter((r) => r.status === 'fulfilled' && r.value.result === 'started')).toHaveLength(1);
    expect(deps.queue.pipeline.filter((p) => p.message.type === 'plan')).toHaveLength(1);
  });

  it('lets a retry process an event whose first attempt failed', async () => {
    const { broadcast } = await aTemplate();
    const eventId = randomUUID();
    const failing = { ...deps, queue: { ...deps.queue, sendPipeline: async () => Promise.reject(new Error('down')) } };

    await expect(
      triggerBroadcast(failing as unknown as TriggerDeps, {
        tenantId: broadcast.tenantId,
        broadcastId: broadcast.id,
        overrideSchedule: false,
        eventId,
      }),
    ).rejects.toThrow('down');

    // The start committed before the queue failed: the retry finds it running, and is not a duplicate.
    expect(await trigger(broadcast, { eventId })).toEqual({
      result: 'ignored',
      broadcastId: broadcast.id,
      reason: 'broadcast_running',
    });
  });
});
