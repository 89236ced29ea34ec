import { parseExecutionReference } from '../../lib/domain/execution-reference.js';
import { setEnv } from '../support/env.js';
import { SMS_ERRORS, SmsStandIn } from '../support/sms-stand-in.js';
import { type Api, type E2e, newTenant, type Reply, startE2e, tokenFor } from './support.js';

/**
 * SMS as a new user would try it: the local runtime with dummy AWS credentials and
 * AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 pointing at the SendTextMessage stand-in, which checks every request
 * against the API reference, keeps an opt-out list and can answer with AWS's errors.
 */

const ORIGIN = '+12065550100';
const OPTED_OUT_PHONE = '+14155550199';

let standIn: SmsStandIn;
let e2e: E2e;
let api: Api;
let tenantId: string;
let restoreEnv: () => void;

beforeAll(async () => {
  standIn = await SmsStandIn.start({ originationIdentities: [ORIGIN], optedOut: [OPTED_OUT_PHONE] });
  restoreEnv = setEnv({
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: standIn.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALDUMMY',
    AWS_SECRET_ACCESS_KEY: 'local-dummy-secret',
    AWS_SESSION_TOKEN: undefined,
  });
  e2e = await startE2e();
  tenantId = newTenant();
  api = e2e.api(await tokenFor(tenantId));
}, 120_000);

afterAll(async () => {
  await e2e?.runtime.stop();
  await standIn?.stop();
  restoreEnv?.();
});

async function ok(reply: Promise<Reply>): Promise<Reply['body']> {
  const { status, body } = await reply;
  if (status < 200 || status >= 300) throw new Error(`answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

async function waitForStatus(id: string, status: string): Promise<Reply['body']> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const broadcast = await ok(api.get(`/api/v1/broadcasts/${id}`));
    if (broadcast.status === status) return broadcast;
    if (Date.now() > deadline) throw new Error(`not ${status}: ${JSON.stringify(broadcast)}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

async function anSmsChannel(): Promise<Reply['body']> {
  return ok(
    api.post('/api/v1/channels', {
      name: 'SMS',
      type: 'sms',
      config: {
        origination_identity: ORIGIN,
        message_type: 'PROMOTIONAL',
        configuration_set_name: 'broadcast-sms',
        max_price_per_message: '0.05',
        origination_type: 'TOLL_FREE',
      },
    }),
  );
}

async function aBroadcast(channelId: string, people: readonly { name: string; phone?: string }[], content: string) {
  const ids: string[] = [];
  for (const person of people) ids.push((await ok(api.post('/api/v1/contacts', person))).id);
  const list = await ok(api.post('/api/v1/contact-lists', { name: 'Audience', contact_ids: ids }));
  const broadcast = await ok(
    api.post('/api/v1/broadcasts', {
      name: 'SMS promotion',
      list_id: list.id,
      channel_id: channelId,
      message_template: { type: 'text', content },
    }),
  );
  return { broadcastId: broadcast.id as string, ids };
}

describe('an sms channel on the local runtime', () => {
  it('is created with its config and the cap of its origination type, in message parts per second', async () => {
    // Act
    const channel = await anSmsChannel();

    // Assess
    expect(channel).toMatchObject({
      type: 'sms',
      config: {
        origination_identity: ORIGIN,
        message_type: 'PROMOTIONAL',
        configuration_set_name: 'broadcast-sms',
        max_price_per_message: '0.05',
        origination_type: 'TOLL_FREE',
      },
      required_address: 'phone',
      max_messages_per_second: 3,
    });
  });

  it('sends each contact one message; a carrier opt-out is skipped as opted_out, its number suppressed and skipped next time', async () => {
    // Prepare: Ada and Grace can get it; Alan texted STOP; Edsger has no phone.
    const channel = await anSmsChannel();
    const before = standIn.requests.length;
    const { broadcastId, ids } = await aBroadcast(
      channel.id,
      [
        { name: 'Ada', phone: '+5511987654321' },
        { name: 'Grace', phone: '+14155550123' },
        { name: 'Alan', phone: OPTED_OUT_PHONE },
        { name: 'Edsger' },
      ],
      'Hi {{contact.name}}! Black Friday: 50% off today only.',
    );
    const [ada, grace, alan, edsger] = ids as [string, string, string, string];

    // Act
    await ok(api.post(`/api/v1/broadcasts/${broadcastId}/execute`));
    await waitForStatus(broadcastId, 'completed');

    // Assess: one request per contact with a phone, every field as the API reference has it.
    const stats = await ok(api.get(`/api/v1/broadcasts/${broadcastId}/stats`));
    expect(stats).toMatchObject({ total_contacts: 4, sent: 2, skipped: 2, failed: 0 });
    const requests = standIn.requests.slice(before);
    expect(requests.map((r) => r.outcome).sort()).toEqual(['accepted', 'accepted', 'opted_out']);
    expect(standIn.malformed()).toEqual([]);
    const executions = await ok(api.get(`/api/v1/broadcasts/${broadcastId}/executions`));
    const byContact = new Map<string, Reply['body']>(executions.items.map((e: Reply['body']) => [e.contact_id, e]));
    for (const [contactId, phone, name] of [
      [ada, '+5511987654321', 'Ada'],
      [grace, '+14155550123', 'Grace'],
    ] as const) {
      const sent = standIn.accepted.find((m) => m.destination === phone);
      const execution = byContact.get(contactId);
      expect(sent).toMatchObject({
        originationIdentity: ORIGIN,
        body: `Hi ${name}! Black Friday: 50% off today only.`,
        messageType: 'PROMOTIONAL',
        configurationSetName: 'broadcast-sms',
        maxPrice: '0.05',
        context: { bc_tenant: tenantId, bc_ref: expect.stringMatching(/^x1\./) },
        encoding: 'GSM-7',
        parts: 1,
      });
      expect(execution).toMatchObject({ status: 'sent', message_id: sent?.messageId });
      // The context AWS echoes in the delivery events names the execution.
      expect(parseExecutionReference(sent?.context.bc_ref)).toEqual({
        executionId: execution?.id,
        broadcastId,
        chunk: expect.any(Number),
        contactId,
      });
    }
    expect(byContact.get(alan)).toMatchObject({ status: 'skipped', reason: 'opted_out', message_id: null });
    expect(byContact.get(edsger)).toMatchObject({ status: 'skipped', reason: 'no_address' });
    // The contacts API shows the suppression; the contact's own consent is untouched.
    expect(await ok(api.get(`/api/v1/contacts/${alan}`))).toMatchObject({
      opted_out: false,
      suppressions: {
        email: null,
        sms: { reason: 'carrier_opt_out', at: expect.any(String), address: OPTED_OUT_PHONE },
      },
    });
    expect((await ok(api.get(`/api/v1/contacts/${ada}`))).suppressions).toEqual({ email: null, sms: null });

    // The next broadcast to Alan skips him as suppressed, without asking AWS.
    const requestsBefore = standIn.requests.length;
    const list = await ok(api.post('/api/v1/contact-lists', { name: 'Alan again', contact_ids: [alan] }));
    const next = await ok(
      api.post('/api/v1/broadcasts', {
        name: 'Next',
        list_id: list.id,
        channel_id: channel.id,
        message_template: { type: 'text', content: 'Hi again' },
      }),
    );
    await ok(api.post(`/api/v1/broadcasts/${next.id}/execute`));
    await waitForStatus(next.id, 'completed');
    const nextExecutions = await ok(api.get(`/api/v1/broadcasts/${next.id}/executions`));
    expect(nextExecutions.items).toEqual([expect.objectContaining({ status: 'skipped', reason: 'suppressed' })]);
    expect(standIn.requests.length).toBe(requestsBefore);
    expect(e2e.serverErrors).toEqual([]);
  });

  it('pauses the broadcast on the monthly spend limit instead of failing everyone, and resume sends the rest once', async () => {
    // Prepare: the limit is reached after the first message of this broadcast.
    const channel = await anSmsChannel();
    const people = ['Ana', 'Bia', 'Caio', 'Davi', 'Eva'].map((name, i) => ({ name, phone: `+551198888000${i}` }));
    const { broadcastId } = await aBroadcast(channel.id, people, 'Hi {{contact.name}}');
    const mine = (destination: string) => destination.startsWith('+5511988880');
    let seen = 0;
    standIn.faults = [{ match: (view) => mine(view.destination) && ++seen > 1, answer: SMS_ERRORS.monthlySpendLimit }];

    // Act
    await ok(api.post(`/api/v1/broadcasts/${broadcastId}/execute`));
    const paused = await waitForStatus(broadcastId, 'paused');
    const acceptedWhilePaused = standIn.accepted.filter((m) => mine(m.destination)).length;
    standIn.faults = [];
    await ok(api.post(`/api/v1/broadcasts/${broadcastId}/resume`));
    await waitForStatus(broadcastId, 'completed');

    // Assess
    expect(paused).toMatchObject({
      status: 'paused',
      status_reason:
        'channel_error: sms ServiceQuotaExceededException MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT: You have reached your monthly spend limit for text messages.',
      failed_count: 0,
    });
    // The first went out; every later send was refused (nothing sent, nobody failed) until the limit was lifted.
    expect(acceptedWhilePaused).toBe(1);
    const stats = await ok(api.get(`/api/v1/broadcasts/${broadcastId}/stats`));
    expect(stats).toMatchObject({ total_contacts: 5, sent: 5, failed: 0, skipped: 0 });
    const destinations = standIn.accepted.map((m) => m.destination).filter(mine);
    expect(destinations.sort()).toEqual(people.map((p) => p.phone).sort());
    expect(e2e.serverErrors).toEqual([]);
  });

  it('paces a capped channel by message parts: three-part messages go out at a third of the cap in messages', async () => {
    // Prepare: a channel capped at 6 parts per second, and 12 contacts who each get a 3-part message (GSM-7 beyond
    // 306 characters): 36 parts. Paced by messages, 6 per second, they would all go within about 2 s; paced by parts
    // (2 messages per second), the first 6 parts go at once and the other 30 need at least 30 / 6 = 5 s more.
    const channel = await ok(
      api.post('/api/v1/channels', {
        name: 'Capped SMS',
        type: 'sms',
        config: { origination_identity: ORIGIN, message_type: 'PROMOTIONAL' },
        max_messages_per_second: 6,
      }),
    );
    const people = Array.from({ length: 12 }, (_, i) => ({ name: `P${i}`, phone: `+1415555${String(1000 + i)}` }));
    const content = `Hi {{contact.name}}! ${'Black Friday deals on everything in store. '.repeat(8)}`;
    const { broadcastId } = await aBroadcast(channel.id, people, content);
    const phones = new Set(people.map((p) => p.phone));

    // Act
    await ok(api.post(`/api/v1/broadcasts/${broadcastId}/execute`));
    await waitForStatus(broadcastId, 'completed');

    // Assess: a lower bound on the span, which load can only lengthen.
    const sent = standIn.accepted.filter((m) => phones.has(m.destination));
    expect(sent).toHaveLength(12);
    expect(sent.every((m) => m.parts === 3)).toBe(true);
    const times = sent.map((m) => m.receivedAtMs).sort((a, b) => a - b);
    const spanMs = (times.at(-1) as number) - (times[0] as number);
    expect(spanMs).toBeGreaterThanOrEqual(((36 - 6) / 6) * 1000 * 0.9);
  }, 90_000);

  it('shows the message parts in the preview and in a test send', async () => {
    // Prepare: a text that leaves GSM-7 ("ç") and runs past 70 UTF-16 units.
    const channel = await anSmsChannel();
    const content = `Olá {{contact.name}}, ça va? ${'Promo '.repeat(12)}`;
    const { broadcastId, ids } = await aBroadcast(channel.id, [{ name: 'Rui', phone: '+5521999990000' }], content);

    // Act
    const preview = await ok(api.post(`/api/v1/broadcasts/${broadcastId}/preview`, { contact_id: ids[0] }));
    const testSend = await ok(api.post(`/api/v1/broadcasts/${broadcastId}/test-send`, { contact_id: ids[0] }));

    // Assess: "Olá Rui, ça va? " (16) + 72 = 88 units of UCS-2: two parts.
    expect(preview).toMatchObject({ sms_parts: 2, sms_encoding: 'UCS-2' });
    expect(testSend).toMatchObject({ status: 'sent', sms_parts: 2 });
    expect(standIn.accepted.at(-1)).toMatchObject({ destination: '+5521999990000', parts: 2, encoding: 'UCS-2' });
    expect(standIn.accepted.at(-1)?.context.bc_ref).toMatch(/^t1\./);
  });
});
