import {
  ConflictException,
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SmsChannel } from '../../../../lib/adapters/channels/sms/sms-channel.js';
import { createSmsClient } from '../../../../lib/adapters/channels/sms/sms-client.js';
import type { OutboundMessage } from '../../../../lib/domain/outbound-message.js';
import { setEnv } from '../../../support/env.js';
import { SMS_ERRORS, SmsStandIn } from '../../../support/sms-stand-in.js';

/**
 * The stand-in against the real SDK client (its AWS JSON 1.0 serializer, SigV4 signer and error parser), and the
 * adapter against both: what the SDK sends is what the stand-in accepts, and what the stand-in answers is what the
 * adapter classifies. Dummy credentials, the endpoint as AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 would give it.
 */

const ORIGIN = '+12065550100';
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
let standIn: SmsStandIn;
let client: PinpointSMSVoiceV2Client;

beforeAll(async () => {
  standIn = await SmsStandIn.start({ optedOut: ['+14155550199'] });
  client = new PinpointSMSVoiceV2Client({
    region: 'us-east-1',
    endpoint: standIn.endpoint,
    credentials,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await standIn.stop();
});

beforeEach(() => {
  standIn.faults = [];
});

function outbound(phone: string, content: string): OutboundMessage {
  return {
    idempotencyKey: 'bc_0',
    tenantId: 'acme',
    broadcastId: '11111111-1111-4111-8111-111111111111',
    executionId: '22222222-2222-4222-8222-222222222222',
    executionReference: 'x1.ref',
    contact: { id: '33333333-3333-4333-8333-333333333333', phone },
    message: { type: 'text', content },
  };
}

describe('the SMS stand-in, as the AWS SDK calls it', () => {
  it('accepts a well-formed SendTextMessage and records it with its parts', async () => {
    // Act
    const answer = await client.send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: '+14155550123',
        OriginationIdentity: ORIGIN,
        MessageBody: 'Olá! '.repeat(20),
        MessageType: 'PROMOTIONAL',
        ConfigurationSetName: 'broadcast-sms',
        MaxPrice: '0.05',
        Context: { bc_ref: 'x1.ref', bc_tenant: 'acme' },
      }),
    );

    // Assess: 100 UTF-16 units of UCS-2 (the "á") are two parts.
    expect(answer.MessageId).toEqual(standIn.accepted.at(-1)?.messageId);
    expect(standIn.malformed()).toEqual([]);
    expect(standIn.accepted.at(-1)).toMatchObject({
      destination: '+14155550123',
      originationIdentity: ORIGIN,
      messageType: 'PROMOTIONAL',
      configurationSetName: 'broadcast-sms',
      maxPrice: '0.05',
      context: { bc_ref: 'x1.ref', bc_tenant: 'acme' },
      encoding: 'UCS-2',
      parts: 2,
    });
    const request = standIn.requests.at(-1);
    expect(request?.headers['x-amz-target']).toBe('PinpointSMSVoiceV2.SendTextMessage');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.0');
  });

  it('answers errors the SDK parses into its modelled exceptions, with their Reason and Fields', async () => {
    // Act
    const optedOut = await client
      .send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: '+14155550199',
          OriginationIdentity: ORIGIN,
          MessageBody: 'hi',
        }),
      )
      .catch((error: unknown) => error);
    const invalid = await client
      .send(
        new SendTextMessageCommand({ DestinationPhoneNumber: '0123', OriginationIdentity: ORIGIN, MessageBody: ' ' }),
      )
      .catch((error: unknown) => error);

    // Assess
    expect(optedOut).toBeInstanceOf(ConflictException);
    expect(optedOut).toMatchObject({ Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', ResourceType: 'opted-out-number' });
    expect(invalid).toBeInstanceOf(ValidationException);
    expect((invalid as ValidationException).Fields?.map((f) => f.Name).sort()).toEqual([
      'DestinationPhoneNumber',
      'MessageBody',
    ]);
    expect(standIn.malformed()).toHaveLength(1);
  });

  it('lets the adapter classify each answer: sent, opted out, throttled, spend limit, unknown identity, no answer', async () => {
    // Prepare
    const channel = new SmsChannel(
      { originationIdentity: ORIGIN, messageType: 'TRANSACTIONAL' },
      { client, timeoutMs: 300 },
    );
    const unknownIdentity = new SmsChannel(
      { originationIdentity: '+12065550999', messageType: 'TRANSACTIONAL' },
      { client },
    );

    // Act and assess, one answer after another.
    const sent = await channel.send(outbound('+14155550123', 'Hi'));
    expect(sent).toEqual({ kind: 'accepted', providerMessageId: standIn.accepted.at(-1)?.messageId });
    expect(await channel.send(outbound('+14155550199', 'Hi'))).toMatchObject({ kind: 'opted_out', suppression: 'sms' });
    standIn.faults = [{ match: { fromNth: 1 }, answer: SMS_ERRORS.throttling }];
    expect(await channel.send(outbound('+14155550123', 'Hi'))).toMatchObject({ kind: 'transient', throttled: true });
    standIn.faults = [{ match: { fromNth: 1 }, answer: SMS_ERRORS.monthlySpendLimit }];
    expect(await channel.send(outbound('+14155550123', 'Hi'))).toEqual({
      kind: 'channel',
      reason:
        'sms ServiceQuotaExceededException MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT: You have reached your monthly spend limit for text messages.',
    });
    standIn.faults = [];
    expect(await unknownIdentity.send(outbound('+14155550123', 'Hi'))).toMatchObject({
      kind: 'channel',
      reason: expect.stringContaining('ResourceNotFoundException (phone-number)'),
    });
    standIn.faults = [{ match: { fromNth: 1 }, hang: true }];
    expect(await channel.send(outbound('+14155550123', 'Hi'))).toEqual({
      kind: 'unknown',
      reason: 'sms: no answer within 300 ms; the message may have been sent',
    });
  });

  it('is where the standard endpoint variable points the service client', async () => {
    // Prepare: the client the composition root builds, from AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 alone.
    const restore = setEnv({
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: standIn.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local-secret',
      AWS_SESSION_TOKEN: undefined,
    });
    const fromEnvironment = createSmsClient({ region: 'eu-west-1' });
    const before = standIn.accepted.length;
    try {
      // Act
      await fromEnvironment.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: '+14155550123',
          OriginationIdentity: ORIGIN,
          MessageBody: 'env',
        }),
      );
    } finally {
      fromEnvironment.destroy();
      restore();
    }

    // Assess
    expect(standIn.accepted.length).toBe(before + 1);
    expect(standIn.requests.at(-1)?.headers.authorization).toContain('/eu-west-1/sms-voice/aws4_request');
  });
});
