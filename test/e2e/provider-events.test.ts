import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { createSqsClient } from '../../lib/adapters/sqs/sqs-client.js';
import { getRuntime } from '../../lib/composition-root.js';
import { allExecutions } from '../support/pipeline.js';
import { pollUntil } from '../support/poll.js';
import { type EventTarget, sesEvent, smsEvent } from '../support/provider-events.js';
import { type Api, type E2e, expectProblem, newTenant, startE2e, tokenFor } from './support.js';

// Provider events end to end on the running local runtime: POST /local/events stands for the stage's EventBridge
// rules; SES events go through the local events queue to the events worker, automation events to the automation
// function. Broadcasts are sent through the API (a log channel that needs the contacts' e-mail).

let e2e: E2e;
let tenantId: string;
let acme: Api;
let anonymous: Api;

beforeAll(async () => {
  e2e = await startE2e({ sqs: { queues: { events: { visibilityTimeoutSeconds: 2 } } } });
  tenantId = newTenant();
  acme = e2e.api(await tokenFor(tenantId));
  anonymous = e2e.api();
});

afterAll(async () => {
  await e2e?.runtime.stop();
});

afterEach(() => {
  expect(e2e.serverErrors).toEqual([]);
});

const postEvent = (event: unknown) => anonymous.post('/local/events', event);

interface Person {
  id: string;
  name: string;
  email: string;
}

async function people(...names: string[]): Promise<Person[]> {
  const made: Person[] = [];
  for (const name of names) {
    const email = `${name.toLowerCase()}-${Math.random().toString(36).slice(2)}@example.com`;
    const reply = await acme.post('/api/v1/contacts', { name, email });
    expect(reply.status).toBe(201);
    made.push({ id: reply.body.id, name, email });
  }
  return made;
}

/** A broadcast to `audience` through an e-mail-only log channel, run to completion; its executions by contact id. */
async function aCompletedBroadcast(audience: readonly Person[]) {
  const channel = await acme.post('/api/v1/channels', {
    name: 'Mail',
    type: 'log',
    config: {},
    required_address: 'email',
  });
  expect(channel.status).toBe(201);
  const list = await acme.post('/api/v1/contact-lists', { name: 'Mail', contact_ids: audience.map((p) => p.id) });
  const broadcast = await acme.post('/api/v1/broadcasts', {
    name: 'News',
    list_id: list.body.id,
    channel_id: channel.body.id,
    message_template: { type: 'text', content: 'Hi {{contact.name}}' },
  });
  expect((await acme.post(`/api/v1/broadcasts/${broadcast.body.id}/execute`)).status).toBe(200);
  await pollUntil(async () => (await acme.get(`/api/v1/broadcasts/${broadcast.body.id}`)).body.status === 'completed', {
    timeoutMs: 20_000,
    what: 'the broadcast completing',
  });
  const executions = await acme.get(`/api/v1/broadcasts/${broadcast.body.id}/executions`);
  // The chunk each contact was planned in (the audience is planned in segments: any chunk number), as the sender's
  // reference names it.
  const planned = await allExecutions(getRuntime().deps, tenantId, broadcast.body.id);
  const chunkOf = new Map(planned.map((e) => [e.contactId, e.chunk ?? -1]));
  const byContact = new Map<string, { id: string; status: string; reason: string | null; message_id: string }>(
    executions.body.items.map((e: { contact_id: string }) => [e.contact_id, e]),
  );
  const target = (person: Person): EventTarget => {
    const execution = byContact.get(person.id);
    if (!execution) throw new Error(`no execution for ${person.name}`);
    return {
      tenantId,
      reference: {
        executionId: execution.id,
        broadcastId: broadcast.body.id,
        chunk: chunkOf.get(person.id) ?? -1,
        contactId: person.id,
      },
      messageId: execution.message_id,
      address: person.email,
    };
  };
  return { id: broadcast.body.id as string, byContact, target };
}

/** Waits until the events queue holds nothing and the worker has nothing in hand: every event posted was handled. */
async function eventsDrained(): Promise<void> {
  const { sqs } = e2e.runtime;
  const client = createSqsClient({ region: sqs.region, endpoint: sqs.endpoint, maxAttempts: 3 });
  try {
    await pollUntil(
      async () => {
        const { Attributes = {} } = await client.send(
          new GetQueueAttributesCommand({
            QueueUrl: sqs.queueUrls.events,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        const queued =
          Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
        return queued === 0 && e2e.runtime.consumers.events.stats().inFlight === 0;
      },
      { timeoutMs: 10_000, what: 'the events queue draining' },
    );
  } finally {
    client.destroy();
  }
}

const contact = async (person: Person) => (await acme.get(`/api/v1/contacts/${person.id}`)).body;

describe('POST /local/events: SES events', () => {
  it('a permanent bounce suppresses the address and the next broadcast skips it as suppressed', async () => {
    // Prepare
    const [ana, bruno] = await people('Ana', 'Bruno');
    const first = await aCompletedBroadcast([ana as Person, bruno as Person]);

    // Act
    const reply = await postEvent(sesEvent('bounce', first.target(ana as Person)));
    await pollUntil(async () => (await contact(ana as Person)).suppressions.email !== null, {
      timeoutMs: 10_000,
      what: 'the bounce being applied',
    });
    const next = await aCompletedBroadcast([ana as Person, bruno as Person]);

    // Assess
    expect(reply.status).toBe(202);
    expect(reply.body.delivered).toEqual([{ rule: 'provider-events', target: 'events-queue' }]);
    expect((await contact(ana as Person)).suppressions.email).toEqual({
      reason: 'bounce',
      at: '2026-03-01T10:00:02.669Z',
      address: ana?.email,
    });
    expect(next.byContact.get(ana?.id as string)).toMatchObject({ status: 'skipped', reason: 'suppressed' });
    expect(next.byContact.get(bruno?.id as string)).toMatchObject({ status: 'sent' });
    const stats = await acme.get(`/api/v1/broadcasts/${first.id}/stats`);
    expect(stats.body).toMatchObject({ delivery_failed: 1 });
    const executions = await acme.get(`/api/v1/broadcasts/${first.id}/executions`);
    expect(executions.body.items.find((e: { contact_id: string }) => e.contact_id === ana?.id)).toMatchObject({
      delivery_status: 'failed',
      delivery_error: 'bounce Permanent/General 5.1.1 smtp; 550 5.1.1 user unknown',
    });
  });

  it('a complaint opts the contact out; deliveries count once however often they come', async () => {
    // Prepare
    const [carla, davi] = await people('Carla', 'Davi');
    const sent = await aCompletedBroadcast([carla as Person, davi as Person]);

    // Act
    await postEvent(sesEvent('complaint', sent.target(carla as Person)));
    const delivered = sesEvent('delivery', sent.target(davi as Person));
    for (let i = 0; i < 3; i++) await postEvent(delivered);
    await pollUntil(async () => (await contact(carla as Person)).opted_out === true, {
      timeoutMs: 10_000,
      what: 'the complaint being applied',
    });
    await pollUntil(async () => (await acme.get(`/api/v1/broadcasts/${sent.id}/stats`)).body.delivered === 1, {
      timeoutMs: 10_000,
      what: 'the delivery being counted',
    });

    // Assess
    expect(await contact(carla as Person)).toMatchObject({
      opted_out: true,
      suppressions: { email: { reason: 'complaint', address: carla?.email }, sms: null },
    });
    expect((await contact(davi as Person)).opted_out).toBe(false);
    expect((await acme.get(`/api/v1/broadcasts/${sent.id}/stats`)).body).toMatchObject({
      delivered: 1,
      delivery_failed: 0,
    });
  });

  it("cannot reach another tenant's contacts: an event naming them under this tenant changes nothing", async () => {
    // Prepare: a broadcast of another tenant, and a bounce about it tagged with this tenant
    const globexId = newTenant();
    const globex = e2e.api(await tokenFor(globexId));
    const reply = await globex.post('/api/v1/contacts', { name: 'Eva', email: 'eva@example.com' });
    const [ana] = await people('Ana');
    const mine = await aCompletedBroadcast([ana as Person]);
    const forged = {
      ...mine.target(ana as Person),
      reference: { ...mine.target(ana as Person).reference, contactId: reply.body.id },
    };

    // Act
    const replies = [
      await postEvent(sesEvent('bounce', forged)),
      await postEvent(sesEvent('complaint', { ...forged, tenantId: globexId })),
    ];
    await eventsDrained();

    // Assess
    expect(replies.map((r) => r.body.delivered.length)).toEqual([1, 1]);
    const eva = await globex.get(`/api/v1/contacts/${reply.body.id}`);
    expect(eva.body).toMatchObject({ opted_out: false, suppressions: { email: null, sms: null } });
    expect((await contact(ana as Person)).suppressions).toEqual({ email: null, sms: null });
  });
});

describe('POST /local/events: SMS events and automation events', () => {
  it('routes an SMS status event to the events queue', async () => {
    // Prepare
    const [fabio] = await people('Fabio');
    const sent = await aCompletedBroadcast([fabio as Person]);

    // Act
    const reply = await postEvent(smsEvent('TEXT_INVALID', sent.target(fabio as Person)));
    await pollUntil(async () => (await acme.get(`/api/v1/broadcasts/${sent.id}/stats`)).body.delivery_failed === 1, {
      timeoutMs: 10_000,
      what: 'the SMS failure being counted',
    });

    // Assess
    expect(reply.body.delivered).toEqual([{ rule: 'provider-events', target: 'events-queue' }]);
  });

  it('hands a trigger_broadcast event to the automation function and answers what it did', async () => {
    // Prepare
    const [gil] = await people('Gil');
    const list = await acme.post('/api/v1/contact-lists', { name: 'One', contact_ids: [gil?.id] });
    const draft = await acme.post('/api/v1/broadcasts', {
      name: 'Welcome',
      list_id: list.body.id,
      message_template: { type: 'text', content: 'Welcome {{contact.name}}' },
    });

    // Act
    const reply = await postEvent({
      source: 'automation',
      'detail-type': 'trigger_broadcast',
      detail: { tenant_id: tenantId, broadcast_id: draft.body.id },
    });
    const unknown = await postEvent({
      source: 'automation',
      'detail-type': 'trigger_broadcast',
      detail: { tenant_id: tenantId, broadcast_id: crypto.randomUUID() },
    });

    // Assess
    expect(reply.status).toBe(202);
    expect(reply.body.delivered).toEqual([
      {
        rule: 'automation',
        target: 'automation-trigger',
        outcome: { result: 'started', broadcastId: draft.body.id },
      },
    ]);
    expect((await acme.get(`/api/v1/broadcasts/${draft.body.id}`)).body.status).not.toBe('draft');
    expect(unknown.body.delivered).toEqual([
      { rule: 'automation', target: 'automation-trigger', error: expect.stringContaining('not found') },
    ]);
  });

  it('accepts an event no rule matches and delivers it nowhere, as PutEvents does', async () => {
    // Act
    const others = await Promise.all([
      postEvent({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} }),
      postEvent({ source: 'aws.ses', 'detail-type': 'Email Opened', detail: { eventType: 'Open' } }),
      postEvent({ source: 'automation', 'detail-type': 'something_else', detail: {} }),
    ]);

    // Assess
    for (const reply of others) {
      expect(reply.status).toBe(202);
      expect(reply.body).toEqual({ id: expect.any(String), delivered: [] });
    }
  });
});

describe('POST /local/events: bad requests', () => {
  it('refuses what is not an EventBridge event with 400, another method with 405, and never answers 5xx (fuzzed)', async () => {
    // Act
    const notJson = await anonymous.raw('POST', '/local/events', '{"source":', 'application/json');
    const noDetail = await postEvent({ source: 'aws.ses', 'detail-type': 'Email Bounced' });
    const badTime = await postEvent({ source: 'aws.ses', 'detail-type': 'Email Bounced', detail: {}, time: 'now' });
    const get = await anonymous.get('/local/events');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({
            source: fc.constantFrom('aws.ses', 'aws.sms-voice', 'automation'),
            'detail-type': fc.constantFrom(
              'Email Bounced',
              'Text Message Delivery Status Updated',
              'trigger_broadcast',
            ),
            detail: fc.dictionary(fc.string(), fc.jsonValue()),
          }),
        ),
        async (body) => {
          const reply = await postEvent(body);
          expect([202, 400]).toContain(reply.status);
        },
      ),
      { numRuns: 40 },
    );

    // Assess
    expectProblem(notJson, 400, 'request.malformed_json');
    expectProblem(noDetail, 400, 'request.validation_failed');
    expectProblem(badTime, 400, 'request.validation_failed');
    expectProblem(get, 405, 'route.not_found');
  });
});
