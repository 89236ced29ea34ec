import fc from 'fast-check';
import { type Channel, channelCapPerSecond } from '../../../../lib/domain/channel.js';
import { presentChannel } from '../../../../lib/http/presenters.js';
import { createChannelBody, updateChannelBody } from '../../../../lib/http/schemas.js';
import { DEFAULT_REQUIRED_ADDRESS } from '../../../../lib/use-cases/channel-commands.js';

const ORIGIN = 'arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef';

function fieldsOf(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }): string[] {
  return (result.error?.issues ?? []).map((issue) => issue.path.join('.')).sort();
}

function smsChannel(config: Record<string, unknown>, maxMessagesPerSecond?: number): Channel {
  return {
    id: 'c-sms',
    tenantId: 'acme',
    name: 'SMS',
    type: 'sms',
    config,
    requiredAddress: 'phone',
    isDefault: false,
    ...(maxMessagesPerSecond === undefined ? {} : { maxMessagesPerSecond }),
    createdAt: '2025-01-15T12:00:00.000Z',
    updatedAt: '2025-01-15T12:00:00.000Z',
  };
}

describe('an sms channel body', () => {
  it('accepts the documented config, MaxPrice as a string or a number', () => {
    // Act
    const full = createChannelBody.parse({
      name: 'SMS',
      type: 'sms',
      config: {
        origination_identity: ORIGIN,
        message_type: 'PROMOTIONAL',
        configuration_set_name: 'broadcast-acme-prod-sms',
        max_price_per_message: '0.05',
        origination_type: 'TEN_DLC',
      },
    });
    const numbers = [0.05, 1, '.00581', '12.5'].map(
      (price) =>
        createChannelBody.parse({
          name: 'SMS',
          type: 'sms',
          config: { origination_identity: '+12065550100', message_type: 'TRANSACTIONAL', max_price_per_message: price },
        }).config,
    );

    // Assess
    expect(full.config).toEqual({
      origination_identity: ORIGIN,
      message_type: 'PROMOTIONAL',
      configuration_set_name: 'broadcast-acme-prod-sms',
      max_price_per_message: '0.05',
      origination_type: 'TEN_DLC',
    });
    expect(numbers.map((config) => (config as { max_price_per_message: string }).max_price_per_message)).toEqual([
      '0.05',
      '1.0',
      '.00581',
      '12.5',
    ]);
  });

  it.each([
    ['no config', {}, ['config']],
    ['no origination identity', { message_type: 'PROMOTIONAL' }, ['config.origination_identity']],
    ['no message type', { origination_identity: '+12065550100' }, ['config.message_type']],
    [
      'a lower-case message type',
      { origination_identity: '+1206', message_type: 'promotional' },
      ['config.message_type'],
    ],
    [
      'an identity with spaces',
      { origination_identity: '+1 206 555', message_type: 'PROMOTIONAL' },
      ['config.origination_identity'],
    ],
    [
      'an identity of 257 characters',
      { origination_identity: 'a'.repeat(257), message_type: 'PROMOTIONAL' },
      ['config.origination_identity'],
    ],
    [
      'a configuration set with a dot',
      { origination_identity: 'pool-1', message_type: 'PROMOTIONAL', configuration_set_name: 'a.b' },
      ['config.configuration_set_name'],
    ],
    [
      'a price of three integer digits',
      { origination_identity: 'pool-1', message_type: 'PROMOTIONAL', max_price_per_message: '100.0' },
      ['config.max_price_per_message'],
    ],
    [
      'a price in exponent form',
      { origination_identity: 'pool-1', message_type: 'PROMOTIONAL', max_price_per_message: 1e-7 },
      ['config.max_price_per_message'],
    ],
    [
      'a price of zero',
      { origination_identity: 'pool-1', message_type: 'PROMOTIONAL', max_price_per_message: '0.0' },
      ['config.max_price_per_message'],
    ],
    [
      'an unknown origination type',
      { origination_identity: 'pool-1', message_type: 'PROMOTIONAL', origination_type: 'MOBILE' },
      ['config.origination_type'],
    ],
    [
      'a credential (sms has none)',
      { origination_identity: 'pool-1', message_type: 'PROMOTIONAL', access_token: 'x' },
      ['config'],
    ],
  ])('rejects %s, naming the field', (_case, config, fields) => {
    // Act and assess
    const body = Object.keys(config).length === 0 ? { name: 'x', type: 'sms' } : { name: 'x', type: 'sms', config };
    expect(fieldsOf(createChannelBody.safeParse(body))).toEqual(fields);
  });

  it('never throws on any config, and keeps every accepted one within AWS patterns', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
        (config) => {
          // Act
          const result = updateChannelBody.safeParse({
            name: 'x',
            type: 'sms',
            config: { origination_identity: 'pool-1', message_type: 'PROMOTIONAL', ...config },
          });

          // Assess
          if (!result.success || result.data.type !== 'sms') return;
          const accepted = result.data.config;
          expect(accepted.origination_identity).toMatch(/^[A-Za-z0-9_:/+-]{1,256}$/);
          if (accepted.max_price_per_message !== undefined) {
            expect(accepted.max_price_per_message).toMatch(/^[0-9]{0,2}\.[0-9]{1,5}$/);
          }
        },
      ),
    );
  });
});

describe('an sms channel', () => {
  it('needs a phone by default', () => {
    expect(DEFAULT_REQUIRED_ADDRESS.sms).toBe('phone');
  });

  it.each([
    ['SHORT_CODE', 100],
    ['TOLL_FREE', 3],
    ['TEN_DLC', 1],
    ['LONG_CODE', 10],
    [undefined, 10],
    ['SOMETHING_NEW', 10],
  ])('is capped by its origination type %s at %i parts per second unless it sets its own', (type, parts) => {
    // Prepare
    const config = { originationIdentity: '+12065550100', messageType: 'PROMOTIONAL', originationType: type };

    // Act and assess
    expect(channelCapPerSecond(smsChannel(config))).toBe(parts);
    expect(channelCapPerSecond(smsChannel(config, 40))).toBe(40);
  });

  it('is presented with its config and its cap in force, and nothing it does not have', () => {
    // Prepare
    const channel = smsChannel({
      originationIdentity: ORIGIN,
      messageType: 'TRANSACTIONAL',
      configurationSetName: 'broadcast-acme-prod-sms',
      originationType: 'TOLL_FREE',
    });

    // Act
    const presented = presentChannel(channel);

    // Assess
    expect(presented).toMatchObject({
      type: 'sms',
      config: {
        origination_identity: ORIGIN,
        message_type: 'TRANSACTIONAL',
        configuration_set_name: 'broadcast-acme-prod-sms',
        max_price_per_message: null,
        origination_type: 'TOLL_FREE',
      },
      required_address: 'phone',
      max_messages_per_second: 3,
    });
  });
});
