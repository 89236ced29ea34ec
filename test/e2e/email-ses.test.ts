import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { readEmailTags } from '../../lib/domain/email-tags.js';
import { setEnv } from '../support/env.js';
import { type AcceptedEmail, SES_ERRORS, SesV2StandIn } from '../support/ses-v2-stand-in.js';
import { type Api, type E2e, expectProblem, newTenant, type Reply, startE2e, tokenFor } from './support.js';

/**
 * E-mail broadcasts as a new user would send them over HTTP: the local runtime with AWS_ENDPOINT_URL_SESV2 pointing
 * at the SES v2 stand-in and dummy AWS credentials. The stand-in checks every SendEmail as SES would (signature,
 * verified From, recipients, simple content, headers, tags, configuration set) and records what it accepted.
 */

const SET = 'broadcast-events';

let standIn: SesV2StandIn;
let e2e: E2e;
let api: Api;
let restoreEnv: () => void;

beforeAll(async () => {
  standIn = await SesV2StandIn.start({ verifiedIdentities: ['acme.example'], configurationSets: [SET] });
  restoreEnv = setEnv({
    AWS_ENDPOINT_URL_SESV2: standIn.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    SES_CONFIGURATION_SET_NAME: SET,
    // Throttled sends come back after a second, not five.
    RETRY_BASE_SECONDS: '1',
  });
  e2e = await startE2e();
  api = e2e.api(await tokenFor(newTenant()));
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
  let broadcast: Reply['body'] = {};
  for (const deadline = Date.now() + 150_000; Date.now() < deadline; ) {
    broadcast = await ok(api.get(`/api/v1/broadcasts/${id}`));
    if (broadcast.status === status) return broadcast;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`broadcast ${id} never became ${status}: ${JSON.stringify(broadcast)}`);
}

/** A channel sending from its own address at the verified domain, so that each test's faults touch only its sends. */
async function emailChannel(extra: Record<string, unknown> = {}): Promise<{ id: string; from: string }> {
  const from = `news-${randomUUID().slice(0, 8)}@acme.example`;
  const channel = await ok(
    api.post('/api/v1/channels', {
      name: 'Newsletter',
      type: 'email_ses',
      config: { from_address: from, from_name: 'Acme Store', reply_to: 'care@acme.example', ...extra },
    }),
  );
  return { id: channel.id, from };
}

/** Contacts with an e-mail each (and `without`, one without), in a static list. */
async function audience(names: readonly string[], without?: string) {
  const ids = new Map<string, string>();
  const emails = new Map<string, string>();
  for (const name of names) {
    const email = `${name.toLowerCase().replace(/[^a-z]/g, '')}-${randomUUID().slice(0, 8)}@example.com`;
    const contact = await ok(api.post('/api/v1/contacts', { name, email, custom_fields: { plan: 'gold' } }));
    ids.set(name, contact.id);
    emails.set(name, email);
  }
  if (without)
    ids.set(without, (await ok(api.post('/api/v1/contacts', { name: without, phone: '+5511999990000' }))).id);
  const list = await ok(api.post('/api/v1/contact-lists', { name: 'Readers', contact_ids: [...ids.values()] }));
  return { listId: list.id as string, ids, emails };
}

const TEMPLATE = {
  type: 'text',
  subject: '{{ contact.name }}, your {{ contact.custom.plan }} offer',
  content: 'Hi {{ name }}! 20% off today. Unsubscribe: {{ unsubscribe_link }}',
  html: '<p>Hi <b>{{ name }}</b>!</p><p><a href="{{ unsubscribe_link }}">Unsubscribe</a></p>',
};

async function emailBroadcast(channelId: string, listId: string, template: Record<string, unknown> = TEMPLATE) {
  return ok(
    api.post('/api/v1/broadcasts', {
      name: 'Weekly news',
      list_id: listId,
      channel_id: channelId,
      message_template: template,
    }),
  );
}

const fromChannel = (from: string) => (email: AcceptedEmail) => email.from.includes(`<${from}>`);

describe('an e-mail broadcast on SES', () => {
  it('sends each contact one e-mail with a rendered subject, text and HTML parts, the unsubscribe headers and tags', async () => {
    // Prepare: Ana's name would break HTML unescaped.
    const channel = await emailChannel();
    const people = await audience(['Ana <Admin>', 'Bruno', 'Carla'], 'Dora');
    const broadcast = await emailBroadcast(channel.id, people.listId);

    // Act
    await ok(api.post(`/api/v1/broadcasts/${broadcast.id}/execute`));
    const done = await waitForStatus(broadcast.id, 'completed');

    // Assess: three e-mails, one each; Dora has no e-mail address.
    expect(done).toMatchObject({ total_contacts: 4, sent_count: 3, failed_count: 0, skipped_count: 1 });
    expect(standIn.malformed()).toEqual([]);
    const sent = standIn.accepted.filter(fromChannel(channel.from));
    expect(sent).toHaveLength(3);
    // One SendEmail per recipient, none refused or repeated.
    const calls = standIn.requests.filter((r) =>
      String((r.body as { FromEmailAddress?: string })?.FromEmailAddress).includes(channel.from),
    );
    expect(calls.map((r) => [r.path, r.outcome])).toEqual(Array(3).fill(['/v2/email/outbound-emails', 'accepted']));
    const executions = await ok(api.get(`/api/v1/broadcasts/${broadcast.id}/executions`));
    const byContact = new Map<string, Reply['body']>(executions.items.map((e: Reply['body']) => [e.contact_id, e]));
    for (const name of ['Ana <Admin>', 'Bruno', 'Carla']) {
      const address = people.emails.get(name) as string;
      const [email, ...more] = standIn.to(address);
      expect(more).toEqual([]);
      const link = email?.headers['List-Unsubscribe']?.slice(1, -1) ?? '';
      expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/unsubscribe\/[\w-]+\.[\w-]+$/);
      const escaped = name.replace('<', '&lt;').replace('>', '&gt;');
      expect(email).toMatchObject({
        from: `"Acme Store" <${channel.from}>`,
        replyTo: ['care@acme.example'],
        subject: `${name}, your gold offer`,
        text: `Hi ${name}! 20% off today. Unsubscribe: ${link}`,
        html: `<p>Hi <b>${escaped}</b>!</p><p><a href="${link}">Unsubscribe</a></p>`,
        headers: { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        configurationSetName: SET,
      });
      // The execution names SES's message id, and the tags SES will echo in its events name the execution.
      const execution = byContact.get(people.ids.get(name) as string);
      expect(execution).toMatchObject({ status: 'sent', message_id: email?.messageId, attempts: 1 });
      const tags = readEmailTags(Object.fromEntries(Object.entries(email?.tags ?? {}).map(([k, v]) => [k, [v]])));
      expect(tags).toMatchObject({
        broadcastId: broadcast.id,
        reference: { executionId: execution?.id, broadcastId: broadcast.id, contactId: execution?.contact_id },
      });
      expect(tags.tenantId).toMatch(/^t-/);
    }
    expect(byContact.get(people.ids.get('Dora') as string)).toMatchObject({ status: 'skipped', reason: 'no_address' });
    // The link in the header opts the contact out with one POST (RFC 8058).
    const link = standIn.to(people.emails.get('Bruno') as string)[0]?.headers['List-Unsubscribe']?.slice(1, -1);
    const optOut = await fetch(link as string, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(optOut.status).toBe(200);
    expect((await ok(api.get(`/api/v1/contacts/${people.ids.get('Bruno')}`))).opted_out).toBe(true);
    expect(e2e.serverErrors).toEqual([]);
  });

  it('refuses a template without a subject for an e-mail channel (422): at create, at update, and at execute', async () => {
    // Prepare: a tenant of its own whose default channel sends e-mail.
    const tenant = await e2e.tenantApi();
    const channel = await ok(
      tenant.post('/api/v1/channels', {
        name: 'Mail',
        type: 'email_ses',
        is_default: true,
        config: { from_address: 'news@acme.example' },
      }),
    );
    const contact = await ok(tenant.post('/api/v1/contacts', { name: 'Eva', email: 'eva@example.com' }));
    const list = await ok(tenant.post('/api/v1/contact-lists', { name: 'Eva', contact_ids: [contact.id] }));
    const { subject: _, ...withoutSubject } = TEMPLATE;
    const draft = (channelId?: string) =>
      tenant.post('/api/v1/broadcasts', {
        name: 'No subject',
        list_id: list.id,
        ...(channelId ? { channel_id: channelId } : {}),
        message_template: withoutSubject,
      });

    // Act: with the channel named, at create and update; through the default channel, only execute knows it.
    const created = await draft(channel.id);
    const unnamed = await ok(draft());
    const moved = await tenant.put(`/api/v1/broadcasts/${unnamed.id}`, { channel_id: channel.id });
    const executed = await tenant.post(`/api/v1/broadcasts/${unnamed.id}/execute`);
    const after = await ok(tenant.get(`/api/v1/broadcasts/${unnamed.id}`));

    // Assess
    expectProblem(created, 422, 'broadcast.template_unfit_for_channel');
    expect(created.body.errors).toEqual([{ field: 'message_template.subject', message: 'an e-mail needs a subject' }]);
    expectProblem(moved, 422, 'broadcast.template_unfit_for_channel');
    expectProblem(executed, 422, 'broadcast.template_unfit_for_channel');
    expect(after).toMatchObject({ status: 'draft', channel_id: null });
  });

  it('preview and test-send show the subject and both parts', async () => {
    // Prepare
    const channel = await emailChannel();
    const people = await audience(['Fabio']);
    const broadcast = await emailBroadcast(channel.id, people.listId);
    const contactId = people.ids.get('Fabio');

    // Act
    const preview = await ok(api.post(`/api/v1/broadcasts/${broadcast.id}/preview`, { contact_id: contactId }));
    const testSend = await ok(api.post(`/api/v1/broadcasts/${broadcast.id}/test-send`, { contact_id: contactId }));

    // Assess
    expect(preview.message).toMatchObject({
      subject: 'Fabio, your gold offer',
      content: expect.stringMatching(/^Hi Fabio! 20% off today\. Unsubscribe: http/),
      html: expect.stringMatching(/^<p>Hi <b>Fabio<\/b>!<\/p>/),
    });
    expect(testSend).toMatchObject({
      status: 'sent',
      message: { subject: 'Fabio, your gold offer', html: preview.message.html },
    });
    const [email] = standIn.to(people.emails.get('Fabio') as string);
    expect(email).toMatchObject({ subject: 'Fabio, your gold offer', messageId: testSend.message_id });
    // A test send's tags name no execution: its events will change nothing.
    expect(
      readEmailTags(Object.fromEntries(Object.entries(email?.tags ?? {}).map(([k, v]) => [k, [v]]))).reference,
    ).toBeUndefined();
  });

  it('a suspended account pauses the broadcast with the reason instead of failing everyone; resume sends them all', async () => {
    // Prepare
    const channel = await emailChannel();
    const people = await audience(['Gil', 'Hana', 'Ivo']);
    const broadcast = await emailBroadcast(channel.id, people.listId);
    const fault = {
      match: (view: { body: Record<string, unknown> }) => String(view.body.FromEmailAddress).includes(channel.from),
      answer: SES_ERRORS.accountSuspended,
    };
    standIn.faults.push(fault);

    // Act
    await ok(api.post(`/api/v1/broadcasts/${broadcast.id}/execute`));
    const paused = await waitForStatus(broadcast.id, 'paused');
    standIn.faults = standIn.faults.filter((f) => f !== fault);
    await ok(api.post(`/api/v1/broadcasts/${broadcast.id}/resume`));
    const done = await waitForStatus(broadcast.id, 'completed');

    // Assess
    expect(paused).toMatchObject({
      status_reason: `channel_error: ses AccountSuspendedException: ${SES_ERRORS.accountSuspended.message}`,
      failed_count: 0,
      sent_count: 0,
    });
    expect(done).toMatchObject({ sent_count: 3, failed_count: 0, skipped_count: 0 });
    expect(standIn.accepted.filter(fromChannel(channel.from))).toHaveLength(3);
  });

  it('MessageRejected fails only that contact', async () => {
    // Prepare
    const channel = await emailChannel();
    const people = await audience(['Joao', 'Kim', 'Lia']);
    const rejected = people.emails.get('Kim') as string;
    standIn.faults.push({ match: { to: rejected }, answer: SES_ERRORS.messageRejected });
    const broadcast = await emailBroadcast(channel.id, people.listId);

    // Act
    await ok(api.post(`/api/v1/broadcasts/${broadcast.id}/execute`));
    const done = await waitForStatus(broadcast.id, 'completed');

    // Assess
    expect(done).toMatchObject({ sent_count: 2, failed_count: 1 });
    const failed = await ok(api.get(`/api/v1/broadcasts/${broadcast.id}/executions?status=failed`));
    expect(failed.items).toEqual([
      expect.objectContaining({
        contact_id: people.ids.get('Kim'),
        reason: 'rejected',
        error: `ses MessageRejected: ${SES_ERRORS.messageRejected.message}`,
        attempts: 1,
      }),
    ]);
  });

  it('throttling delays sends but never skips them: every contact gets its e-mail once', async () => {
    // Prepare: SES refuses this channel's first three sends as over the rate.
    const channel = await emailChannel();
    const people = await audience(['Mia', 'Nuno', 'Olga', 'Paulo']);
    let refused = 0;
    standIn.faults.push({
      match: (view) => String(view.body.FromEmailAddress).includes(channel.from) && refused++ < 3,
      answer: SES_ERRORS.maxSendRate,
    });
    const broadcast = await emailBroadcast(channel.id, people.listId);

    // Act
    await ok(api.post(`/api/v1/broadcasts/${broadcast.id}/execute`));
    const done = await waitForStatus(broadcast.id, 'completed');

    // Assess
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(done).toMatchObject({ sent_count: 4, failed_count: 0, skipped_count: 0 });
    for (const address of people.emails.values()) expect(standIn.to(address)).toHaveLength(1);
    const executions = await ok(api.get(`/api/v1/broadcasts/${broadcast.id}/executions`));
    const attempts = executions.items.map((e: Reply['body']) => e.attempts).reduce((a: number, b: number) => a + b, 0);
    expect(attempts).toBe(4 + 3);
  });

  it('shows the channel as configured, with the e-mail address kind', async () => {
    const channel = await emailChannel({ configuration_set_name: SET });
    const shown = await ok(api.get(`/api/v1/channels/${channel.id}`));
    expect(shown).toMatchObject({
      type: 'email_ses',
      required_address: 'email',
      config: {
        from_address: channel.from,
        from_name: 'Acme Store',
        reply_to: 'care@acme.example',
        configuration_set_name: SET,
      },
    });
  });
});

describe('bad input to e-mail channels and templates', () => {
  it('answers every malformed email_ses channel body with a 4xx problem that creates nothing (fuzzed)', async () => {
    // Prepare
    const tenant = await e2e.tenantApi();
    const configs = fc.oneof(
      fc.anything(),
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.record(
        {
          from_address: fc.oneof(fc.string(), fc.emailAddress(), fc.constant('news@acme.example'), fc.anything()),
          from_name: fc.oneof(fc.string(), fc.constant('Acme\r\nBcc: x@y.z'), fc.anything()),
          reply_to: fc.oneof(fc.string(), fc.anything()),
          configuration_set_name: fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_.-]{0,70}$/), fc.anything()),
        },
        { requiredKeys: [] },
      ),
    );

    // Act / Assess: a body that passes is well formed (201); anything else is a 4xx and changes nothing.
    let created = 0;
    await fc.assert(
      fc.asyncProperty(configs, fc.constantFrom('email', 'phone', 'any', undefined), async (config, address) => {
        const reply = await tenant.post('/api/v1/channels', {
          name: 'Fuzz',
          type: 'email_ses',
          config,
          ...(address ? { required_address: address } : {}),
        });
        if (reply.status === 201) {
          created++;
          expect(reply.body.required_address).toBe('email');
          return;
        }
        expect([400, 422]).toContain(reply.status);
        expect(reply.headers.get('content-type')).toBe('application/problem+json');
      }),
      { numRuns: 60 },
    );
    expect((await tenant.get('/api/v1/channels?limit=1000')).body.items).toHaveLength(created);
    expect(e2e.serverErrors).toEqual([]);
  });

  it('answers malformed subjects and HTML parts with a 4xx problem that creates nothing (fuzzed)', async () => {
    // Prepare
    const tenant = await e2e.tenantApi();
    const list = await ok(tenant.post('/api/v1/contact-lists', { name: 'Empty', contact_ids: [] }));
    const channel = await ok(
      tenant.post('/api/v1/channels', {
        name: 'Mail',
        type: 'email_ses',
        config: { from_address: 'news@acme.example' },
      }),
    );
    const liquidish = fc.stringMatching(/^[a-z {}%|<>"'\n.]{0,40}$/);
    const templates = fc.record(
      {
        type: fc.constantFrom('text', 'template', 'media', 'email'),
        content: fc.oneof(fc.string(), liquidish),
        subject: fc.oneof(fc.string(), liquidish, fc.anything()),
        html: fc.oneof(fc.string(), liquidish, fc.anything()),
      },
      { requiredKeys: ['type'] },
    );

    // Act / Assess
    let created = 0;
    await fc.assert(
      fc.asyncProperty(templates, async (template) => {
        const reply = await tenant.post('/api/v1/broadcasts', {
          name: 'Fuzz',
          list_id: list.id,
          channel_id: channel.id,
          message_template: template,
        });
        if (reply.status === 201) {
          created++;
          expect(typeof reply.body.message_template.subject).toBe('string');
          return;
        }
        expect([400, 422]).toContain(reply.status);
        expect(reply.headers.get('content-type')).toBe('application/problem+json');
      }),
      { numRuns: 80 },
    );
    expect((await tenant.get('/api/v1/broadcasts?limit=1000')).body.items).toHaveLength(created);
    expect(e2e.serverErrors).toEqual([]);
  });

  it("a channel_id of another tenant's e-mail channel is not one of yours (422), and changes nothing", async () => {
    // Prepare
    const other = await e2e.tenantApi();
    const theirs = await ok(
      other.post('/api/v1/channels', {
        name: 'Theirs',
        type: 'email_ses',
        config: { from_address: 'news@acme.example' },
      }),
    );
    const people = await audience(['Quim']);

    // Act
    const reply = await api.post('/api/v1/broadcasts', {
      name: 'Forged',
      list_id: people.listId,
      channel_id: theirs.id,
      message_template: TEMPLATE,
    });
    const read = await api.get(`/api/v1/channels/${theirs.id}`);

    // Assess
    expectProblem(reply, 422, 'broadcast.unknown_channel');
    expectProblem(read, 404, 'channel.not_found');
  });

  it('an e-mail channel stays one: a PUT as another type is a 422', async () => {
    const channel = await emailChannel();
    const reply = await api.put(`/api/v1/channels/${channel.id}`, { name: 'Hook', type: 'log' });
    expectProblem(reply, 422, 'channel.type_immutable');
  });
});
