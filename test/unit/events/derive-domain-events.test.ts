import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, AttributeValue as StreamAttributeValue } from 'aws-lambda';
import { broadcastKeys, listKeys } from '../../../lib/adapters/dynamodb/keys.js';
import {
  deriveDomainEvents,
  passesEventSourceFilter,
} from '../../../lib/adapters/dynamodb/stream/derive-domain-events.js';
import { type Broadcast, transition } from '../../../lib/domain/broadcast.js';
import { aBroadcast } from '../../support/builders.js';

type Plain = Record<string, unknown>;

/** An item as its stream image (DynamoDB JSON), as DynamoDB writes it. */
function image(item: Plain): Record<string, StreamAttributeValue> {
  return marshall(item, { removeUndefinedValues: true }) as Record<string, StreamAttributeValue>;
}

let sequence = 100;
function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', oldItem?: Plain, newItem?: Plain): DynamoDBRecord {
  sequence++;
  return {
    eventID: `ev-${sequence}`,
    eventName,
    dynamodb: {
      ApproximateCreationDateTime: 1_767_225_600,
      SequenceNumber: String(sequence),
      ...(oldItem ? { OldImage: image(oldItem) } : {}),
      ...(newItem ? { NewImage: image(newItem) } : {}),
    },
  };
}

const T = 'acme';
const broadcast = (fields: Plain = {}): Plain => ({
  pk: `T#${T}#BROADCASTS`,
  sk: 'BROADCAST#b1',
  entity: 'broadcast',
  id: 'b1',
  tenantId: T,
  listId: 'l1',
  status: 'draft',
  version: 1,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...fields,
});
const list = (fields: Plain = {}): Plain => ({
  pk: `T#${T}#LISTS`,
  sk: 'LIST#l1',
  entity: 'contact_list',
  id: 'l1',
  tenantId: T,
  name: 'VIP',
  tags: ['a'],
  isDynamic: false,
  contactCount: 0,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...fields,
});
/** The list and the contact of a member item are in its keys only. */
const member = (listId: string, contactId: string): Plain => ({
  ...listKeys.member(T, listId, contactId),
  entity: 'list_member',
});
const run = (fields: Plain = {}): Plain => ({
  pk: `T#${T}#BROADCAST#b1#RUN`,
  sk: 'RUN',
  entity: 'broadcast_run',
  tenantId: T,
  broadcastId: 'b1',
  totalContacts: 10,
  skippedAtPlan: 1,
  skippedAtSend: 0,
  sent: 0,
  failed: 0,
  talliedChunks: 0,
  segmentWatch: [0, 0],
  lastProgressAt: '2026-01-01T00:01:00.000Z',
  ...fields,
});
const execution = (fields: Plain = {}): Plain => ({
  pk: `T#${T}#BROADCAST#b1#CHUNK#0`,
  sk: 'CONTACT#c1',
  entity: 'execution',
  id: 'x1',
  tenantId: T,
  broadcastId: 'b1',
  contactId: 'c1',
  status: 'sending',
  updatedAt: '2026-01-01T00:02:00.000Z',
  ...fields,
});

const DEFAULT = { perMessageEvents: false };
const names = (records: DynamoDBRecord[], options = DEFAULT) =>
  deriveDomainEvents(records, options).map((event) => event.name);

describe('deriveDomainEvents: broadcasts', () => {
  it('INSERT is created; inserted scheduled it is created then scheduled', () => {
    expect(names([record('INSERT', undefined, broadcast())])).toEqual(['broadcast.created']);
    const scheduled = broadcast({ status: 'scheduled', scheduledFor: '2026-02-01T10:00:00.000Z' });
    const events = deriveDomainEvents([record('INSERT', undefined, scheduled)], DEFAULT);
    expect(events.map((e) => e.name)).toEqual(['broadcast.created', 'broadcast.scheduled']);
    expect(events[1]).toEqual({
      name: 'broadcast.scheduled',
      tenantId: T,
      occurredAt: '2026-01-01T00:00:00.000Z',
      detail: {
        broadcast_id: 'b1',
        list_id: 'l1',
        status: 'scheduled',
        scheduled_for: '2026-02-01T10:00:00.000Z',
        event_id: expect.any(String),
      },
    });
    expect(events[0]?.detail.event_id).not.toBe(events[1]?.detail.event_id);
  });

  it.each([
    ['draft', 'scheduled', 'broadcast.scheduled'],
    ['scheduled', 'draft', 'broadcast.unscheduled'],
    ['draft', 'running', 'broadcast.started'],
    ['scheduled', 'running', 'broadcast.started'],
    ['running', 'paused', 'broadcast.paused'],
    ['paused', 'running', 'broadcast.resumed'],
    ['running', 'completed', 'broadcast.completed'],
    ['running', 'failed', 'broadcast.failed'],
    ['scheduled', 'failed', 'broadcast.failed'],
    ['scheduled', 'cancelled', 'broadcast.cancelled'],
    ['running', 'cancelled', 'broadcast.cancelled'],
    ['paused', 'cancelled', 'broadcast.cancelled'],
  ])('MODIFY %s -> %s is %s', (from, to, name) => {
    const events = deriveDomainEvents(
      [record('MODIFY', broadcast({ status: from }), broadcast({ status: to, updatedAt: '2026-01-01T00:05:00.000Z' }))],
      DEFAULT,
    );
    expect(events).toEqual([
      {
        name,
        tenantId: T,
        occurredAt: '2026-01-01T00:05:00.000Z',
        detail: expect.objectContaining({ broadcast_id: 'b1', list_id: 'l1', status: to }),
      },
    ]);
  });

  it('carries status_reason as reason', () => {
    const [event] = deriveDomainEvents(
      [record('MODIFY', broadcast({ status: 'running' }), broadcast({ status: 'paused', statusReason: 'auto_pause' }))],
      DEFAULT,
    );
    expect(event?.detail).toMatchObject({ status: 'paused', reason: 'auto_pause' });
  });

  it('an edit of a draft is updated; a reschedule is scheduled; a write that changes nothing is nothing', () => {
    expect(names([record('MODIFY', broadcast(), broadcast({ version: 2, name: 'new' }))])).toEqual([
      'broadcast.updated',
    ]);
    const at = (scheduledFor: string) => broadcast({ status: 'scheduled', scheduledFor });
    expect(names([record('MODIFY', at('2026-02-01T00:00:00Z'), at('2026-03-01T00:00:00Z'))])).toEqual([
      'broadcast.scheduled',
    ]);
    expect(names([record('MODIFY', broadcast({ status: 'running' }), broadcast({ status: 'running' }))])).toEqual([]);
    expect(names([record('MODIFY', broadcast(), broadcast())])).toEqual([]);
  });

  it('REMOVE is deleted', () => {
    const [event] = deriveDomainEvents([record('REMOVE', broadcast(), undefined)], DEFAULT);
    expect(event).toMatchObject({
      name: 'broadcast.deleted',
      tenantId: T,
      occurredAt: '2026-01-01T00:00:00.000Z',
      detail: { broadcast_id: 'b1' },
    });
  });
});

describe("deriveDomainEvents: the changes the domain's transition() makes", () => {
  const NOW = '2026-01-01T10:00:00.000Z';
  const broadcastIn = (status: Broadcast['status'], extra: Partial<Broadcast> = {}): Broadcast =>
    aBroadcast('acme', {
      id: 'b-1',
      name: 'Weekly',
      listId: 'l-1',
      messageTemplate: { type: 'text', content: 'Hi' },
      status,
      rateLimit: 0,
      version: 3,
      createdAt: '2025-12-01T00:00:00.000Z',
      updatedAt: '2025-12-01T00:00:00.000Z',
      ...extra,
    });
  /** The broadcast as the repository stores it (its scheduled-due index keys aside). */
  const stored = (broadcast: Broadcast): Plain => ({
    ...broadcastKeys.byId(broadcast.tenantId, broadcast.id),
    entity: 'broadcast',
    ...broadcast,
  });
  const published = (before: Broadcast, after: Broadcast) =>
    deriveDomainEvents([record('MODIFY', stored(before), stored(after))], DEFAULT);

  it('draft -> scheduled is broadcast.scheduled with the time, at the time of the change', () => {
    // Prepare
    const draft = broadcastIn('draft');
    const { broadcast } = transition(draft, 'scheduled', NOW, { scheduledFor: '2026-02-01T00:00:00.000Z' });

    // Act
    const events = published(draft, broadcast);

    // Assess
    expect(events).toEqual([
      {
        name: 'broadcast.scheduled',
        tenantId: 'acme',
        occurredAt: NOW,
        detail: {
          broadcast_id: 'b-1',
          list_id: 'l-1',
          status: 'scheduled',
          scheduled_for: '2026-02-01T00:00:00.000Z',
          event_id: expect.any(String),
        },
      },
    ]);
  });

  it('paused -> running is broadcast.resumed', () => {
    // Prepare
    const paused = broadcastIn('paused', { startedAt: '2025-12-31T00:00:00.000Z' });

    // Act
    const events = published(paused, transition(paused, 'running', NOW).broadcast);

    // Assess
    expect(events.map((e) => e.name)).toEqual(['broadcast.resumed']);
  });

  it('a scheduled broadcast failed with a reason is broadcast.failed with that reason', () => {
    // Prepare
    const scheduled = broadcastIn('scheduled', { scheduledFor: '2026-01-01T09:00:00.000Z' });
    const { broadcast } = transition(scheduled, 'failed', NOW, { reason: 'schedule_expired' });

    // Act
    const events = published(scheduled, broadcast);

    // Assess
    expect(events).toEqual([
      {
        name: 'broadcast.failed',
        tenantId: 'acme',
        occurredAt: NOW,
        detail: {
          broadcast_id: 'b-1',
          list_id: 'l-1',
          status: 'failed',
          reason: 'schedule_expired',
          event_id: expect.any(String),
        },
      },
    ]);
  });

  it("carries a system reason in the event of its own change only, not in the next one's", () => {
    // Prepare
    const running = broadcastIn('running');
    const paused = transition(running, 'paused', NOW, { reason: 'failure_threshold' }).broadcast;
    const resumed = transition(paused, 'running', NOW).broadcast;

    // Act
    const [pausedEvent] = published(running, paused);
    const [resumedEvent] = published(paused, resumed);

    // Assess
    expect(pausedEvent?.detail.reason).toBe('failure_threshold');
    expect(resumedEvent?.name).toBe('broadcast.resumed');
    expect(resumedEvent?.detail).not.toHaveProperty('reason');
  });
});

describe('deriveDomainEvents: contact lists', () => {
  it('INSERT, MODIFY of name/description/tags/filters and REMOVE are created, updated and deleted', () => {
    expect(
      names([
        record('INSERT', undefined, list()),
        record('MODIFY', list(), list({ name: 'VVIP' })),
        record('MODIFY', list(), list({ tags: ['a', 'b'] })),
        record('MODIFY', list(), list({ description: 'd' })),
        record('MODIFY', list({ isDynamic: true }), list({ isDynamic: true, filters: { tags: ['x'] } })),
        record('REMOVE', list(), undefined),
      ]),
    ).toEqual([
      'contact_list.created',
      'contact_list.updated',
      'contact_list.updated',
      'contact_list.updated',
      'contact_list.updated',
      'contact_list.deleted',
    ]);
  });

  it('a change of the member count alone is no update', () => {
    expect(names([record('MODIFY', list(), list({ contactCount: 5, updatedAt: '2026-01-02T00:00:00Z' }))])).toEqual([]);
  });

  it('aggregates member INSERTs and REMOVEs per list per batch, with the count and the contact ids', () => {
    const events = deriveDomainEvents(
      [
        record('INSERT', undefined, list()),
        record('INSERT', undefined, member('l1', 'c1')),
        record('INSERT', undefined, member('l2', 'c9')),
        record('INSERT', undefined, member('l1', 'c2')),
        record('REMOVE', member('l1', 'c3'), undefined),
        record('MODIFY', list(), list({ name: 'later' })),
      ],
      DEFAULT,
    );
    expect(events.map((e) => [e.name, e.detail.contact_list_id, e.detail.count, e.detail.contact_ids])).toEqual([
      ['contact_list.created', 'l1', undefined, undefined],
      ['contact_list.contacts_added', 'l2', 1, ['c9']],
      ['contact_list.contacts_added', 'l1', 2, ['c1', 'c2']],
      ['contact_list.contacts_removed', 'l1', 1, ['c3']],
      ['contact_list.updated', 'l1', undefined, undefined],
    ]);
    expect(events.every((e) => e.tenantId === T)).toBe(true);
  });
});

describe('deriveDomainEvents: progress and per-message events', () => {
  it('a run change of sent/failed that crosses a step is one progress event with the counters (the default)', () => {
    const records = [
      record('MODIFY', run(), run({ sent: 4, failed: 1, skippedAtSend: 1, talliedChunks: 1 })),
      record('MODIFY', run(), run({ releasedChunks: 3 })),
      record('MODIFY', execution(), execution({ status: 'sent', messageId: 'm1' })),
    ];
    expect(deriveDomainEvents(records, DEFAULT)).toEqual([
      {
        name: 'broadcast.progress',
        tenantId: T,
        occurredAt: '2026-01-01T00:01:00.000Z',
        detail: {
          broadcast_id: 'b1',
          total: 10,
          sent: 4,
          failed: 1,
          skipped: 2,
          progress: 70,
          event_id: records[0]?.eventID,
        },
      },
    ]);
  });

  it('a counted chunk that stays within a 10 % step is no progress event', () => {
    // Prepare: 100 contacts, 1 skipped at plan; 12 % done, then 19 %
    const records = [
      record(
        'MODIFY',
        run({ totalContacts: 100, sent: 10, failed: 1 }),
        run({ totalContacts: 100, sent: 16, failed: 2 }),
      ),
    ];

    // Act
    const events = deriveDomainEvents(records, DEFAULT);

    // Assess
    expect(events).toEqual([]);
  });

  it('a counted chunk that crosses a 10 % step is one progress event, the counters those of the new image', () => {
    // Prepare: 18 % done, then 21 %
    const records = [
      record(
        'MODIFY',
        run({ totalContacts: 100, sent: 15, failed: 2 }),
        run({ totalContacts: 100, sent: 17, failed: 2, skippedAtSend: 1, lastProgressAt: '2026-01-01T00:03:00.000Z' }),
      ),
    ];

    // Act
    const events = deriveDomainEvents(records, DEFAULT);

    // Assess
    expect(events).toEqual([
      {
        name: 'broadcast.progress',
        tenantId: T,
        occurredAt: '2026-01-01T00:03:00.000Z',
        detail: {
          broadcast_id: 'b1',
          total: 100,
          sent: 17,
          failed: 2,
          skipped: 2,
          progress: 21,
          event_id: records[0]?.eventID,
        },
      },
    ]);
  });

  it('no progress event while the audience is still being planned (its total still grows)', () => {
    // Prepare: 12 % then 55 % of what is planned so far
    const records = [
      record(
        'MODIFY',
        run({ totalContacts: 100, sent: 11, segmentWatch: [0, 1_800_000_000_000] }),
        run({ totalContacts: 100, sent: 54, segmentWatch: [0, 1_800_000_000_000] }),
      ),
    ];

    // Act
    const events = deriveDomainEvents(records, DEFAULT);

    // Assess
    expect(events).toEqual([]);
  });

  it('the write that finishes the plan, after contacts were counted, is the progress event they were not', () => {
    // Prepare: one contact, sent and counted while another segment was still planning; then that segment finishes
    // (no counter moves), and a later write of the run changes nothing
    const planning = [0, 1_800_000_000_000];
    const counted = run({ totalContacts: 1, skippedAtPlan: 0, sent: 1, segmentWatch: planning });
    const planned = { ...counted, segmentWatch: [0, 0] };
    const records = [
      record('MODIFY', run({ totalContacts: 1, skippedAtPlan: 0, segmentWatch: planning }), counted),
      record('MODIFY', counted, planned),
      record('MODIFY', planned, { ...planned, finishedAt: '2026-01-01T00:09:00.000Z' }),
    ];

    // Act
    const events = deriveDomainEvents(records, DEFAULT);

    // Assess
    expect(events.map((e) => [e.name, e.detail, e.detail.event_id])).toEqual([
      [
        'broadcast.progress',
        expect.objectContaining({ total: 1, sent: 1, failed: 0, skipped: 0, progress: 100 }),
        records[1]?.eventID,
      ],
    ]);
  });

  it('a plan finishing with nothing sent yet is no progress event, nor with only contacts skipped at plan', () => {
    // Prepare
    const planning = [0, 1_800_000_000_000];
    const records = [
      record('MODIFY', run({ skippedAtPlan: 0, segmentWatch: planning }), run({ skippedAtPlan: 0 })),
      record('MODIFY', run({ skippedAtPlan: 4, segmentWatch: planning }), run({ skippedAtPlan: 4 })),
      record(
        'MODIFY',
        run({ totalContacts: 2, skippedAtPlan: 2, segmentWatch: planning }),
        run({ totalContacts: 2, skippedAtPlan: 2 }),
      ),
    ];

    // Act
    const events = deriveDomainEvents(records, DEFAULT);

    // Assess
    expect(events).toEqual([]);
  });

  it('a counted chunk that jumps across several steps is one progress event', () => {
    // Prepare: 12 % done, then 55 %
    const records = [record('MODIFY', run({ totalContacts: 100, sent: 11 }), run({ totalContacts: 100, sent: 54 }))];

    // Act
    const events = deriveDomainEvents(records, DEFAULT);

    // Assess
    expect(events.map((e) => [e.name, e.detail.progress])).toEqual([['broadcast.progress', 55]]);
  });

  it('reaching 100 % is one progress event; a later write of the finished run is none', () => {
    // Prepare: 7 contacts (steps fall between counts), 6 of them done (85.7 %), then all 7
    const before = run({ totalContacts: 7, skippedAtPlan: 0, sent: 5, failed: 1 });
    const after = run({ totalContacts: 7, skippedAtPlan: 0, sent: 6, failed: 1 });
    const records = [
      record('MODIFY', before, after),
      record('MODIFY', after, { ...after, finishedAt: '2026-01-01T00:09:00.000Z' }),
    ];

    // Act
    const events = deriveDomainEvents(records, DEFAULT);

    // Assess
    expect(events.map((e) => [e.name, e.detail])).toEqual([
      ['broadcast.progress', expect.objectContaining({ total: 7, sent: 6, failed: 1, skipped: 0, progress: 100 })],
    ]);
  });

  it('a whole run counted chunk by chunk is one progress event per 10 % step, ten in all', () => {
    // Prepare: 100 contacts counted in 34 chunks of 3 (the last of 1)
    const records: DynamoDBRecord[] = [];
    for (let sent = 0; sent < 100; sent += 3) {
      const next = Math.min(100, sent + 3);
      records.push(
        record(
          'MODIFY',
          run({ totalContacts: 100, skippedAtPlan: 0, sent }),
          run({ totalContacts: 100, skippedAtPlan: 0, sent: next }),
        ),
      );
    }

    // Act
    const events = deriveDomainEvents(records, DEFAULT);

    // Assess
    expect(records).toHaveLength(34);
    expect(events.map((e) => e.detail.progress)).toEqual([12, 21, 30, 42, 51, 60, 72, 81, 90, 100]);
  });

  it('an old image without counters counts them as zero; a run with no contacts is no progress event', () => {
    // Prepare: an old image carrying no counters at all (nor skippedAtPlan)
    const bare = {
      pk: `T#${T}#BROADCAST#b1#RUN`,
      sk: 'RUN',
      entity: 'broadcast_run',
      tenantId: T,
      broadcastId: 'b1',
      totalContacts: 100,
    };
    const records = [
      record('MODIFY', bare, run({ totalContacts: 100, skippedAtPlan: 0 })),
      record('MODIFY', bare, run({ totalContacts: 100, skippedAtPlan: 0, sent: 5 })),
      record('MODIFY', bare, run({ totalContacts: 100, skippedAtPlan: 2, sent: 10 })),
      record('MODIFY', { ...bare, totalContacts: 0 }, run({ totalContacts: 0, skippedAtPlan: 0, sent: 1 })),
    ];

    // Act
    const events = deriveDomainEvents(records, DEFAULT);

    // Assess: counters appearing at zero, and 0 % to 5 %, cross no step; 0 % to 12 % does
    expect(events.map((e) => [e.name, e.detail.progress, e.detail.event_id])).toEqual([
      ['broadcast.progress', 12, records[2]?.eventID],
    ]);
  });

  it('with perMessageEvents, executions turning sent or failed are message_sent / message_failed too', () => {
    const events = deriveDomainEvents(
      [
        record('MODIFY', execution(), execution({ status: 'sent', messageId: 'm1' })),
        record(
          'MODIFY',
          execution({ id: 'x2', contactId: 'c2' }),
          execution({ id: 'x2', contactId: 'c2', status: 'failed', reason: 'bad_number' }),
        ),
        record('MODIFY', execution({ status: 'pending' }), execution({ status: 'sending' })),
        record('MODIFY', run(), run({ sent: 1, failed: 1 })),
      ],
      { perMessageEvents: true },
    );
    expect(events.map((e) => [e.name, e.detail])).toEqual([
      [
        'broadcast.message_sent',
        expect.objectContaining({ broadcast_id: 'b1', execution_id: 'x1', contact_id: 'c1', message_id: 'm1' }),
      ],
      [
        'broadcast.message_failed',
        expect.objectContaining({ broadcast_id: 'b1', execution_id: 'x2', contact_id: 'c2', reason: 'bad_number' }),
      ],
      ['broadcast.progress', expect.objectContaining({ sent: 1, failed: 1 })],
    ]);
  });

  it("with perMessageEvents, an execution whose first write is its outcome (pending in its chunk's manifest) is one too", () => {
    const events = deriveDomainEvents(
      [
        record('INSERT', undefined, execution({ status: 'sent', messageId: 'm1' })),
        record('INSERT', undefined, execution({ id: 'x2', contactId: 'c2', status: 'failed', reason: 'bad_number' })),
        // A retry put back, and a contact skipped at planning: no message left, none failed.
        record('INSERT', undefined, execution({ id: 'x3', contactId: 'c3', status: 'pending', attempts: 1 })),
        record('INSERT', undefined, execution({ id: 'x4', contactId: 'c4', status: 'skipped', reason: 'opted_out' })),
        record('REMOVE', execution({ id: 'x5', contactId: 'c5', status: 'sent' }), undefined),
      ],
      { perMessageEvents: true },
    );
    expect(events.map((e) => [e.name, e.detail.execution_id])).toEqual([
      ['broadcast.message_sent', 'x1'],
      ['broadcast.message_failed', 'x2'],
    ]);
  });

  it('with perMessageEvents, a receipt moving an execution gives message_delivered / message_read, at the receipt times', () => {
    // Prepare
    const sent = execution({ status: 'sent', messageId: 'wamid.1' });
    const delivered = { ...sent, deliveryStatus: 'delivered', deliveredAt: '2026-01-01T00:03:00.000Z' };
    const read = { ...delivered, deliveryStatus: 'read', readAt: '2026-01-01T00:04:00.000Z' };
    const records = [
      record('MODIFY', sent, delivered),
      record('MODIFY', delivered, read),
      // read without delivered: both, at the read time
      record('MODIFY', sent, { ...sent, deliveryStatus: 'read', deliveredAt: read.readAt, readAt: read.readAt }),
      // failed, and a status that did not move: none
      record('MODIFY', sent, { ...sent, deliveryStatus: 'failed', deliveryError: 'whatsapp 131026: undeliverable' }),
      record('MODIFY', read, { ...read, updatedAt: '2026-01-01T00:05:00.000Z' }),
    ];

    // Act
    const events = deriveDomainEvents(records, { perMessageEvents: true });
    const without = deriveDomainEvents(records, { perMessageEvents: false });

    // Assess
    expect(events.map((e) => [e.name, e.occurredAt, e.detail])).toEqual([
      [
        'broadcast.message_delivered',
        delivered.deliveredAt,
        {
          broadcast_id: 'b1',
          execution_id: 'x1',
          contact_id: 'c1',
          status: 'sent',
          delivery_status: 'delivered',
          message_id: 'wamid.1',
          event_id: `${records[0]?.eventID}:delivered`,
        },
      ],
      ['broadcast.message_read', read.readAt, expect.objectContaining({ delivery_status: 'read' })],
      [
        'broadcast.message_delivered',
        read.readAt,
        expect.objectContaining({ event_id: `${records[2]?.eventID}:delivered` }),
      ],
      ['broadcast.message_read', read.readAt, expect.objectContaining({ event_id: `${records[2]?.eventID}:read` })],
    ]);
    expect(without).toEqual([]);
  });

  it('ignores other entities and records without images', () => {
    expect(
      names([
        record('INSERT', undefined, { pk: 'x', sk: 'y', entity: 'contact', tenantId: T }),
        record('INSERT', undefined, { pk: 'x', sk: '#TALLY', entity: 'chunk_tally' }),
        { eventName: 'INSERT' },
      ]),
    ).toEqual([]);
  });
});

describe('eventSourceEntities: the event source filter in AWS', () => {
  it.each([
    ['without per-message events', false],
    ['with per-message events', true],
  ])('lets through every record that gives an event, %s', (_how, perMessageEvents) => {
    // Prepare: one record of each kind the other tests derive events from, and the items nothing derives from.
    const options = { perMessageEvents };
    const records = [
      record('INSERT', undefined, broadcast()),
      record('MODIFY', broadcast(), broadcast({ status: 'running' })),
      record('REMOVE', broadcast(), undefined),
      record('INSERT', undefined, list()),
      record('REMOVE', list(), undefined),
      record('INSERT', undefined, member('l1', 'c1')),
      record('REMOVE', member('l1', 'c2'), undefined),
      record('MODIFY', run({ totalContacts: 10, sent: 0 }), run({ totalContacts: 10, sent: 9 })),
      record('MODIFY', execution({ status: 'pending' }), execution({ status: 'sent' })),
      record('INSERT', undefined, { pk: `T#${T}#CONTACTS#0`, sk: 'CONTACT#c1', entity: 'contact', tenantId: T }),
      record('INSERT', undefined, { pk: `T#${T}#BROADCAST#b1#CHUNK#0`, sk: '#LEASE', entity: 'chunk_lease' }),
      record('INSERT', undefined, { pk: `T#${T}#BROADCAST#b1#CHUNK#0`, sk: '#TALLY', entity: 'chunk_tally' }),
      record(
        'MODIFY',
        execution({ status: 'sent' }),
        execution({ status: 'sent', deliveryStatus: 'read', deliveredAt: 'a', readAt: 'a' }),
      ),
      record('INSERT', undefined, { pk: `T#${T}#BROADCAST#b1#RUN`, sk: 'RECEIPTS', entity: 'broadcast_receipts' }),
      record('INSERT', undefined, { pk: 'CHANNEL#c1', sk: 'TENANT', entity: 'channel_tenant', tenantId: T }),
    ];
    const passes = (r: DynamoDBRecord) => passesEventSourceFilter(r, options);

    // Act
    const all = deriveDomainEvents(records, options);
    const filtered = deriveDomainEvents(records.filter(passes), options);

    // Assess
    expect(all.length).toBeGreaterThanOrEqual(7);
    expect(filtered).toEqual(all);
    expect(records.filter(passes).length).toBeLessThan(records.length);
  });
});

describe('passesEventSourceFilter: the event source filter, one record at a time', () => {
  const options = { perMessageEvents: false };
  const contact = { pk: `T#${T}#CONTACTS#0`, sk: 'CONTACT#c1', entity: 'contact', tenantId: T };

  it('lets through a change whose new image is of an event entity, and the removal of one', () => {
    // Act & Assess
    expect(passesEventSourceFilter(record('INSERT', undefined, broadcast()), options)).toBe(true);
    expect(passesEventSourceFilter(record('MODIFY', broadcast(), broadcast({ status: 'running' })), options)).toBe(
      true,
    );
    expect(passesEventSourceFilter(record('REMOVE', list(), undefined), options)).toBe(true);
  });

  it('drops the rest, as Lambda does before any invocation', () => {
    // Act & Assess
    expect(passesEventSourceFilter(record('INSERT', undefined, contact), options)).toBe(false);
    expect(passesEventSourceFilter(record('REMOVE', contact, undefined), options)).toBe(false);
    expect(passesEventSourceFilter({ eventName: 'INSERT' }, options)).toBe(false);
    // A removal is matched on its old image only when it is a REMOVE (the second pattern names the event).
    expect(passesEventSourceFilter(record('MODIFY', broadcast(), contact), options)).toBe(false);
  });

  it('lets executions through only with per-message events', () => {
    // Prepare
    const sent = record('INSERT', undefined, execution({ status: 'sent' }));

    // Act & Assess
    expect(passesEventSourceFilter(sent, { perMessageEvents: false })).toBe(false);
    expect(passesEventSourceFilter(sent, { perMessageEvents: true })).toBe(true);
  });
});
