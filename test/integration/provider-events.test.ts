import { eventBridgeEnvelope } from '../../lib/adapters/provider-events/envelope.js';
import { readProviderEvent } from '../../lib/adapters/provider-events/read-provider-event.js';
import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import type { Contact } from '../../lib/domain/contact.js';
import { applyProviderEvents } from '../../lib/use-cases/apply-provider-events.js';
import { getBroadcastStats } from '../../lib/use-cases/broadcast-queries.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import { newTenantId, TestClock, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import { allExecutions, aPlannedBroadcast, pipelineDeps, ScriptedChannel } from '../support/pipeline.js';
import { type EventTarget, sesEvent, smsEvent } from '../support/provider-events.js';

// SES and SMS events applied on DynamoDB Local, with event JSON as AWS documents it: delivery statuses through the
// receipts machinery, a permanent bounce suppressing the address for every later broadcast, a complaint opting the
// contact out, a transient bounce changing nothing, duplicates and forgeries changing nothing.

const table = testTableForFile();
let clock: TestClock;
let channel: ScriptedChannel;
let deps: TestDeps;

beforeEach(() => {
  clock = new TestClock('2026-03-01T09:00:00.000Z');
  channel = new ScriptedChannel(clock);
  deps = pipelineDeps(table, clock, channel);
});

interface Sent {
  tenantId: string;
  broadcastId: string;
  contacts: Contact[];
  executions: Map<string, BroadcastExecution>;
  /** What a provider event about this contact's message names. */
  target(name: string, messageId?: string): EventTarget;
}

/** A broadcast to Ana and Bruno through a channel that needs their e-mail, sent: each execution holds a message id. */
async function aSentBroadcast(tenantId = newTenantId(), memberIds?: string[]): Promise<Sent> {
  const planned = await aPlannedBroadcast(deps, tenantId, {
    ...(memberIds
      ? { memberIds }
      : {
          contacts: [
            { name: 'Ana', email: 'ana@example.com', phone: '+15550001111' },
            { name: 'Bruno', email: 'bruno@example.com', phone: '+15550002222' },
          ],
        }),
    channel: { requiredAddress: 'email' },
  });
  await sendChunk(deps, { tenantId, broadcastId: planned.broadcast.id, chunk: 0 });
  const all = await allExecutions(deps, tenantId, planned.broadcast.id);
  const executions = new Map(all.map((e) => [e.contactId, e]));
  const contacts = memberIds ? await deps.contacts.findByIds(tenantId, memberIds) : planned.contacts;
  const byName = (name: string) => contacts.find((c) => c.name === name) as Contact;
  return {
    tenantId,
    broadcastId: planned.broadcast.id,
    contacts,
    executions,
    target: (name, messageId) => {
      const contact = byName(name);
      const execution = executions.get(contact.id) as BroadcastExecution;
      return {
        tenantId,
        reference: { executionId: execution.id, broadcastId: execution.broadcastId, chunk: 0, contactId: contact.id },
        messageId: messageId ?? (execution.messageId as string),
        ...(contact.email ? { address: contact.email } : {}),
      };
    },
  };
}

const apply = (events: readonly unknown[], stageTenant?: string) =>
  applyProviderEvents(
    deps,
    events.map((event) => readProviderEvent(eventBridgeEnvelope.parse(event))),
    stageTenant,
  );

const contactOf = (sent: Sent, name: string) =>
  deps.contacts.findById(sent.tenantId, sent.contacts.find((c) => c.name === name)?.id as string);

describe('provider events on DynamoDB Local', () => {
  it('marks a delivered e-mail delivered and counts it once, however often the event comes', async () => {
    // Prepare
    const sent = await aSentBroadcast();
    const delivered = sesEvent('delivery', sent.target('Ana'));

    // Act
    const first = await apply([delivered, delivered]);
    const again = await apply([delivered]);

    // Assess
    expect(first.retry.size + again.retry.size).toBe(0);
    expect(first.report.receipts).toMatchObject({ received: 2, moved: 1, unchanged: 1 });
    expect(again.report.receipts).toMatchObject({ moved: 0, unchanged: 1 });
    expect(await getBroadcastStats(deps, sent.tenantId, sent.broadcastId)).toMatchObject({
      delivered: 1,
      deliveryFailed: 0,
    });
  });

  it('fails a permanently bounced e-mail, suppresses the address, and the next broadcast skips it as suppressed', async () => {
    // Prepare
    const sent = await aSentBroadcast();
    const ana = sent.contacts.find((c) => c.name === 'Ana') as Contact;

    // Act
    const outcome = await apply([sesEvent('bounce', sent.target('Ana'))]);
    const next = await aSentBroadcast(
      sent.tenantId,
      sent.contacts.map((c) => c.id),
    );

    // Assess
    expect(outcome.report).toMatchObject({ suppressed: 1, unknown: 0, receipts: { moved: 1 } });
    const [bounced] = (await allExecutions(deps, sent.tenantId, sent.broadcastId)).filter(
      (e) => e.contactId === ana.id,
    );
    expect(bounced).toMatchObject({
      status: 'sent',
      deliveryStatus: 'failed',
      deliveryError: 'bounce Permanent/General 5.1.1 smtp; 550 5.1.1 user unknown',
    });
    expect((await contactOf(sent, 'Ana'))?.suppressions).toEqual({
      email: { reason: 'bounce', at: '2026-03-01T10:00:02.669Z', address: 'ana@example.com' },
    });
    expect(next.executions.get(ana.id)).toMatchObject({ status: 'skipped', reason: 'suppressed' });
    expect([...next.executions.values()].filter((e) => e.status === 'sent')).toHaveLength(1);
    expect(await getBroadcastStats(deps, sent.tenantId, sent.broadcastId)).toMatchObject({ deliveryFailed: 1 });
  });

  it('opts a contact who complained out, suppressing the address; a duplicate complaint writes nothing', async () => {
    // Prepare
    const sent = await aSentBroadcast();
    const complaint = sesEvent('complaint', sent.target('Bruno'));

    // Act
    const first = await apply([complaint]);
    const afterFirst = await contactOf(sent, 'Bruno');
    const second = await apply([complaint]);

    // Assess
    expect(first.report).toMatchObject({ optedOut: 1 });
    expect(second.report).toMatchObject({ optedOut: 0 });
    expect(afterFirst).toMatchObject({
      optedOut: true,
      optedOutAt: clock.now().toISOString(),
      suppressions: { email: { reason: 'complaint', at: '2026-03-01T12:29:58.000Z', address: 'bruno@example.com' } },
    });
    expect(await contactOf(sent, 'Bruno')).toEqual(afterFirst);
    expect(await contactOf(sent, 'Ana')).toMatchObject({ optedOut: false });
  });

  it('opts out a contact whose e-mail changed since the complaint, without suppressing the new address', async () => {
    // Prepare
    const sent = await aSentBroadcast();
    const bruno = (await contactOf(sent, 'Bruno')) as Contact;
    await deps.contacts.replace({ ...bruno, email: 'bruno@new.example', updatedAt: '2026-03-01T11:00:00.000Z' }, bruno);

    // Act
    const outcome = await apply([sesEvent('complaint', sent.target('Bruno'))]);

    // Assess
    expect(outcome.report.optedOut).toBe(1);
    const after = await contactOf(sent, 'Bruno');
    expect(after).toMatchObject({ optedOut: true, email: 'bruno@new.example' });
    expect(after?.suppressions).toBeUndefined();
  });

  it('skips a suppressed contact already when planning a dynamic list, as suppressed', async () => {
    // Prepare
    const tenantId = newTenantId();
    const planned = await aPlannedBroadcast(deps, tenantId, {
      contacts: [
        { name: 'Ana', email: 'ana@example.com', tags: ['news'], suppressions: { email: { reason: 'bounce' } } },
        { name: 'Bruno', email: 'bruno@example.com', tags: ['news'] },
      ],
      filters: { tags: ['news'] },
      channel: { requiredAddress: 'email' },
    });

    // Act
    const executions = await allExecutions(deps, tenantId, planned.broadcast.id);

    // Assess
    const ana = planned.contacts.find((c) => c.name === 'Ana') as Contact;
    expect(executions.find((e) => e.contactId === ana.id)).toMatchObject({ status: 'skipped', reason: 'suppressed' });
    expect(executions.filter((e) => e.status === 'pending')).toHaveLength(1);
  });

  it('changes nothing for a transient bounce', async () => {
    // Prepare
    const sent = await aSentBroadcast();
    const before = await contactOf(sent, 'Ana');
    const transient = sesEvent('bounce', sent.target('Ana'), (detail) => {
      detail.bounce.bounceType = 'Transient';
      detail.bounce.bounceSubType = 'MailboxFull';
    });

    // Act
    const outcome = await apply([transient]);

    // Assess
    expect(outcome.report).toMatchObject({ ignored: 1, suppressed: 0 });
    expect(await contactOf(sent, 'Ana')).toEqual(before);
    const executions = await allExecutions(deps, sent.tenantId, sent.broadcastId);
    expect(executions.map((e) => e.deliveryStatus)).toEqual([undefined, undefined]);
  });

  it('applies permanent bounces as often as they come with one suppression and one failure counted', async () => {
    // Prepare
    const sent = await aSentBroadcast();
    const bounce = sesEvent('bounce', sent.target('Ana'));

    // Act
    const outcomes = [await apply([bounce, bounce]), await apply([bounce])];
    const contact = await contactOf(sent, 'Ana');
    await apply([bounce]);

    // Assess
    expect(outcomes.map((o) => o.report.suppressed)).toEqual([1, 0]);
    expect(await contactOf(sent, 'Ana')).toEqual(contact);
    expect(await getBroadcastStats(deps, sent.tenantId, sent.broadcastId)).toMatchObject({ deliveryFailed: 1 });
  });

  it('drops forged and foreign events as unknown: no status, no suppression, no opt-out', async () => {
    // Prepare
    const sent = await aSentBroadcast();
    const before = await contactOf(sent, 'Ana');
    const forged = [
      sesEvent('bounce', sent.target('Ana', 'another-message-id')),
      sesEvent('complaint', sent.target('Ana', 'another-message-id')),
      sesEvent('bounce', { ...sent.target('Ana'), tenantId: newTenantId() }),
      sesEvent('bounce', {
        ...sent.target('Ana'),
        reference: { ...sent.target('Ana').reference, executionId: crypto.randomUUID() },
      }),
    ];

    // Act
    const outcome = await apply(forged);
    const otherStage = await apply([sesEvent('bounce', sent.target('Ana'))], 'another-tenant');

    // Assess
    expect(outcome.report).toMatchObject({ received: 4, suppressed: 0, optedOut: 0 });
    expect(outcome.report.unknown + outcome.report.receipts.unknown).toBe(4);
    expect(otherStage.report).toMatchObject({ unknown: 1, suppressed: 0 });
    expect(await contactOf(sent, 'Ana')).toEqual(before);
    expect(await getBroadcastStats(deps, sent.tenantId, sent.broadcastId)).toMatchObject({ deliveryFailed: 0 });
  });

  it('applies SMS delivery events: delivered, and failed with the event type', async () => {
    // Prepare
    const sent = await aSentBroadcast();

    // Act
    const outcome = await apply([
      smsEvent('TEXT_SUCCESSFUL', sent.target('Ana')),
      smsEvent('TEXT_CARRIER_BLOCKED', sent.target('Bruno'), (detail) => {
        detail.messageStatusDescription = 'Blocked as spam by carrier';
      }),
    ]);

    // Assess
    expect(outcome.report.receipts).toMatchObject({ moved: 2 });
    const executions = await allExecutions(deps, sent.tenantId, sent.broadcastId);
    const bruno = sent.contacts.find((c) => c.name === 'Bruno') as Contact;
    expect(executions.find((e) => e.contactId === bruno.id)).toMatchObject({
      deliveryStatus: 'failed',
      deliveryError: 'TEXT_CARRIER_BLOCKED: Blocked as spam by carrier',
    });
    expect(await getBroadcastStats(deps, sent.tenantId, sent.broadcastId)).toMatchObject({
      delivered: 1,
      deliveryFailed: 1,
    });
  });

  it('leaves on the queue a bounce whose execution is still being sent, and applies it once the send is recorded', async () => {
    // Prepare: the execution is claimed (sending) with no message id yet
    const sent = await aSentBroadcast();
    const ana = sent.contacts.find((c) => c.name === 'Ana') as Contact;
    const execution = sent.executions.get(ana.id) as BroadcastExecution;
    const sending = { ...execution, status: 'sending' as const, messageId: undefined };
    await deps.executions.writePlanned([sending]);
    const bounce = sesEvent('bounce', sent.target('Ana', 'late-message-id'));

    // Act
    const early = await apply([bounce]);
    const afterEarly = await contactOf(sent, 'Ana');
    await deps.executions.writePlanned([{ ...execution, messageId: 'late-message-id' }]);
    const later = await apply([bounce]);

    // Assess
    expect([...early.retry]).toEqual([0]);
    expect(afterEarly?.suppressions).toBeUndefined();
    expect(later.retry.size).toBe(0);
    expect(later.report.suppressed).toBe(1);
  });
});
