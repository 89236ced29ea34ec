import {
  AccountSuspendedException,
  BadRequestException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SESv2Client,
  SESv2ServiceException,
  SendEmailCommand,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SesEmailChannel } from '../../../../lib/adapters/channels/ses/ses-email-channel.js';
import type { SesEmailConfig } from '../../../../lib/domain/channel.js';
import { readEmailTags } from '../../../../lib/domain/email-tags.js';
import { parseExecutionReference } from '../../../../lib/domain/execution-reference.js';
import type { OutboundMessage } from '../../../../lib/ports/channel-sender.js';

const sesMock = mockClient(SESv2Client);

const EXECUTION = '0b9c2f3e-5a41-4a7c-9a55-1f0e2d3c4b5a';
const BROADCAST = '7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const CONTACT = '11111111-2222-4333-8444-555555555555';
const REFERENCE = `x1.${EXECUTION}.${BROADCAST}.3.${CONTACT}`;
const LINK = 'https://api.acme.example/unsubscribe/eyJ0IjoiYWNtZSJ9.c2ln';

const CONFIG: SesEmailConfig = {
  fromAddress: 'news@acme.example',
  fromName: 'Acme Store',
  replyTo: 'care@acme.example',
  configurationSetName: 'acme-events',
};

function message(overrides: Partial<OutboundMessage['message']> = {}, extra: Partial<OutboundMessage> = {}) {
  return {
    idempotencyKey: 'bc_0123',
    tenantId: 'acme.prod_eu',
    broadcastId: BROADCAST,
    executionId: EXECUTION,
    executionReference: REFERENCE,
    contact: { id: CONTACT, name: 'Ana', email: 'ana@example.com' },
    message: {
      type: 'text',
      content: `Hi Ana, 20% off today. Unsubscribe: ${LINK}`,
      subject: 'Ana, your 20% off',
      html: '<p>Hi <b>Ana</b></p>',
      ...overrides,
    },
    unsubscribeLink: LINK,
    ...extra,
  } satisfies OutboundMessage;
}

function channel(config: SesEmailConfig = CONFIG, defaults: { configurationSetName?: string } = {}) {
  return new SesEmailChannel(config, { client: new SESv2Client({ region: 'eu-west-1' }), ...defaults });
}

const failure = <T extends SESv2ServiceException>(
  Type: new (options: { message: string; $metadata: object }) => T,
  text: string,
  status = 400,
) => new Type({ message: text, $metadata: { httpStatusCode: status } });

/** An error the SDK throws for a name it has no class for (the protocol's generic exception). */
function named(name: string, text: string, status?: number): Error {
  return new SESv2ServiceException({
    name,
    $fault: status !== undefined && status >= 500 ? 'server' : 'client',
    message: text,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
  });
}

beforeEach(() => sesMock.reset());

describe('SesEmailChannel: the SendEmail request', () => {
  it('sends one SendEmail per message with every field pinned: from, to, reply-to, parts, headers, tags, configuration set', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: '0100018f-ses-message-id-000000' });

    // Act
    const outcome = await channel().send(message());

    // Assess
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: '0100018f-ses-message-id-000000' });
    expect(sesMock).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input).toEqual({
      FromEmailAddress: '"Acme Store" <news@acme.example>',
      Destination: { ToAddresses: ['ana@example.com'] },
      ReplyToAddresses: ['care@acme.example'],
      Content: {
        Simple: {
          Subject: { Data: 'Ana, your 20% off', Charset: 'UTF-8' },
          Body: {
            Text: { Data: `Hi Ana, 20% off today. Unsubscribe: ${LINK}`, Charset: 'UTF-8' },
            Html: { Data: '<p>Hi <b>Ana</b></p>', Charset: 'UTF-8' },
          },
          Headers: [
            { Name: 'List-Unsubscribe', Value: `<${LINK}>` },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        },
      },
      EmailTags: [
        { Name: 'tenant_id', Value: 'acme_2eprod_5feu' },
        { Name: 'broadcast_id', Value: BROADCAST },
        { Name: 'execution_ref', Value: REFERENCE.replaceAll('.', '_2e') },
      ],
      ConfigurationSetName: 'acme-events',
    });
  });

  it('writes tags in SES alphabet only, and an event carrying them back finds tenant, broadcast and execution', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

    // Act
    await channel().send(message());

    // Assess: as SES's event JSON has them, `mail.tags` name -> [value].
    const tags = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.EmailTags ?? [];
    for (const tag of tags) {
      expect(tag.Name).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
      expect(tag.Value).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    }
    const asInEvents = Object.fromEntries(tags.map((tag) => [tag.Name as string, [tag.Value as string]]));
    expect(readEmailTags({ ...asInEvents, 'ses:configuration-set': ['acme-events'] })).toEqual({
      tenantId: 'acme.prod_eu',
      broadcastId: BROADCAST,
      reference: parseExecutionReference(REFERENCE),
    });
  });

  it('sends the text part alone when the template has no HTML part, and no Reply-To or display name unless configured', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-2' });

    // Act
    await channel({ fromAddress: 'news@acme.example' }).send(message({ html: undefined }));

    // Assess
    const input = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input?.FromEmailAddress).toBe('news@acme.example');
    expect(input?.ReplyToAddresses).toBeUndefined();
    expect(input?.ConfigurationSetName).toBeUndefined();
    expect(input?.Content?.Simple?.Body).toEqual({ Text: { Data: message().message.content, Charset: 'UTF-8' } });
  });

  it("uses the stage's configuration set when the channel names none, and the channel's over the stage's", async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-3' });
    const { configurationSetName: _, ...withoutSet } = CONFIG;

    // Act
    await channel(withoutSet, { configurationSetName: 'stage-default' }).send(message());
    await channel(CONFIG, { configurationSetName: 'stage-default' }).send(message());

    // Assess
    const sets = sesMock.commandCalls(SendEmailCommand).map((call) => call.args[0].input.ConfigurationSetName);
    expect(sets).toEqual(['stage-default', 'acme-events']);
  });

  it('writes a display name with non-ASCII characters as an RFC 2047 encoded word, and quotes an ASCII one', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-4' });

    // Act
    await channel({ fromAddress: 'news@acme.example', fromName: 'Loja São João' }).send(message());
    await channel({ fromAddress: 'news@acme.example', fromName: 'Acme "Best" \\ Store' }).send(message());

    // Assess
    const froms = sesMock.commandCalls(SendEmailCommand).map((call) => call.args[0].input.FromEmailAddress);
    expect(froms).toEqual([
      `=?UTF-8?B?${Buffer.from('Loja São João').toString('base64')}?= <news@acme.example>`,
      '"Acme \\"Best\\" \\\\ Store" <news@acme.example>',
    ]);
  });

  it('writes an internationalised recipient domain as punycode', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-5' });

    // Act
    await channel().send(message({}, { contact: { id: CONTACT, email: 'ana@exämple.com' } }));

    // Assess
    const input = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input?.Destination).toEqual({ ToAddresses: ['ana@xn--exmple-cua.com'] });
  });

  it('accepts an answer without a MessageId as sent, without an id', async () => {
    sesMock.on(SendEmailCommand).resolves({});
    expect(await channel().send(message())).toEqual({ kind: 'accepted' });
  });
});

describe('SesEmailChannel: messages it does not send', () => {
  it.each([
    [
      'a contact without an e-mail address',
      'permanent',
      message({}, { contact: { id: CONTACT, phone: '+5511999998888' } }),
    ],
    ['no subject', 'channel', message({ subject: undefined })],
    ['no unsubscribe link', 'channel', message({}, { unsubscribeLink: undefined })],
    ['a template message', 'channel', message({ type: 'template', templateId: 'promo', content: undefined })],
  ] as const)('%s: %s, without a call', async (_what, kind, outbound) => {
    // Act
    const outcome = await channel().send(outbound);

    // Assess
    expect(outcome).toEqual({ kind, reason: expect.any(String) });
    expect(sesMock).toHaveReceivedCommandTimes(SendEmailCommand, 0);
  });
});

describe('SesEmailChannel: what an error means', () => {
  it.each([
    ['TooManyRequestsException', failure(TooManyRequestsException, 'Too many requests', 429)],
    ['ThrottlingException', named('ThrottlingException', 'Maximum sending rate exceeded.', 400)],
    ['LimitExceededException', failure(LimitExceededException, 'Limit exceeded')],
  ])('%s: throttled, retried at a lower pace', async (_name, error) => {
    sesMock.on(SendEmailCommand).rejects(error);
    expect(await channel().send(message())).toEqual({
      kind: 'transient',
      throttled: true,
      reason: expect.stringMatching(/^ses \w+/),
    });
  });

  it.each([
    ['the daily quota', named('ThrottlingException', 'Daily message quota exceeded.', 400)],
    ['a suspended account', failure(AccountSuspendedException, 'Your account has been suspended.')],
    ['paused sending', failure(SendingPausedException, 'Sending is paused for this account.')],
    ['an unverified MAIL FROM domain', failure(MailFromDomainNotVerifiedException, 'MAIL FROM not verified')],
    [
      'a configuration set that is gone',
      failure(NotFoundException, 'Configuration set <acme-events> does not exist.', 404),
    ],
    [
      'unknown keys',
      named('UnrecognizedClientException', 'The security token included in the request is invalid.', 403),
    ],
    [
      'a role without ses:SendEmail',
      named('AccessDeniedException', 'User is not authorized to perform ses:SendEmail', 403),
    ],
    ['an invalid token', named('InvalidClientTokenId', 'The security token included in the request is invalid', 403)],
    [
      'no credentials',
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
    ],
    [
      'an unverified From identity',
      failure(
        MessageRejected,
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: news@acme.example',
      ),
    ],
    [
      'an unverified From domain',
      failure(
        MessageRejected,
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: acme.example',
      ),
    ],
  ])('%s: the channel is broken, the broadcast pauses', async (_what, error) => {
    sesMock.on(SendEmailCommand).rejects(error);
    const outcome = await channel().send(message());
    expect(outcome).toEqual({ kind: 'channel', reason: expect.any(String) });
    expect((outcome as { reason: string }).reason.length).toBeLessThanOrEqual(200);
  });

  it.each([
    ['a rejected message', failure(MessageRejected, 'Email address is on the suppression list.')],
    [
      'a recipient not verified in the sandbox, at the sender’s own domain',
      failure(
        MessageRejected,
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: bnews@acme.example',
      ),
    ],
    ['a bad request', failure(BadRequestException, 'Missing final @domain')],
  ])('%s: that contact fails', async (_what, error) => {
    sesMock.on(SendEmailCommand).rejects(error);
    expect(await channel().send(message())).toEqual({ kind: 'permanent', reason: expect.stringMatching(/^ses /) });
  });

  it('names the error and what SES said in one line', async () => {
    sesMock.on(SendEmailCommand).rejects(failure(MessageRejected, 'Rejected:\nbad\tcontent'));
    expect(await channel().send(message())).toEqual({
      kind: 'permanent',
      reason: 'ses MessageRejected: Rejected: bad content',
    });
  });

  it('a 5xx answer: transient, retried (SES refused to work on it)', async () => {
    sesMock.on(SendEmailCommand).rejects(named('InternalFailure', 'We encountered an internal error.', 500));
    expect(await channel().send(message())).toEqual({ kind: 'transient', reason: expect.stringContaining('Internal') });
  });

  it.each([
    [
      'the connection was refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    ],
    ['the name did not resolve', Object.assign(new Error('getaddrinfo ENOTFOUND email'), { code: 'ENOTFOUND' })],
    [
      'no connection within the timeout',
      Object.assign(new Error('the request socket did not establish a connection with the server within 3000 ms'), {
        name: 'TimeoutError',
      }),
    ],
  ])('%s: transient (nothing left)', async (_what, error) => {
    sesMock.on(SendEmailCommand).rejects(error);
    expect(await channel().send(message())).toEqual({ kind: 'transient', reason: expect.stringMatching(/^ses: /) });
  });

  it.each([
    [
      'no answer within the timeout',
      Object.assign(new Error('a request has exceeded the configured 10000 ms requestTimeout'), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      }),
    ],
    ['the connection was cut', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['an answer that could not be read', new SyntaxError('Unexpected token < in JSON')],
  ])('%s: unknown, the e-mail may have been sent (never sent again)', async (_what, error) => {
    sesMock.on(SendEmailCommand).rejects(error);
    expect(await channel().send(message())).toEqual({ kind: 'unknown', reason: expect.stringMatching(/^ses: /) });
  });

  it('cannot de-duplicate: SES has no idempotency key', () => {
    expect(channel().honoursIdempotencyKey).toBe(false);
  });
});
