import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { testSendKeys } from '../../lib/adapters/dynamodb/keys.js';
import { TTL_ATTRIBUTE } from '../../lib/adapters/dynamodb/table-definition.js';
import { BROADCAST_STATUSES } from '../../lib/domain/broadcast.js';
import { NotFoundError, RateLimitedError, UnprocessableError } from '../../lib/domain/errors.js';
import { parseExecutionReference } from '../../lib/domain/execution-reference.js';
import { idempotencyKeyFor } from '../../lib/domain/outbound-message.js';
import { TEST_SEND_STALE_MS, type TestSend, testSendIdempotencyKey } from '../../lib/domain/test-send.js';
import type { ChannelSender } from '../../lib/ports/channel-sender.js';
import { sendTestMessage } from '../../lib/use-cases/test-send.js';
import { listTestSends } from '../../lib/use-cases/test-send-history.js';
import { aBroadcast, allPages, rejectionOf, storeBroadcast } from '../support/builders.js';
import {
  createTestTable,
  newTenantId,
  rawPartition,
  TestClock,
  type TestDeps,
  type TestTable,
} from '../support/dynamodb.js';
import { aPlannedBroadcast, createContacts, pipelineDeps, ScriptedChannel } from '../support/pipeline.js';

let table: TestTable;
let clock: TestClock;
let channel: ScriptedChannel;
let deps: TestDeps;

const DAY_SECONDS = 24 * 3600;

beforeAll(async () => {
  table = await createTestTable();
});

beforeEach(() => {
  clock = new TestClock('2025-01-15T12:00:00.000Z');
  channel = new ScriptedChannel(clock, false);
  deps = pipelineDeps(table, clock, channel);
});

afterAll(async () => {
  await table.release();
});

/** A running broadcast, planned (a run item, pending executions), on a channel of its own needing a phone. */
async function aRunningBroadcast(content = 'Hi {{contact.name}}, {{unsubscribe_link}}') {
  const tenantId = newTenantId();
  const started = await aPlannedBroadcast(deps, tenantId, {
    contacts: [
      { name: 'Ana', phone: '+5511999990001' },
      { name: 'Bruno', phone: '+5511999990002' },
    ],
    channel: { requiredAddress: 'phone' },
    content,
  });
  const [ana, bruno] = started.contacts as [(typeof started.contacts)[0], (typeof started.contacts)[0]];
  return { tenantId, broadcast: started.broadcast, channelId: started.channel?.id as string, ana, bruno };
}

/** Every item of the table but the test sends' own, as stored. */
async function everythingElse(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(
      new ScanCommand({ TableName: table.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items
    .filter((item) => !(item.pk as string).endsWith('#TESTSENDS'))
    .sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
}

describe('sendTestMessage', () => {
  it('sends the message once, as the broadcast would, and records it; nothing else in the table changes', async () => {
    // Prepare
    const { tenantId, broadcast, channelId, ana } = await aRunningBroadcast();
    const before = await everythingElse();

    // Act
    const testSend = await sendTestMessage(deps, tenantId, broadcast.id, ana.id);

    // Assess: one message, Ana's, rendered with her real unsubscribe link, under keys of its own.
    expect(channel.received).toHaveLength(1);
    const sent = channel.received[0]?.message;
    const link = deps.unsubscribeLinks.linkFor({ tenantId, contactId: ana.id, broadcastId: broadcast.id });
    expect(sent).toMatchObject({
      tenantId,
      broadcastId: broadcast.id,
      executionId: testSend.id,
      idempotencyKey: testSendIdempotencyKey(tenantId, broadcast.id, testSend.id),
      contact: { id: ana.id, name: 'Ana', phone: '+5511999990001' },
      message: { type: 'text', content: `Hi Ana, ${link}` },
    });
    expect(sent?.idempotencyKey).not.toBe(idempotencyKeyFor(tenantId, broadcast.id, ana.id));
    expect(parseExecutionReference(sent?.executionReference)).toBeUndefined();
    expect(testSend).toEqual({
      id: expect.any(String),
      tenantId,
      broadcastId: broadcast.id,
      contactId: ana.id,
      channelId,
      status: 'sent',
      messageId: 'provider-1',
      message: { type: 'text', content: `Hi Ana, ${link}` },
      createdAt: '2025-01-15T12:00:00.000Z',
      updatedAt: '2025-01-15T12:00:00.000Z',
    });
    expect((await listTestSends(deps, tenantId, broadcast.id, { limit: 50 })).items).toEqual([testSend]);
    // The broadcast, its run (counters), executions, contacts, list and channel: exactly as they were.
    expect(await everythingElse()).toEqual(before);
  });

  it.each(BROADCAST_STATUSES)('sends for a %s broadcast, which stays as it was', async (status) => {
    // Prepare
    const tenantId = newTenantId();
    const [contact] = await createContacts(deps, tenantId, [{ name: 'Ana' }]);
    const broadcast = aBroadcast(tenantId, { status });
    await storeBroadcast(deps, broadcast);

    // Act
    const testSend = await sendTestMessage(deps, tenantId, broadcast.id, contact?.id as string);

    // Assess
    expect(testSend.status).toBe('sent');
    expect(channel.contactIds()).toEqual([contact?.id]);
    expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toEqual(broadcast);
  });

  it.each([
    ['opted_out', { name: 'Olga', phone: '+5511999990003', optedOut: true }, 'Hi {{contact.name}}'],
    ['no_address', { name: 'Nadia', email: 'nadia@example.com', phone: undefined }, 'Hi {{contact.name}}'],
    ['missing_variable', { name: 'Mia', phone: '+5511999990004' }, 'Your plan: {{contact.custom.plan}}'],
  ] as const)(
    'refuses a contact the broadcast would skip (%s) with 422, sending and counting nothing',
    async (reason, fields, content) => {
      // Prepare
      const { tenantId, broadcast } = await aRunningBroadcast(content);
      const [contact] = await createContacts(deps, tenantId, [fields]);
      const before = await everythingElse();

      // Act
      const error = await rejectionOf(sendTestMessage(deps, tenantId, broadcast.id, contact?.id as string));

      // Assess
      expect(error).toBeInstanceOf(UnprocessableError);
      expect(error).toMatchObject({
        code: 'broadcast.test_send_skipped',
        errors: [{ field: 'contact_id', message: reason }],
      });
      expect(channel.received).toEqual([]);
      expect(await deps.testSends.readWindow(tenantId, broadcast.id)).toEqual({ times: [], version: 0 });
      expect(await rawPartition(table, testSendKeys.partition(tenantId, broadcast.id))).toEqual([]);
      expect(await everythingElse()).toEqual(before);
    },
  );

  it("answers 404 for another tenant's broadcast or contact, and unknown ids, sending and writing nothing", async () => {
    // Prepare
    const mine = await aRunningBroadcast();
    const theirs = await aRunningBroadcast();
    const before = await everythingElse();

    // Act
    const errors = await Promise.all([
      rejectionOf(sendTestMessage(deps, mine.tenantId, theirs.broadcast.id, mine.ana.id)),
      rejectionOf(sendTestMessage(deps, mine.tenantId, mine.broadcast.id, theirs.ana.id)),
      rejectionOf(sendTestMessage(deps, mine.tenantId, randomUUID(), mine.ana.id)),
      rejectionOf(sendTestMessage(deps, mine.tenantId, mine.broadcast.id, randomUUID())),
    ]);

    // Assess
    expect(errors.map((e) => [e instanceof NotFoundError, (e as NotFoundError).code])).toEqual([
      [true, 'broadcast.not_found'],
      [true, 'contact.not_found'],
      [true, 'broadcast.not_found'],
      [true, 'contact.not_found'],
    ]);
    expect(channel.received).toEqual([]);
    expect(await everythingElse()).toEqual(before);
    expect(await rawPartition(table, testSendKeys.partition(mine.tenantId, theirs.broadcast.id))).toEqual([]);
  });

  it('answers 422 broadcast.no_channel when the broadcast has no channel to send through', async () => {
    // Prepare
    const { defaultChannel: _none, ...withoutDefault } = deps;
    const tenantId = newTenantId();
    const [contact] = await createContacts(deps, tenantId, [{ name: 'Ana' }]);
    const broadcast = aBroadcast(tenantId);
    await storeBroadcast(deps, broadcast);

    // Act
    const error = await rejectionOf(sendTestMessage(withoutDefault, tenantId, broadcast.id, contact?.id as string));

    // Assess
    expect(error).toMatchObject({ code: 'broadcast.no_channel' });
    expect(channel.received).toEqual([]);
  });

  it("returns and records the channel's failure without retrying it", async () => {
    // Prepare
    const { tenantId, broadcast, ana, bruno } = await aRunningBroadcast();
    channel.script(ana.id, { kind: 'transient', reason: 'HTTP 503', retryAfterMs: 1000 });
    channel.script(bruno.id, { kind: 'permanent', reason: '131026 Message undeliverable' });

    // Act
    const transient = await sendTestMessage(deps, tenantId, broadcast.id, ana.id);
    const permanent = await sendTestMessage(deps, tenantId, broadcast.id, bruno.id);

    // Assess
    expect(channel.contactIds()).toEqual([ana.id, bruno.id]);
    expect(transient).toMatchObject({ status: 'failed', failure: 'transient', error: 'HTTP 503' });
    expect(permanent).toMatchObject({
      status: 'failed',
      failure: 'permanent',
      error: '131026 Message undeliverable',
    });
    expect(transient.messageId).toBeUndefined();
    const history = await listTestSends(deps, tenantId, broadcast.id, { limit: 50 });
    expect(history.items.map((t) => t.status)).toEqual(['failed', 'failed']);
  });

  it("records a provider opt-out as failed, opted_out, and suppresses the contact's sms address", async () => {
    // Prepare
    const { tenantId, broadcast, ana } = await aRunningBroadcast();
    channel.script(ana.id, { kind: 'opted_out', suppression: 'sms', reason: 'sms ConflictException opted out' });

    // Act
    const testSend = await sendTestMessage(deps, tenantId, broadcast.id, ana.id);

    // Assess: the opt-out holds for the broadcast's own sends too; the contact's consent flag is untouched.
    expect(testSend).toMatchObject({
      status: 'failed',
      failure: 'opted_out',
      error: 'sms ConflictException opted out',
    });
    expect(testSend.smsParts).toBeUndefined();
    expect(await deps.contacts.findById(tenantId, ana.id)).toMatchObject({
      optedOut: false,
      suppressions: { sms: { reason: 'carrier_opt_out', at: clock.now().toISOString(), address: '+5511999990001' } },
    });
  });

  it('records a channel that throws as failed, outcome_unknown', async () => {
    // Prepare
    const { tenantId, broadcast, ana } = await aRunningBroadcast();
    const throwing: ChannelSender = {
      honoursIdempotencyKey: false,
      send: async () => {
        throw new Error('socket hang up');
      },
    };

    // Act
    const testSend = await sendTestMessage(
      { ...deps, senders: { senderFor: () => throwing } },
      tenantId,
      broadcast.id,
      ana.id,
    );

    // Assess
    expect(testSend).toMatchObject({
      status: 'failed',
      failure: 'outcome_unknown',
      error: 'channel error: socket hang up',
    });
  });
});

describe('the limit: 10 test sends a minute per broadcast, sliding', () => {
  it('refuses the eleventh within a minute with the seconds until a slot frees, failed sends counted', async () => {
    // Prepare: every send fails at the channel, one every 3 s.
    const { tenantId, broadcast, ana } = await aRunningBroadcast();
    channel.script(ana.id, { kind: 'permanent', reason: 'rejected' });
    for (let i = 0; i < 10; i++) {
      await sendTestMessage(deps, tenantId, broadcast.id, ana.id);
      clock.advance(3000);
    }
    const sentSoFar = channel.received.length;

    // Act: at 30 s, then at 59.999 s, then at 60 s (the first one leaves the window).
    const at30 = await rejectionOf(sendTestMessage(deps, tenantId, broadcast.id, ana.id));
    clock.set('2025-01-15T12:00:59.999Z');
    const at59 = await rejectionOf(sendTestMessage(deps, tenantId, broadcast.id, ana.id));
    clock.set('2025-01-15T12:01:00.000Z');
    const at60 = await sendTestMessage(deps, tenantId, broadcast.id, ana.id);

    // Assess
    expect(sentSoFar).toBe(10);
    expect(at30).toBeInstanceOf(RateLimitedError);
    expect(at30).toMatchObject({ code: 'broadcast.test_send_rate_limited', retryAfterSeconds: 30 });
    expect(at59).toMatchObject({ code: 'broadcast.test_send_rate_limited', retryAfterSeconds: 1 });
    expect(at60.status).toBe('failed');
    expect(channel.received).toHaveLength(11);
    expect((await allPages((page) => deps.testSends.list(tenantId, broadcast.id, page), 50)).items).toHaveLength(11);
  });

  it('is per broadcast: another broadcast of the tenant still has its ten', async () => {
    // Prepare
    const first = await aRunningBroadcast();
    for (let i = 0; i < 10; i++) await sendTestMessage(deps, first.tenantId, first.broadcast.id, first.ana.id);
    const other = aBroadcast(first.tenantId, { channelId: first.channelId });
    await storeBroadcast(deps, other);

    // Act
    const refused = await rejectionOf(sendTestMessage(deps, first.tenantId, first.broadcast.id, first.ana.id));
    const elsewhere = await sendTestMessage(deps, first.tenantId, other.id, first.ana.id);

    // Assess
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(elsewhere.status).toBe('sent');
  });

  it('admits exactly ten of eleven concurrent test sends: the window is written under its version', async () => {
    // Prepare
    const { tenantId, broadcast, ana } = await aRunningBroadcast();

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 11 }, () => sendTestMessage(deps, tenantId, broadcast.id, ana.id)),
    );

    // Assess
    const admitted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(admitted).toHaveLength(10);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(RateLimitedError);
    expect(channel.received).toHaveLength(10);
    const window = await deps.testSends.readWindow(tenantId, broadcast.id);
    expect(window).toEqual({ times: Array(10).fill(clock.now().getTime()), version: 10 });
    expect((await deps.testSends.list(tenantId, broadcast.id, { limit: 50 })).items).toHaveLength(10);
  });
});

describe('the test-send history', () => {
  it('lists newest first, page by page, and every item expires by TTL', async () => {
    // Prepare: five test sends, one a second.
    const { tenantId, broadcast, ana } = await aRunningBroadcast();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await sendTestMessage(deps, tenantId, broadcast.id, ana.id)).id);
      clock.advance(1000);
    }

    // Act
    const { items, pages } = await allPages((page) => listTestSends(deps, tenantId, broadcast.id, page), 2);

    // Assess
    expect(items.map((t) => t.id)).toEqual([...ids].reverse());
    expect(pages).toBe(3);
    const raw = await rawPartition(table, testSendKeys.partition(tenantId, broadcast.id));
    const window = raw.find((item) => item.sk === '#WINDOW');
    const sends = raw.filter((item) => item.entity === 'test_send');
    expect(sends).toHaveLength(5);
    for (const item of sends) {
      const created = Date.parse(item.createdAt as string) / 1000;
      expect(item[TTL_ATTRIBUTE]).toBe(created + 30 * DAY_SECONDS);
    }
    expect(window?.[TTL_ATTRIBUTE]).toBe(Date.parse('2025-01-15T12:00:04.000Z') / 1000 + DAY_SECONDS);
  });

  it('shows a test send whose answer was never recorded as sending, then as failed, outcome_unknown', async () => {
    // Prepare: admitted (the window and the history written), then the process died before the channel answered.
    const { tenantId, broadcast, ana, channelId } = await aRunningBroadcast();
    const orphan: TestSend = {
      id: randomUUID(),
      tenantId,
      broadcastId: broadcast.id,
      contactId: ana.id,
      channelId,
      status: 'sending',
      message: { type: 'text', content: 'Hi Ana' },
      createdAt: clock.now().toISOString(),
      updatedAt: clock.now().toISOString(),
    };
    expect(await deps.testSends.admit(orphan, { readVersion: 0, times: [clock.now().getTime()] })).toBe(true);

    // Act
    const soon = await listTestSends(deps, tenantId, broadcast.id, { limit: 10 });
    clock.advance(TEST_SEND_STALE_MS);
    const later = await listTestSends(deps, tenantId, broadcast.id, { limit: 10 });

    // Assess
    expect(soon.items.map((t) => t.status)).toEqual(['sending']);
    expect(later.items).toEqual([expect.objectContaining({ status: 'failed', failure: 'outcome_unknown' })]);
  });

  it("takes its instant on a capped channel's timeline, so the channel's cap holds for test sends too", async () => {
    // Prepare
    const tenantId = newTenantId();
    const started = await aPlannedBroadcast(deps, tenantId, {
      contacts: [{ name: 'Ana', phone: '+5511999990001' }],
      channel: { requiredAddress: 'phone', maxMessagesPerSecond: 5 },
      content: 'Hi {{contact.name}}',
    });
    const ref = { tenantId, channelId: started.channel?.id as string };
    const before = await deps.channelPace.read(ref);

    // Act
    const sent = await sendTestMessage(deps, tenantId, started.broadcast.id, started.contacts[0]?.id as string);

    // Assess
    expect(sent.status).toBe('sent');
    const after = await deps.channelPace.read(ref);
    expect(before.tatMs).toBe(0);
    expect(after.tatMs).toBeGreaterThan(clock.now().getTime());
  });

  it("answers 404 for another tenant's broadcast", async () => {
    // Prepare
    const theirs = await aRunningBroadcast();
    await sendTestMessage(deps, theirs.tenantId, theirs.broadcast.id, theirs.ana.id);

    // Act
    const error = await rejectionOf(listTestSends(deps, newTenantId(), theirs.broadcast.id, { limit: 10 }));

    // Assess
    expect(error).toBeInstanceOf(NotFoundError);
  });
});

describe('DynamoDbTestSendRepository.admit', () => {
  it('refuses a window read at a version that has moved on, writing nothing', async () => {
    // Prepare
    const { tenantId, broadcast, ana, channelId } = await aRunningBroadcast();
    const draft = (): TestSend => ({
      id: randomUUID(),
      tenantId,
      broadcastId: broadcast.id,
      contactId: ana.id,
      channelId,
      status: 'sending',
      message: { type: 'text', content: 'Hi' },
      createdAt: clock.now().toISOString(),
      updatedAt: clock.now().toISOString(),
    });
    const now = clock.now().getTime();
    expect(await deps.testSends.admit(draft(), { readVersion: 0, times: [now] })).toBe(true);

    // Act
    const stale = await deps.testSends.admit(draft(), { readVersion: 0, times: [now] });
    const current = await deps.testSends.admit(draft(), { readVersion: 1, times: [now, now] });

    // Assess
    expect([stale, current]).toEqual([false, true]);
    expect(await deps.testSends.readWindow(tenantId, broadcast.id)).toEqual({ times: [now, now], version: 2 });
    expect((await deps.testSends.list(tenantId, broadcast.id, { limit: 10 })).items).toHaveLength(2);
  });
});
