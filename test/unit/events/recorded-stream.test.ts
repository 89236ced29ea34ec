import { readFileSync } from 'node:fs';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { broadcastKeys, executionKeys, type ItemKey, listKeys, runKeys } from '../../../lib/adapters/dynamodb/keys.js';
import { deriveDomainEvents, eventSourceEntities } from '../../../lib/adapters/dynamodb/stream/derive-domain-events.js';
import type { DomainEvent } from '../../../lib/domain/events.js';

/**
 * The stream records event-publisher was handed by the local event source while a tenant's lists and broadcasts
 * went through their lives (recorded from DynamoDB Local by fixtures/record-stream-fixture.ts), and the events
 * they publish. Every record is one batch here, as a batching window could make them.
 */
const T = 'acme';
const VIP = listKeys.byId(T, 'id-1');
const EVERYONE = listKeys.byId(T, 'id-2');
const LAUNCH = broadcastKeys.byId(T, 'id-3');
const DROPPED = broadcastKeys.byId(T, 'id-8');
const RUN = runKeys.byBroadcast(T, 'id-3');
const execution = (contactId: string): ItemKey => ({
  pk: executionKeys.chunkPartition(T, 'id-3', 0),
  sk: executionKeys.contactSortKey(contactId),
});

const { Records: records } = JSON.parse(
  readFileSync(new URL('./fixtures/stream-records.json', import.meta.url), 'utf8'),
) as DynamoDBStreamEvent;

/** The record of the `nth` change of an item (0: the first). */
function recordOf(key: ItemKey, nth = 0): DynamoDBRecord {
  const { pk, sk } = key;
  const found = records.filter((r) => r.dynamodb?.Keys?.pk?.S === pk && r.dynamodb?.Keys?.sk?.S === sk)[nth];
  if (!found) throw new Error(`no change ${nth} of ${pk} ${sk} in the fixture`);
  return found;
}

const idOf = (key: ItemKey, nth = 0) => recordOf(key, nth).eventID as string;
/** The stream's time of a record, for an item without a time of its own (a member, a deleted broadcast). */
const streamTimeOf = (record: DynamoDBRecord) =>
  new Date((record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();

const at = (minute: number) => `2026-01-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const launch = { broadcast_id: 'id-3', list_id: 'id-1' };
const dropped = { broadcast_id: 'id-8', list_id: 'id-2' };
const event = (name: DomainEvent['name'], occurredAt: string, detail: Record<string, unknown>): DomainEvent => ({
  name,
  tenantId: T,
  occurredAt,
  detail,
});

/** What is published for the fixture without per-message events, in order. */
const PUBLISHED: DomainEvent[] = [
  event('contact_list.created', at(1), { contact_list_id: 'id-1', is_dynamic: false, event_id: idOf(VIP) }),
  event('contact_list.created', at(2), { contact_list_id: 'id-2', is_dynamic: true, event_id: idOf(EVERYONE) }),
  event('contact_list.updated', at(3), {
    contact_list_id: 'id-2',
    is_dynamic: true,
    changed_fields: ['filters'],
    event_id: idOf(EVERYONE, 1),
  }),
  event('broadcast.created', at(4), { ...launch, status: 'draft', event_id: `${idOf(LAUNCH)}:created` }),
  event('broadcast.updated', at(5), { ...launch, status: 'draft', event_id: idOf(LAUNCH, 1) }),
  event('broadcast.scheduled', at(6), {
    ...launch,
    status: 'scheduled',
    scheduled_for: '2026-01-02T09:00:00.000Z',
    event_id: idOf(LAUNCH, 2),
  }),
  event('broadcast.unscheduled', at(7), { ...launch, status: 'draft', event_id: idOf(LAUNCH, 3) }),
  event('broadcast.started', at(8), { ...launch, status: 'running', event_id: idOf(LAUNCH, 4) }),
  event('broadcast.progress', at(9), {
    broadcast_id: 'id-3',
    total: 2,
    sent: 1,
    failed: 1,
    skipped: 0,
    progress: 100,
    event_id: idOf(RUN, 3),
  }),
  event('broadcast.completed', at(9), { ...launch, status: 'completed', event_id: idOf(LAUNCH, 5) }),
  // The list's members added at its creation and later, in one batch: one event, where the last of them stands.
  event('contact_list.contacts_added', streamTimeOf(recordOf(listKeys.member(T, 'id-1', 'contact-caio'))), {
    contact_list_id: 'id-1',
    count: 3,
    contact_ids: ['contact-ana', 'contact-bia', 'contact-caio'],
    event_id: `${idOf(listKeys.member(T, 'id-1', 'contact-ana'))}:members`,
  }),
  event('contact_list.contacts_removed', streamTimeOf(recordOf(listKeys.member(T, 'id-1', 'contact-ana'), 1)), {
    contact_list_id: 'id-1',
    count: 1,
    contact_ids: ['contact-ana'],
    event_id: `${idOf(listKeys.member(T, 'id-1', 'contact-ana'), 1)}:members`,
  }),
  event('broadcast.created', at(11), {
    ...dropped,
    status: 'scheduled',
    scheduled_for: '2026-02-01T09:00:00.000Z',
    event_id: `${idOf(DROPPED)}:created`,
  }),
  event('broadcast.scheduled', at(11), {
    ...dropped,
    status: 'scheduled',
    scheduled_for: '2026-02-01T09:00:00.000Z',
    event_id: `${idOf(DROPPED)}:scheduled`,
  }),
  event('broadcast.unscheduled', at(11), { ...dropped, status: 'draft', event_id: idOf(DROPPED, 1) }),
  event('broadcast.deleted', streamTimeOf(recordOf(DROPPED, 2)), {
    ...dropped,
    status: 'draft',
    event_id: idOf(DROPPED, 2),
  }),
];

describe('the events of a recorded stream', () => {
  it('are the lists, broadcast lifecycle, progress and member events, in the order of the records', () => {
    // Act
    const events = deriveDomainEvents(records, { perMessageEvents: false });

    // Assess
    expect(events).toEqual(PUBLISHED);
  });

  it('with per-message events, also one event per message sent or failed, before the progress they make', () => {
    // Act
    const events = deriveDomainEvents(records, { perMessageEvents: true });

    // Assess
    const progress = PUBLISHED.findIndex((e) => e.name === 'broadcast.progress');
    expect(events).toEqual([
      ...PUBLISHED.slice(0, progress),
      event('broadcast.message_sent', at(9), {
        broadcast_id: 'id-3',
        execution_id: 'id-5',
        contact_id: 'contact-ana',
        status: 'sent',
        message_id: 'provider-1',
        event_id: idOf(execution('contact-ana'), 1),
      }),
      event('broadcast.message_failed', at(9), {
        broadcast_id: 'id-3',
        execution_id: 'id-6',
        contact_id: 'contact-bia',
        status: 'failed',
        reason: 'rejected',
        event_id: idOf(execution('contact-bia'), 1),
      }),
      ...PUBLISHED.slice(progress),
    ]);
  });

  it.each([false, true])(
    'are the same from the records the event source filter lets through (perMessageEvents %s)',
    (perMessageEvents) => {
      // Prepare: the filter of infra/constructs/service-functions.ts, the new image's entity or a REMOVE's old one.
      const entities = eventSourceEntities({ perMessageEvents });
      const filtered = records.filter((r) => {
        const image = r.eventName === 'REMOVE' ? r.dynamodb?.OldImage : r.dynamodb?.NewImage;
        return entities.includes(String(image?.entity?.S));
      });

      // Act
      const events = deriveDomainEvents(filtered, { perMessageEvents });

      // Assess
      expect(filtered.length).toBeLessThan(records.length);
      expect(events).toEqual(deriveDomainEvents(records, { perMessageEvents }));
    },
  );
});
