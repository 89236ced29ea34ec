import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  PinpointSMSVoiceV2Client,
  ResourceNotFoundException,
  SendTextMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SmsChannel } from '../../../../lib/adapters/channels/sms/sms-channel.js';
import type { SmsConfig } from '../../../../lib/domain/channel.js';
import { formatExecutionReference } from '../../../../lib/domain/execution-reference.js';
import type { OutboundMessage } from '../../../../lib/domain/outbound-message.js';
import type { ChannelSender } from '../../../../lib/ports/channel-sender.js';
import { unitsOf } from '../../../../lib/use-cases/send-units.js';

const smsMock = mockClient(PinpointSMSVoiceV2Client);
const client = new PinpointSMSVoiceV2Client({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
});

const ORIGIN = 'arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef';
const FULL: Pick<SmsConfig, 'originationIdentity' | 'messageType' | 'configurationSetName' | 'maxPricePerMessage'> = {
  originationIdentity: ORIGIN,
  messageType: 'PROMOTIONAL',
  configurationSetName: 'broadcast-acme-prod-sms',
  maxPricePerMessage: '0.05',
};
const REFERENCE = formatExecutionReference({
  executionId: '6f9619ff-8b86-4d01-b42d-00cf4fc964ff',
  broadcastId: '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b',
  chunk: 3,
  contactId: '5b8a1c7e-0d1f-4a3b-9c2d-6e7f8a9b0c1d',
});
const meta = { $metadata: { httpStatusCode: 400 } };

function outbound(overrides: Partial<OutboundMessage> = {}, message: Partial<OutboundMessage['message']> = {}) {
  return {
    idempotencyKey: 'bc_0123',
    tenantId: 'acme',
    broadcastId: '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b',
    executionId: '6f9619ff-8b86-4d01-b42d-00cf4fc964ff',
    executionReference: REFERENCE,
    contact: { id: '5b8a1c7e-0d1f-4a3b-9c2d-6e7f8a9b0c1d', name: 'Ada', phone: '+5511999990001' },
    message: { type: 'text', content: 'Hi Ada! 50% off today', ...message },
    ...overrides,
  } satisfies OutboundMessage;
}

beforeEach(() => {
  smsMock.reset();
});

describe('SmsChannel.send', () => {
  it('sends one SendTextMessage with every field the channel and the contact give', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'msg-0001' });
    const channel = new SmsChannel(FULL, { client });

    // Act
    const outcome = await channel.send(outbound());

    // Assess: the request exactly, nothing more (no TimeToLive, no DryRun, no Keyword).
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: 'msg-0001' });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 1);
    expect(smsMock.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toEqual({
      DestinationPhoneNumber: '+5511999990001',
      OriginationIdentity: ORIGIN,
      MessageBody: 'Hi Ada! 50% off today',
      MessageType: 'PROMOTIONAL',
      ConfigurationSetName: 'broadcast-acme-prod-sms',
      MaxPrice: '0.05',
      Context: { bc_ref: REFERENCE, bc_tenant: 'acme' },
    });
  });

  it('leaves out the configuration set and MaxPrice when the channel has none', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'msg-0002' });
    const channel = new SmsChannel({ originationIdentity: '+12065550100', messageType: 'TRANSACTIONAL' }, { client });

    // Act
    await channel.send(outbound());

    // Assess
    expect(smsMock.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toEqual({
      DestinationPhoneNumber: '+5511999990001',
      OriginationIdentity: '+12065550100',
      MessageBody: 'Hi Ada! 50% off today',
      MessageType: 'TRANSACTIONAL',
      Context: { bc_ref: REFERENCE, bc_tenant: 'acme' },
    });
  });

  it('sends a media message as its caption and link, and a template message as its content', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'msg-0003' });
    const channel = new SmsChannel(FULL, { client });

    // Act
    await channel.send(outbound({}, { type: 'media', content: 'See this', mediaUrl: 'https://cdn.example/promo.jpg' }));
    await channel.send(outbound({}, { type: 'media', content: undefined, mediaUrl: 'https://cdn.example/promo.jpg' }));
    await channel.send(outbound({}, { type: 'template', templateId: 'promo_bf', content: 'Hi Ada, 50% off' }));

    // Assess
    const bodies = smsMock.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input.MessageBody);
    expect(bodies).toEqual([
      'See this\nhttps://cdn.example/promo.jpg',
      'https://cdn.example/promo.jpg',
      'Hi Ada, 50% off',
    ]);
  });

  it('accepts an answer without a message id, without one', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).resolves({});

    // Act
    const outcome = await new SmsChannel(FULL, { client }).send(outbound());

    // Assess
    expect(outcome).toEqual({ kind: 'accepted' });
  });

  it.each([
    ['no phone', outbound({ contact: { id: 'c', email: 'ada@example.com' } }), 'sms: the contact has no phone number'],
    ['a phone that is not E.164', outbound({ contact: { id: 'c', phone: '011 99999 0001' } }), 'not an E.164'],
    ['an empty text once rendered', outbound({}, { content: '  \n ' }), 'empty once rendered'],
    ['over 1,600 characters', outbound({}, { content: 'a'.repeat(1601) }), '1601 characters once rendered'],
  ])('fails a contact with %s without a request', async (_what, message, reason) => {
    // Act
    const outcome = await new SmsChannel(FULL, { client }).send(message);

    // Assess
    expect(outcome).toEqual({ kind: 'permanent', reason: expect.stringContaining(reason) });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 0);
  });

  it('refuses a template message without content as the channel problem it is, for every contact alike', async () => {
    // Act
    const outcome = await new SmsChannel(FULL, { client }).send(
      outbound({}, { type: 'template', templateId: 'promo_bf', content: undefined }),
    );

    // Assess
    expect(outcome).toEqual({ kind: 'channel', reason: expect.stringContaining('give message_template.content') });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 0);
  });

  it.each([
    [
      'a carrier opt-out',
      new ConflictException({ message: 'opted out', Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', ...meta }),
      {
        kind: 'opted_out',
        suppression: 'sms',
        reason: 'sms ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT: opted out',
      },
    ],
    [
      'throttling',
      new ThrottlingException({ message: 'Rate exceeded', ...meta }),
      { kind: 'transient', throttled: true, reason: 'sms ThrottlingException: Rate exceeded' },
    ],
    [
      'the monthly spend limit',
      new ServiceQuotaExceededException({
        message: 'spend limit',
        Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT',
        ...meta,
      }),
      {
        kind: 'channel',
        reason: 'sms ServiceQuotaExceededException MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT: spend limit',
      },
    ],
    [
      'access denied',
      new AccessDeniedException({ message: 'not authorized', Reason: 'ACCOUNT_DISABLED', ...meta }),
      { kind: 'channel', reason: 'sms AccessDeniedException ACCOUNT_DISABLED: not authorized' },
    ],
    [
      'an unknown origination identity',
      new ResourceNotFoundException({ message: 'not found', ResourceType: 'phone-number', ResourceId: 'x', ...meta }),
      { kind: 'channel', reason: 'sms ResourceNotFoundException (phone-number): not found' },
    ],
    [
      'an invalid destination',
      new ValidationException({
        message: 'invalid',
        Reason: 'INVALID_PARAMETER',
        Fields: [{ Name: 'DestinationPhoneNumber', Message: 'invalid number' }],
        ...meta,
      }),
      { kind: 'permanent', reason: 'sms ValidationException INVALID_PARAMETER: invalid' },
    ],
    [
      'an internal error',
      new InternalServerException({ message: 'oops', $metadata: { httpStatusCode: 500 } }),
      { kind: 'transient', reason: 'sms InternalServerException: oops' },
    ],
  ])('classifies %s', async (_what, error, expected) => {
    // Prepare
    smsMock.on(SendTextMessageCommand).rejects(error);

    // Act
    const outcome = await new SmsChannel(FULL, { client }).send(outbound());

    // Assess
    expect(outcome).toEqual(expected);
  });
});

describe('SmsChannel.unitsOf (what a message weighs against the channel cap)', () => {
  it('weighs each message by its parts, GSM-7 or UCS-2, and a group by the sum', () => {
    // Prepare
    const channel = new SmsChannel(FULL, { client });
    const short = outbound({}, { content: 'Hi Ada' });
    const long = outbound({}, { content: 'a'.repeat(161) });
    const unicode = outbound({}, { content: `Olá ${'a'.repeat(70)}` });
    const nothing = outbound({}, { type: 'template', templateId: 'promo_bf', content: undefined });

    // Act
    const units = [short, long, unicode, nothing].map((m) => unitsOf(channel, m));

    // Assess: 6 septets; 161 septets; 75 UCS-2 units; no text is still one request.
    expect(units).toEqual([1, 2, 2, 1]);
  });

  it('weighs every message 1 on a channel without a measure of its own', () => {
    // Prepare
    const whatsapp: ChannelSender = { honoursIdempotencyKey: false, send: async () => ({ kind: 'accepted' }) };
    const broken: ChannelSender = { ...whatsapp, unitsOf: () => Number.NaN };

    // Act and assess
    expect(unitsOf(whatsapp, outbound({}, { content: 'a'.repeat(500) }))).toBe(1);
    expect(unitsOf(broken, outbound())).toBe(1);
  });
});
