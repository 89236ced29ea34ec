import fc from 'fast-check';
import { RESERVED_KEYS } from '../../../lib/domain/input-rules.js';
import {
  contactBody,
  createBroadcastBody,
  createContactListBody,
  messageTemplate,
  scheduleBody,
  updateBroadcastBody,
} from '../../../lib/http/schemas.js';

const LIST_ID = '6f1c2b8e-4a7d-4c1e-9f3a-2b5d8e7c1a90';

describe('contactBody', () => {
  it('accepts every well-formed contact', () => {
    const contacts = fc.record(
      {
        external_id: fc.string({ minLength: 1, maxLength: 50 }).filter((s) => s.trim().length > 0),
        name: fc.string({ minLength: 1, maxLength: 50 }).filter((s) => s.trim().length > 0),
        email: fc.emailAddress(),
        phone: fc.stringMatching(/^\+[1-9]\d{6,14}$/),
        tags: fc.array(
          fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0),
          { maxLength: 5 },
        ),
        custom_fields: fc.dictionary(
          // A reserved name (__proto__, ...) is refused by design: not a well-formed contact.
          fc.string({ minLength: 1, maxLength: 20 }).filter((key) => !RESERVED_KEYS.has(key)),
          fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.boolean(), fc.constant(null)),
          { maxKeys: 5 },
        ),
        opted_out: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(contacts, (body) => contactBody.safeParse(body).success));
  });

  it('rejects unknown fields, so a typo never silently does nothing', () => {
    const result = contactBody.safeParse({ name: 'Ada', emial: 'ada@example.com' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it.each([
    ['+5511999998888', true],
    ['+14155550123', true],
    ['5511999998888', false],
    ['+0511999998888', false],
    ['+55 11 99999-8888', false],
    ['+1234567890123456', false],
  ])('phone %s valid: %s', (phone, valid) => {
    expect(contactBody.safeParse({ phone }).success).toBe(valid);
  });

  it('rejects an invalid e-mail, time zone or pipeline id', () => {
    expect(contactBody.safeParse({ email: 'not-an-email' }).success).toBe(false);
    expect(contactBody.safeParse({ timezone: 'Mars/Olympus' }).success).toBe(false);
    expect(contactBody.safeParse({ timezone: 'America/Sao_Paulo' }).success).toBe(true);
    expect(contactBody.safeParse({ pipeline_id: 'uuid' }).success).toBe(false);
  });

  it('treats null as absent', () => {
    expect(contactBody.parse({ email: null, name: 'Ada' })).toEqual({ name: 'Ada' });
  });
});

describe('createContactListBody', () => {
  it("accepts the seed's dynamic list bodies as written (ids substituted)", () => {
    const example1 = {
      name: 'Active Customers',
      is_dynamic: true,
      filters: { pipeline_id: LIST_ID, status_id: LIST_ID, tags: ['customer', 'active'] },
    };
    const example2 = { name: 'Newsletter Subscribers', is_dynamic: true, filters: { tags: ['newsletter'] } };
    const example3 = {
      name: 'Abandoned Carts Today',
      is_dynamic: true,
      filters: { custom_fields: { cart_status: 'abandoned', abandoned_date: 'today' } },
    };
    for (const body of [example1, example2, example3]) expect(createContactListBody.safeParse(body).success).toBe(true);
  });

  it('requires filters for a dynamic list and refuses them on a static one', () => {
    expect(createContactListBody.safeParse({ name: 'x', is_dynamic: true }).success).toBe(false);
    expect(createContactListBody.safeParse({ name: 'x', is_dynamic: true, filters: {} }).success).toBe(false);
    expect(createContactListBody.safeParse({ name: 'x', filters: { tags: ['a'] } }).success).toBe(false);
    expect(
      createContactListBody.safeParse({ name: 'x', is_dynamic: true, filters: { tags: ['a'] }, contact_ids: [] })
        .success,
    ).toBe(false);
    expect(createContactListBody.parse({ name: 'VIP', contact_ids: [LIST_ID] })).toMatchObject({ is_dynamic: false });
  });

  it('caps contact_ids at 1,000', () => {
    const ids = Array.from({ length: 1001 }, () => LIST_ID);
    expect(createContactListBody.safeParse({ name: 'x', contact_ids: ids }).success).toBe(false);
  });
});

describe('createBroadcastBody', () => {
  it("accepts the seed's broadcast bodies as written (ids substituted)", () => {
    const example1 = {
      name: 'Black Friday Promotion',
      list_id: LIST_ID,
      message_template: {
        type: 'template',
        template_id: 'promo_bf',
        variables: { name: 'contact.name', discount: '50' },
      },
      rate_limit: 100,
    };
    const example2 = {
      name: 'Weekly Newsletter',
      list_id: LIST_ID,
      message_template: { type: 'template', template_id: 'newsletter_weekly' },
      scheduled_for: '2025-01-20T10:00:00Z',
      rate_limit: 200,
    };
    const example3 = {
      name: 'Cart Recovery 2h',
      list_id: LIST_ID,
      message_template: {
        type: 'text',
        content: 'Hi {{name}}! Your cart is waiting. Complete now and get 10% OFF!',
      },
      scheduled_for: '2025-01-15T14:00:00Z',
    };
    for (const body of [example1, example2, example3]) expect(createBroadcastBody.safeParse(body).success).toBe(true);
    expect(createBroadcastBody.parse(example3).rate_limit).toBe(0);
  });

  it('rejects a rate limit that is negative, fractional or above the ceiling', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 60_001 }), fc.double({ noInteger: true, noNaN: true })),
        (rate) =>
          !createBroadcastBody.safeParse({
            name: 'x',
            list_id: LIST_ID,
            message_template: { type: 'text', content: 'x' },
            rate_limit: rate,
          }).success,
      ),
    );
  });

  it('needs the field each message type depends on', () => {
    expect(messageTemplate.safeParse({ type: 'text' }).success).toBe(false);
    expect(messageTemplate.safeParse({ type: 'text', content: '  ' }).success).toBe(false);
    expect(messageTemplate.safeParse({ type: 'template', content: 'x' }).success).toBe(false);
    expect(messageTemplate.safeParse({ type: 'media', media_url: 'ftp://x/y.png' }).success).toBe(false);
    expect(messageTemplate.safeParse({ type: 'media', media_url: 'https://cdn.example.com/a.png' }).success).toBe(true);
  });

  it("takes a template's language as a WhatsApp language code, on template messages only", () => {
    const template = { type: 'template', template_id: 'promo_bf' };
    for (const code of ['en_US', 'pt_BR', 'es', 'fil', 'zh_CN']) {
      expect(messageTemplate.parse({ ...template, language: code }).language).toBe(code);
    }
    expect(messageTemplate.parse(template).language).toBeUndefined();
    expect(messageTemplate.parse({ ...template, language: null }).language).toBeUndefined();
    for (const bad of ['', 'EN_us', 'en-US', 'en_USA', 'english', 'en_US ', 42]) {
      expect(messageTemplate.safeParse({ ...template, language: bad }).success).toBe(false);
    }
    const onText = messageTemplate.safeParse({ type: 'text', content: 'x', language: 'en_US' });
    expect(onText.success).toBe(false);
    expect(onText.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['language']);
  });

  it('takes an IANA timezone, on create and on update; none means UTC, decided later', () => {
    const body = { name: 'x', list_id: LIST_ID, message_template: { type: 'text', content: 'x' } };
    expect(createBroadcastBody.parse({ ...body, timezone: 'America/Sao_Paulo' }).timezone).toBe('America/Sao_Paulo');
    expect(createBroadcastBody.parse(body).timezone).toBeUndefined();
    expect(createBroadcastBody.parse({ ...body, timezone: null }).timezone).toBeUndefined();
    expect(createBroadcastBody.safeParse({ ...body, timezone: 'Mars/Olympus' }).success).toBe(false);
    expect(createBroadcastBody.safeParse({ ...body, timezone: '+03:00' }).success).toBe(false);
    expect(createBroadcastBody.safeParse({ ...body, timezone: 3 }).success).toBe(false);
    expect(updateBroadcastBody.parse({ timezone: 'Asia/Kolkata' })).toEqual({ timezone: 'Asia/Kolkata' });
    expect(updateBroadcastBody.safeParse({ timezone: 'Nowhere/Land' }).success).toBe(false);
  });

  it('takes scheduled_for as ISO 8601 with Z or an offset', () => {
    expect(scheduleBody.safeParse({ scheduled_for: '2030-01-20T10:00:00-03:00' }).success).toBe(true);
    expect(scheduleBody.safeParse({ scheduled_for: '2030-01-20 10:00' }).success).toBe(false);
    expect(scheduleBody.safeParse({ scheduled_for: 'tomorrow' }).success).toBe(false);
  });
});
