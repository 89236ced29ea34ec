import { randomUUID } from 'node:crypto';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DefaultChannelSenderFactory } from '../../../../lib/adapters/channels/channel-sender-factory.js';
import { SesEmailChannel } from '../../../../lib/adapters/channels/ses/ses-email-channel.js';
import type { Channel } from '../../../../lib/domain/channel.js';
import type { OutboundMessage } from '../../../../lib/ports/channel-sender.js';

const sesMock = mockClient(SESv2Client);
beforeEach(() => sesMock.reset());

const channel = (config: Record<string, unknown>): Channel => ({
  id: randomUUID(),
  tenantId: 'acme',
  name: 'Mail',
  type: 'email_ses',
  config,
  requiredAddress: 'email',
  isDefault: false,
  createdAt: '2025-01-15T12:00:00.000Z',
  updatedAt: '2025-01-15T12:00:00.000Z',
});

const MESSAGE: OutboundMessage = {
  idempotencyKey: 'bc_1',
  tenantId: 'acme',
  broadcastId: '7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d',
  executionId: '0b9c2f3e-5a41-4a7c-9a55-1f0e2d3c4b5a',
  executionReference:
    'x1.0b9c2f3e-5a41-4a7c-9a55-1f0e2d3c4b5a.7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d.0.11111111-2222-4333-8444-555555555555',
  contact: { id: '11111111-2222-4333-8444-555555555555', email: 'ana@example.com' },
  message: { type: 'text', content: 'Hi', subject: 'Hello' },
  unsubscribeLink: 'https://u.example/x',
};

describe('DefaultChannelSenderFactory: email_ses', () => {
  it("builds the SES adapter from the stored config, with the process's client and the stage's configuration set", async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    let built = 0;
    const client = new SESv2Client({ region: 'eu-west-1' });
    const factory = new DefaultChannelSenderFactory({
      ses: {
        client: () => {
          built++;
          return client;
        },
        configurationSetName: 'stage-set',
      },
    });

    // Act
    const sender = factory.senderFor(channel({ fromAddress: 'news@acme.example', fromName: 'Acme', replyTo: '' }));
    const outcome = await sender.send(MESSAGE);

    // Assess
    expect(sender).toBeInstanceOf(SesEmailChannel);
    expect(sender.honoursIdempotencyKey).toBe(false);
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: 'm-1' });
    expect(built).toBe(1);
    expect(sesMock).toHaveReceivedCommandWith(SendEmailCommand, {
      FromEmailAddress: '"Acme" <news@acme.example>',
      ConfigurationSetName: 'stage-set',
    });
    expect(sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.ReplyToAddresses).toBeUndefined();
  });

  it('refuses a stored config without a from address, and a process without an SES client', () => {
    const withClient = new DefaultChannelSenderFactory({ ses: { client: () => new SESv2Client({}) } });
    expect(() => withClient.senderFor(channel({ fromName: 'Acme' }))).toThrow(/no valid from address/);
    expect(() => new DefaultChannelSenderFactory().senderFor(channel({ fromAddress: 'a@b.c' }))).toThrow(
      /no SES client/,
    );
  });
});
