import type { Channel } from '../../../lib/domain/channel.js';
import { presentChannel } from '../../../lib/http/presenters.js';
import { createChannelBody, updateChannelBody } from '../../../lib/http/schemas.js';

const SECRET = 'whsec-0123456789abcdef';

function fieldsOf(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }): string[] {
  return (result.error?.issues ?? []).map((issue) => issue.path.join('.')).sort();
}

describe('createChannelBody', () => {
  it('accepts a webhook and a log channel as the API documents them', () => {
    expect(
      createChannelBody.parse({
        name: 'CRM hook',
        type: 'webhook',
        config: { url: 'https://crm.example.com/hooks/broadcast', secret: SECRET },
        is_default: true,
        required_address: 'phone',
      }),
    ).toEqual({
      name: 'CRM hook',
      type: 'webhook',
      config: { url: 'https://crm.example.com/hooks/broadcast', secret: SECRET },
      is_default: true,
      required_address: 'phone',
    });
    expect(createChannelBody.parse({ name: 'Log', type: 'log', config: {}, is_default: false })).toEqual(
      expect.objectContaining({ name: 'Log', type: 'log', config: {}, is_default: false }),
    );
    expect(createChannelBody.safeParse({ name: 'Log', type: 'log' }).success).toBe(true);
  });

  it.each([
    ['an unknown type', { name: 'x', type: 'fax', config: {} }, ['type']],
    ['no type', { name: 'x', config: {} }, ['type']],
    [
      'a short secret and a non-http url',
      { name: 'x', type: 'webhook', config: { url: 'ftp://x', secret: 'short' } },
      ['config.secret', 'config.url'],
    ],
    [
      'a webhook without secret',
      { name: 'x', type: 'webhook', config: { url: 'https://x.example' } },
      ['config.secret'],
    ],
    ['a webhook without config', { name: 'x', type: 'webhook' }, ['config']],
    ['a log channel with settings', { name: 'x', type: 'log', config: { url: 'https://x.example' } }, ['config']],
    ['an empty name', { name: ' ', type: 'log' }, ['name']],
    ['an unknown field', { name: 'x', type: 'log', colour: 'red' }, ['']],
    ['a bad required_address', { name: 'x', type: 'log', required_address: 'fax' }, ['required_address']],
    ['a non-boolean is_default', { name: 'x', type: 'log', is_default: 'yes' }, ['is_default']],
  ])('rejects %s, naming the fields', (_case, body, fields) => {
    expect(fieldsOf(createChannelBody.safeParse(body))).toEqual(fields);
  });
});

describe('updateChannelBody', () => {
  it('lets a webhook PUT leave the secret out', () => {
    expect(
      updateChannelBody.safeParse({ name: 'x', type: 'webhook', config: { url: 'https://x.example' } }).success,
    ).toBe(true);
    expect(
      fieldsOf(
        updateChannelBody.safeParse({
          name: 'x',
          type: 'webhook',
          config: { url: 'https://x.example', secret: 'short' },
        }),
      ),
    ).toEqual(['config.secret']);
  });
});

describe('presentChannel', () => {
  it('never returns the secret of a webhook channel', () => {
    // Prepare
    const channel: Channel = {
      id: 'c-1',
      tenantId: 'acme',
      name: 'CRM hook',
      type: 'webhook',
      config: { url: 'https://crm.example.com/hooks', secret: SECRET },
      requiredAddress: 'any',
      isDefault: true,
      createdAt: '2025-01-15T12:00:00.000Z',
      updatedAt: '2025-01-15T12:00:00.000Z',
    };

    // Act
    const presented = presentChannel(channel);

    // Assess
    expect(presented).toEqual({
      id: 'c-1',
      name: 'CRM hook',
      type: 'webhook',
      config: { url: 'https://crm.example.com/hooks', secret_set: true },
      is_default: true,
      required_address: 'any',
      max_messages_per_second: null,
      effective_messages_per_second: null,
      throttled_at: null,
      created_at: '2025-01-15T12:00:00.000Z',
      updated_at: '2025-01-15T12:00:00.000Z',
    });
    expect(JSON.stringify(presented)).not.toContain(SECRET);
  });
});
