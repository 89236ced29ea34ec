import { readStatusWebhook, receiptsOf } from '../../../../lib/adapters/channels/whatsapp/status-webhook.js';

const METADATA = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };

/** A status webhook as the reference documents it, with the given statuses in one `messages` change. */
function payloadWith(statuses: unknown[], extraChanges: unknown[] = []): unknown {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          ...extraChanges,
          { field: 'messages', value: { messaging_product: 'whatsapp', metadata: METADATA, statuses } },
        ],
      },
    ],
  };
}

const SENT = {
  id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NjY5OTk3MjY0RjM5NEQzRkIA',
  status: 'sent',
  timestamp: '1750263773',
  recipient_id: '16505551234',
  biz_opaque_callback_data: 'ex-1',
  conversation: {
    id: '6ceb9d929c1d5d1ce5d5d3b2f8b1e0a2',
    expiration_timestamp: '1750350180',
    origin: { type: 'marketing' },
  },
  pricing: { billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' },
};

describe('receiptsOf', () => {
  it('reads sent, delivered, read and failed receipts with their reference, time and error', () => {
    // Prepare
    const payload = payloadWith([
      SENT,
      { ...SENT, status: 'delivered', timestamp: '1750263774' },
      { id: SENT.id, status: 'read', timestamp: '1750263780', recipient_id: '16505551234' },
      {
        id: 'wamid.failed',
        status: 'failed',
        timestamp: '1750263775',
        recipient_id: '16505550000',
        biz_opaque_callback_data: 'ex-2',
        errors: [
          {
            code: 131026,
            title: 'Message undeliverable',
            message: 'Message undeliverable',
            error_data: { details: 'Message Undeliverable.' },
            href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
          },
        ],
      },
    ]);

    // Act
    const receipts = receiptsOf(payload);

    // Assess
    expect(receipts).toEqual([
      {
        messageId: SENT.id,
        status: 'sent',
        timestamp: '2025-06-18T16:22:53.000Z',
        recipientId: '16505551234',
        phoneNumberId: '106540352242922',
        reference: 'ex-1',
      },
      {
        messageId: SENT.id,
        status: 'delivered',
        timestamp: '2025-06-18T16:22:54.000Z',
        recipientId: '16505551234',
        phoneNumberId: '106540352242922',
        reference: 'ex-1',
      },
      {
        messageId: SENT.id,
        status: 'read',
        timestamp: '2025-06-18T16:23:00.000Z',
        recipientId: '16505551234',
        phoneNumberId: '106540352242922',
      },
      {
        messageId: 'wamid.failed',
        status: 'failed',
        timestamp: '2025-06-18T16:22:55.000Z',
        recipientId: '16505550000',
        phoneNumberId: '106540352242922',
        reference: 'ex-2',
        error: 'whatsapp 131026: Message undeliverable (Message Undeliverable.)',
      },
    ]);
  });

  it('ignores inbound messages, other fields and other objects', () => {
    // Prepare
    const inbound = {
      field: 'messages',
      value: {
        messaging_product: 'whatsapp',
        metadata: METADATA,
        contacts: [{ profile: { name: 'Ana' }, wa_id: '16505551234' }],
        messages: [
          { from: '16505551234', id: 'wamid.in', timestamp: '1750263800', type: 'text', text: { body: 'STOP' } },
        ],
      },
    };
    const accountUpdate = { field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } };
    const otherFieldWithStatuses = {
      field: 'smb_message_echoes',
      value: { messaging_product: 'whatsapp', metadata: METADATA, statuses: [{ ...SENT, id: 'wamid.echo' }] },
    };
    const page = {
      object: 'page',
      entry: [{ id: '1', changes: [{ field: 'messages', value: { statuses: [SENT] } }] }],
    };

    // Act
    const fromWaba = readStatusWebhook(payloadWith([SENT], [inbound, accountUpdate, otherFieldWithStatuses]));
    const fromPage = receiptsOf(page);

    // Assess
    expect(fromWaba).toEqual({ receipts: [expect.objectContaining({ messageId: SENT.id })], ignored: 0, rejected: 0 });
    expect(fromPage).toEqual([]);
  });

  it('keeps the well-formed statuses, drops malformed ones and counts what it left aside', () => {
    // Prepare
    const payload = payloadWith([
      { ...SENT, id: undefined },
      { ...SENT, timestamp: 'yesterday' },
      { ...SENT, recipient_id: 16505551234 },
      { ...SENT, biz_opaque_callback_data: 'r'.repeat(513) },
      { ...SENT, status: 'deleted' },
      { ...SENT, status: 'delivered' },
    ]);

    // Act
    const reading = readStatusWebhook(payload);

    // Assess
    expect(reading.receipts.map((receipt) => receipt.status)).toEqual(['delivered']);
    expect(reading.ignored).toBe(1);
    expect(reading.rejected).toBe(4);
  });

  it.each([
    ['nothing', undefined],
    ['a string', '{"object":"whatsapp_business_account"}'],
    ['an envelope without entries', { object: 'whatsapp_business_account' }],
    [
      'a messages change without metadata',
      {
        object: 'whatsapp_business_account',
        entry: [
          { id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', statuses: [SENT] } }] },
        ],
      },
    ],
  ])('reads no receipts from %s', (_what, payload) => {
    // Act
    const receipts = receiptsOf(payload);

    // Assess
    expect(receipts).toEqual([]);
  });

  it('bounds the error of a failed receipt and says when Meta gave none', () => {
    // Prepare
    const payload = payloadWith([
      {
        ...SENT,
        status: 'failed',
        errors: [{ code: 131049, title: `Too many\nmarketing messages ${'x'.repeat(400)}` }],
      },
      { ...SENT, status: 'failed' },
    ]);

    // Act
    const [bounded, bare] = receiptsOf(payload);

    // Assess
    expect(bounded?.error?.startsWith('whatsapp 131049: Too many marketing messages x')).toBe(true);
    expect(bounded?.error?.length).toBeLessThanOrEqual(200);
    expect(bare?.error).toBe('whatsapp: failed without an error');
  });
});
