import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SesAccountSendRate } from '../../../lib/adapters/channels/ses/ses-account-rate.js';
import { createSesClient } from '../../../lib/adapters/channels/ses/ses-client.js';
import { SesEmailChannel } from '../../../lib/adapters/channels/ses/ses-email-channel.js';
import type { SesEmailConfig } from '../../../lib/domain/channel.js';
import type { OutboundMessage } from '../../../lib/ports/channel-sender.js';
import { setEnv } from '../../support/env.js';
import { SES_ERRORS, SesV2StandIn } from '../../support/ses-v2-stand-in.js';

/**
 * The SES v2 stand-in against the real AWS SDK and the real adapter: what the SDK puts on the wire is what the
 * stand-in checks, so the adapter's requests are proved against SES's rules end to end, with dummy credentials.
 */

const CREDENTIALS = { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'dummy-secret' };
const LINK = 'http://127.0.0.1:3000/unsubscribe/abc.def';
const REFERENCE =
  'x1.0b9c2f3e-5a41-4a7c-9a55-1f0e2d3c4b5a.7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d.0.11111111-2222-4333-8444-555555555555';

let standIn: SesV2StandIn;
let restoreEnv: () => void;

beforeAll(async () => {
  standIn = await SesV2StandIn.start({ verifiedIdentities: ['acme.example'], configurationSets: ['broadcast-events'] });
  restoreEnv = setEnv({
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  });
});

afterAll(async () => {
  restoreEnv();
  await standIn.stop();
});

beforeEach(() => {
  standIn.faults = [];
  standIn.rejectedAccessKeys.clear();
});

function client(maxAttempts = 1): SESv2Client {
  return createSesClient({
    region: 'eu-west-1',
    endpoint: standIn.endpoint,
    maxAttempts,
    requestTimeoutMs: 5_000,
    connectionTimeoutMs: 1_000,
  });
}

function emailTo(address: string): OutboundMessage {
  return {
    idempotencyKey: 'bc_1',
    tenantId: 'acme',
    broadcastId: '7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d',
    executionId: '0b9c2f3e-5a41-4a7c-9a55-1f0e2d3c4b5a',
    executionReference: REFERENCE,
    contact: { id: '11111111-2222-4333-8444-555555555555', email: address },
    message: { type: 'text', content: `Hi. Stop: ${LINK}`, subject: 'Hello', html: '<p>Hi</p>' },
    unsubscribeLink: LINK,
  };
}

const CONFIG: SesEmailConfig = {
  fromAddress: 'news@acme.example',
  fromName: 'Acme',
  configurationSetName: 'broadcast-events',
};
const CONFIG_WITHOUT_SET: SesEmailConfig = { fromAddress: 'news@acme.example' };
const channel = (config: SesEmailConfig = CONFIG) => new SesEmailChannel(config, { client: client() });

describe('the SES v2 stand-in, called by the adapter through the AWS SDK', () => {
  it('accepts a well-formed SendEmail and records it as the recipient would see it', async () => {
    // Act
    const outcome = await channel().send(emailTo('ana@example.com'));

    // Assess
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: expect.stringMatching(/^0100019/) });
    expect(standIn.malformed()).toEqual([]);
    const [email] = standIn.to('ana@example.com');
    expect(email).toMatchObject({
      messageId: (outcome as { providerMessageId: string }).providerMessageId,
      from: '"Acme" <news@acme.example>',
      subject: 'Hello',
      text: `Hi. Stop: ${LINK}`,
      html: '<p>Hi</p>',
      headers: { 'List-Unsubscribe': `<${LINK}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      tags: { tenant_id: 'acme', execution_ref: REFERENCE.replaceAll('.', '_2e') },
      configurationSetName: 'broadcast-events',
    });
    const request = standIn.requests.at(-1);
    expect(request?.headers.authorization).toMatch(/Credential=AKIDSTANDIN\/\d{8}\/eu-west-1\/ses\/aws4_request/);
  });

  it('refuses what SES refuses: tags out of its alphabet, a second List-Unsubscribe, a header SES sets, an empty subject', async () => {
    // Prepare
    const ses = client();
    const base = {
      FromEmailAddress: 'news@acme.example',
      Destination: { ToAddresses: ['ana@example.com'] },
      Content: { Simple: { Subject: { Data: 'S' }, Body: { Text: { Data: 'T' } } } },
    };

    // Act: one after the other, so that the requests recorded are in this order.
    const refusals: string[] = [];
    for (const input of [
      { ...base, EmailTags: [{ Name: 'execution_ref', Value: 'x1.abc' }] },
      {
        ...base,
        Content: {
          Simple: {
            ...base.Content.Simple,
            Headers: [
              { Name: 'List-Unsubscribe', Value: '<https://a>' },
              { Name: 'List-Unsubscribe', Value: '<https://b>' },
              { Name: 'From', Value: 'x@y.z' },
            ],
          },
        },
      },
      { ...base, Content: { Simple: { ...base.Content.Simple, Subject: { Data: '' } } } },
    ]) {
      refusals.push(
        await ses.send(new SendEmailCommand(input)).then(
          () => 'accepted',
          (error: Error) => error.name,
        ),
      );
    }

    // Assess
    expect(refusals).toEqual(['BadRequestException', 'BadRequestException', 'BadRequestException']);
    expect(
      standIn
        .malformed()
        .slice(-3)
        .map((r) => r.problems.length),
    ).toEqual([1, 2, 1]);
  });

  it('an unverified From: MessageRejected naming it, which pauses the broadcast (channel)', async () => {
    const outcome = await channel({ fromAddress: 'news@other.example' }).send(emailTo('ana@example.com'));
    expect(outcome).toEqual({ kind: 'channel', reason: expect.stringContaining('news@other.example') });
  });

  it('an unknown configuration set: NotFoundException, the channel is broken', async () => {
    const outcome = await channel({ fromAddress: 'news@acme.example', configurationSetName: 'gone' }).send(
      emailTo('ana@example.com'),
    );
    expect(outcome).toEqual({
      kind: 'channel',
      reason: 'ses NotFoundException: Configuration set <gone> does not exist.',
    });
  });

  it.each([
    ['throttling', SES_ERRORS.maxSendRate, { kind: 'transient', throttled: true }],
    ['too many requests', SES_ERRORS.tooManyRequests, { kind: 'transient', throttled: true }],
    ['the daily quota', SES_ERRORS.dailyQuota, { kind: 'channel' }],
    ['a suspended account', SES_ERRORS.accountSuspended, { kind: 'channel' }],
    ['paused sending', SES_ERRORS.sendingPaused, { kind: 'channel' }],
    ['a rejected message', SES_ERRORS.messageRejected, { kind: 'permanent' }],
    ['an internal failure', SES_ERRORS.internal, { kind: 'transient' }],
  ])('injected %s, by recipient, reaches the adapter as SES would send it', async (_what, answer, expected) => {
    // Prepare
    standIn.faults = [{ match: { to: 'bob@example.com' }, answer }];

    // Act
    const [bob, ana] = await Promise.all([
      channel().send(emailTo('bob@example.com')),
      channel().send(emailTo('ana@example.com')),
    ]);

    // Assess
    expect(bob).toEqual({ ...expected, reason: `ses ${answer.name}: ${answer.message}` });
    expect(ana.kind).toBe('accepted');
  });

  it('faults by count: the first n sends get the error, the next ones go through', async () => {
    // Prepare: a stand-in of its own, whose count starts at this test.
    const counted = await SesV2StandIn.start({
      faults: [{ match: { firstN: 2 }, answer: SES_ERRORS.tooManyRequests }],
    });
    try {
      const ses = createSesClient({
        region: 'eu-west-1',
        endpoint: counted.endpoint,
        maxAttempts: 1,
        requestTimeoutMs: 5_000,
        connectionTimeoutMs: 1_000,
      });
      const sesChannel = new SesEmailChannel(CONFIG_WITHOUT_SET, { client: ses });

      // Act
      const kinds: string[] = [];
      for (const n of [1, 2, 3]) kinds.push((await sesChannel.send(emailTo(`n${n}@example.com`))).kind);

      // Assess
      expect(kinds).toEqual(['transient', 'transient', 'accepted']);
      expect(counted.accepted.map((email) => email.to)).toEqual([['n3@example.com']]);
    } finally {
      await counted.stop();
    }
  });

  it('a revoked access key: UnrecognizedClientException, the channel is broken', async () => {
    standIn.rejectedAccessKeys.add(CREDENTIALS.accessKeyId);
    expect(await channel().send(emailTo('ana@example.com'))).toEqual({
      kind: 'channel',
      reason: 'ses UnrecognizedClientException: The security token included in the request is invalid.',
    });
  });

  it('answers GetAccount with its MaxSendRate, which becomes the default cap', async () => {
    standIn.maxSendRate = 42;
    expect(await new SesAccountSendRate(() => client(3)).maxSendRate()).toBe(42);
  });

  it('is reached through AWS_ENDPOINT_URL_SESV2, which the SDK reads by itself', async () => {
    // Prepare
    const restore = setEnv({ AWS_ENDPOINT_URL_SESV2: standIn.endpoint });
    try {
      const plain = new SESv2Client({ region: 'eu-west-1', maxAttempts: 1 });
      const sesChannel = new SesEmailChannel(CONFIG, { client: plain });

      // Act
      const outcome = await sesChannel.send(emailTo('env@example.com'));

      // Assess
      expect(outcome.kind).toBe('accepted');
      expect(standIn.to('env@example.com')).toHaveLength(1);
    } finally {
      restore();
    }
  });
});
