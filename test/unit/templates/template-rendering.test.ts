import { UnprocessableError } from '../../../lib/domain/errors.js';
import type { MessageTemplate } from '../../../lib/domain/message-template.js';
import {
  clockIn,
  compileMessageTemplate,
  isMissing,
  type RenderContext,
  type RenderOutcome,
  renderContextFor,
  renderMessage,
  validateMessageTemplate,
} from '../../../lib/domain/template-rendering.js';

const NOW = new Date('2025-01-15T23:30:00.000Z');
const LINK = 'https://broadcast.example/unsubscribe/abc.def';

const ana: RenderContext['contact'] = {
  name: 'Ana Souza',
  email: 'ana@example.com',
  phone: '+5511999998888',
  customFields: { last_purchase_date: '2025-01-10', plan: 'gold', visits: 3, vip: true, referrer: null },
};

function context(overrides: Partial<RenderContext> = {}): RenderContext {
  return { contact: ana, broadcast: { name: 'Black Friday' }, now: NOW, unsubscribeLink: LINK, ...overrides };
}

function render(template: MessageTemplate, ctx: RenderContext = context()): RenderOutcome {
  return renderMessage(compileMessageTemplate(template), ctx);
}

const text = (content: string): MessageTemplate => ({ type: 'text', content });

function contentOf(outcome: RenderOutcome): string | undefined {
  if (isMissing(outcome)) throw new Error(`unexpected missing variable: ${JSON.stringify(outcome)}`);
  return outcome.content;
}

function compileError(template: MessageTemplate): UnprocessableError {
  try {
    compileMessageTemplate(template);
  } catch (error) {
    expect(error).toBeInstanceOf(UnprocessableError);
    return error as UnprocessableError;
  }
  throw new Error('expected the template to be rejected');
}

describe('renderMessage: the variables of the seed', () => {
  it.each([
    ['{{contact.name}}', 'Ana Souza'],
    ['{{contact.email}}', 'ana@example.com'],
    ['{{contact.phone}}', '+5511999998888'],
    ['{{contact.custom.plan}}', 'gold'],
    ['{{contact.custom.visits}}', '3'],
    ['{{contact.custom.vip}}', 'true'],
    ['{{broadcast.name}}', 'Black Friday'],
    ['{{current_date}}', '2025-01-15'],
    ['{{current_time}}', '23:30'],
    ['{{unsubscribe_link}}', LINK],
    ['{{ contact.name }}', 'Ana Souza'],
  ])('%s renders as %s', (template, expected) => {
    expect(contentOf(render(text(template)))).toBe(expected);
  });

  it.each([
    ['{{name}}', 'Ana Souza'],
    ['{{email}}', 'ana@example.com'],
    ['{{phone}}', '+5511999998888'],
  ])('the contact field %s is also available at the top level', (template, expected) => {
    expect(contentOf(render(text(template)))).toBe(expected);
  });

  it("renders the seed's example template", () => {
    const template = text(
      'Hello {{contact.name}}!\n\nYour last purchase was on {{contact.custom.last_purchase_date}}.\n' +
        'Take advantage of our exclusive promotion!\n\nTo unsubscribe: {{unsubscribe_link}}',
    );
    expect(contentOf(render(template))).toBe(
      'Hello Ana Souza!\n\nYour last purchase was on 2025-01-10.\nTake advantage of our exclusive promotion!\n\n' +
        `To unsubscribe: ${LINK}`,
    );
  });

  it("renders seed Example 3's {{name}} as written", () => {
    const template = text('Hi {{name}}! Your cart is waiting. Complete now and get 10% OFF!');
    expect(contentOf(render(template))).toBe('Hi Ana Souza! Your cart is waiting. Complete now and get 10% OFF!');
  });

  it('applies Liquid filters and tags', () => {
    const template = text(
      '{{ contact.name | upcase }} {% if contact.custom.vip %}VIP{% endif %} {{ name | split: " " | first }}',
    );
    expect(contentOf(render(template))).toBe('ANA SOUZA VIP Ana');
  });

  it('leaves text without Liquid markup as it is', () => {
    expect(contentOf(render(text('50% off, today only: contact.name')))).toBe('50% off, today only: contact.name');
  });
});

describe('renderMessage: the variables map', () => {
  const promo: MessageTemplate = {
    type: 'template',
    templateId: 'promo_bf',
    variables: {
      name: 'contact.name',
      discount: '50',
      first: 'name',
      plan: 'contact.custom.plan',
      campaign: 'broadcast.name',
      today: 'current_date',
      at: 'current_time',
      stop: 'unsubscribe_link',
      shout: '{{ contact.name | upcase }}!',
      spaced: '  contact.email  ',
      sentence: 'Black Friday',
    },
  };

  it("resolves contact paths, keeps literals, and renders Liquid values (seed Example 1's map)", () => {
    const outcome = render(promo);
    expect(outcome).toEqual({
      variables: {
        name: 'Ana Souza',
        discount: '50',
        first: 'Ana Souza',
        plan: 'gold',
        campaign: 'Black Friday',
        today: '2025-01-15',
        at: '23:30',
        stop: LINK,
        shout: 'ANA SOUZA!',
        spaced: 'ana@example.com',
        sentence: 'Black Friday',
      },
    });
  });

  it('renders both the content and the variables of a media message', () => {
    const media: MessageTemplate = {
      type: 'media',
      mediaUrl: 'https://cdn.example/p.png',
      content: 'For {{ name }}',
      variables: { code: 'BF50' },
    };
    expect(render(media)).toEqual({ content: 'For Ana Souza', variables: { code: 'BF50' } });
  });

  it('a custom field key may hold dots and spaces in a path', () => {
    const template: MessageTemplate = {
      type: 'template',
      templateId: 't',
      variables: { v: 'contact.custom.last purchase.date' },
    };
    const ctx = context({ contact: { ...ana, customFields: { 'last purchase.date': 'yesterday' } } });
    expect(render(template, ctx)).toEqual({ variables: { v: 'yesterday' } });
  });

  it('a path the contact has no value for is a missing variable, named as written', () => {
    const template: MessageTemplate = {
      type: 'template',
      templateId: 't',
      variables: { a: '1', b: 'contact.custom.coupon' },
    };
    expect(render(template)).toEqual({ missing: 'contact.custom.coupon', reason: expect.any(String) });
  });

  it('a path does not reach inherited properties', () => {
    const template: MessageTemplate = {
      type: 'template',
      templateId: 't',
      variables: { v: 'contact.custom.toString' },
    };
    expect(render(template)).toEqual({ missing: 'contact.custom.toString', reason: expect.any(String) });
  });

  it('an empty map renders as an empty map', () => {
    expect(render({ type: 'template', templateId: 't', variables: {} })).toEqual({ variables: {} });
  });
});

describe('renderMessage: missing values', () => {
  const nobody: RenderContext['contact'] = { customFields: {} };

  it.each([
    ['Hi {{contact.name}}', 'contact.name'],
    ['Hi {{name}}', 'name'],
    ['Mail {{contact.email}}', 'contact.email'],
    ['Call {{phone}}', 'phone'],
    ['{{contact.custom.plan}}', 'contact.custom.plan'],
  ])('%s for a contact without it is missing %s', (template, missing) => {
    expect(render(text(template), context({ contact: nobody }))).toEqual({ missing, reason: expect.any(String) });
  });

  it('names the first missing variable', () => {
    const outcome = render(text('{{contact.name}} {{contact.custom.a}} {{contact.custom.b}}'), context());
    expect(outcome).toEqual({ missing: 'contact.custom.a', reason: expect.any(String) });
  });

  it('a custom field set to null counts as missing', () => {
    expect(render(text('From {{contact.custom.referrer}}'))).toEqual({
      missing: 'contact.custom.referrer',
      reason: expect.any(String),
    });
  });

  it('without an unsubscribe link, {{unsubscribe_link}} is missing', () => {
    const { unsubscribeLink: _, ...withoutLink } = context();
    expect(render(text('Stop: {{unsubscribe_link}}'), withoutLink)).toEqual({
      missing: 'unsubscribe_link',
      reason: expect.any(String),
    });
  });

  it('the default filter covers a missing value, a null custom field and an unknown variable', () => {
    const template = text(
      'Hi {{ contact.name | default: "friend" }}, {{ contact.custom.referrer | default: "direct" }}, {{ x | default: "friend" }}',
    );
    expect(contentOf(render(template, context({ contact: { customFields: { referrer: null } } })))).toBe(
      'Hi friend, direct, friend',
    );
  });

  it('an if handles a missing value', () => {
    const template = text('Hi{% if contact.name %} {{ contact.name }}{% endif %}!');
    expect(contentOf(render(template, context({ contact: nobody })))).toBe('Hi!');
  });

  it('a default after another filter does not excuse the missing value', () => {
    expect(render(text('{{ contact.name | upcase | default: "x" }}'), context({ contact: nobody }))).toEqual({
      missing: 'contact.name',
      reason: expect.any(String),
    });
  });
});

describe('renderMessage: the output guard', () => {
  it('never sends an object as [object Object]', () => {
    expect(render(text('{{ contact }}'))).toEqual({ missing: 'message_template.content', reason: expect.any(String) });
  });

  it('never sends braces that came from the data', () => {
    const ctx = context({ contact: { ...ana, name: 'Ana {{evil}}' } });
    expect(render(text('Hi {{ name }}'), ctx)).toEqual({
      missing: 'message_template.content',
      reason: expect.stringContaining('{{'),
    });
  });

  it('lets undefined and null through when the data holds them', () => {
    const ctx = context({ contact: { ...ana, customFields: { word: 'null and undefined' } } });
    expect(contentOf(render(text('{{ contact.custom.word }}'), ctx))).toBe('null and undefined');
    expect(contentOf(render(text('null, {{ name }}')))).toBe('null, Ana Souza');
  });

  it('a runtime failure of a template is reported, not thrown', () => {
    const outcome = render(text('{% for i in (1..100000000) %}x{% endfor %}'));
    expect(outcome).toEqual({ missing: 'message_template.content', reason: expect.stringContaining('render') });
  });
});

describe('current_date and current_time', () => {
  it.each([
    ['UTC', '2025-01-15', '23:30'],
    ['Asia/Tokyo', '2025-01-16', '08:30'],
    ['America/Sao_Paulo', '2025-01-15', '20:30'],
    ['Asia/Kolkata', '2025-01-16', '05:00'],
    ['Pacific/Kiritimati', '2025-01-16', '13:30'],
  ])('in %s: %s %s', (timeZone, date, time) => {
    expect(contentOf(render(text('{{current_date}} {{current_time}}'), context({ timeZone })))).toBe(`${date} ${time}`);
  });

  it('uses a 24-hour clock with leading zeros, midnight as 00', () => {
    expect(clockIn(new Date('2025-07-04T00:05:00Z'), 'UTC')).toEqual({ date: '2025-07-04', time: '00:05' });
    expect(clockIn(new Date('2025-07-04T13:00:00Z'), 'UTC')).toEqual({ date: '2025-07-04', time: '13:00' });
  });

  it('follows daylight saving time', () => {
    expect(clockIn(new Date('2025-01-15T12:00:00Z'), 'Europe/Lisbon').time).toBe('12:00');
    expect(clockIn(new Date('2025-07-15T12:00:00Z'), 'Europe/Lisbon').time).toBe('13:00');
  });

  it('an unknown time zone given explicitly is a RangeError (a caller bug, not contact data)', () => {
    expect(() => render(text('{{current_date}}'), context({ timeZone: 'Mars/Olympus' }))).toThrow(RangeError);
  });

  it('defaults to UTC', () => {
    const { timeZone: _, ...utc } = context({ timeZone: 'Asia/Tokyo' });
    expect(contentOf(render(text('{{current_date}} {{current_time}}'), utc))).toBe('2025-01-15 23:30');
  });

  it("renderContextFor uses the broadcast's time zone (issue 4), else UTC, whatever the contact's", () => {
    const compiled = compileMessageTemplate(text('{{current_time}} {{unsubscribe_link}}'));
    const contactInSaoPaulo = { ...ana, timezone: 'America/Sao_Paulo' };
    const inTokyo = renderContextFor(contactInSaoPaulo, { name: 'B', timezone: 'Asia/Tokyo' }, NOW, LINK);
    const nowhere = renderContextFor(contactInSaoPaulo, { name: 'B' }, NOW, LINK);
    const unknownZone = renderContextFor(ana, { name: 'B', timezone: 'Mars/Olympus' }, NOW, LINK);
    expect(contentOf(renderMessage(compiled, inTokyo))).toBe(`08:30 ${LINK}`);
    expect(contentOf(renderMessage(compiled, nowhere))).toBe(`23:30 ${LINK}`);
    expect(contentOf(renderMessage(compiled, unknownZone))).toBe(`23:30 ${LINK}`);
  });
});

describe('compileMessageTemplate: invalid templates', () => {
  it.each([
    ['an unclosed output', 'Hi {{ contact.name'],
    ['an unclosed tag', 'Hi {% if contact.name %}there'],
    ['an unknown filter', 'Hi {{ contact.name | shout }}'],
    ['an unknown tag', '{% frobnicate %}'],
    ['a tag that reads files', "{% include 'secrets' %}"],
    ['a render tag', "{% render '/etc/passwd' %}"],
    ['a stray closing brace pair', 'Hi }} there'],
    ['braces inside a raw block', '{% raw %}{{ name }}{% endraw %}'],
  ])('%s in the content is a 422 on message_template.content', (_, content) => {
    const error = compileError(text(content));
    expect(error.code).toBe('broadcast.invalid_template');
    expect(error.errors).toEqual([{ field: 'message_template.content', message: expect.any(String) }]);
  });

  it('names every invalid field, variables included', () => {
    const error = compileError({
      type: 'template',
      templateId: 't',
      content: '{{ name | nope }}',
      variables: { ok: 'contact.name', broken: '{{ name', filter: '{{ name | shout }}', literal: '50' },
    });
    expect(error.code).toBe('broadcast.invalid_template');
    expect(error.errors.map((e) => e.field)).toEqual([
      'message_template.content',
      'message_template.variables.broken',
      'message_template.variables.filter',
    ]);
    expect(error.errors[0]?.message).toContain('nope');
  });

  it('a template over the parse limit is a 422, not a crash', () => {
    const error = compileError(text(`${'x'.repeat(200_000)}{{ name }}`));
    expect(error.errors).toEqual([{ field: 'message_template.content', message: expect.stringContaining('limit') }]);
  });

  it('accepts braces inside a comment, which is never sent', () => {
    expect(contentOf(render(text('{% comment %} }} {% endcomment %}ok')))).toBe('ok');
  });

  it('validateMessageTemplate accepts a valid template and rejects an invalid one', () => {
    expect(() => validateMessageTemplate(text('Hi {{ name | default: "there" }}'))).not.toThrow();
    expect(() => validateMessageTemplate({ type: 'template', templateId: 'x', variables: { a: '{{' } })).toThrow(
      UnprocessableError,
    );
  });

  it('compiles once and renders for many contacts', () => {
    const compiled = compileMessageTemplate(text('Hi {{ name }}'));
    const names = ['Ana', 'Bia', 'Caio'];
    const outputs = names.map((name) =>
      contentOf(renderMessage(compiled, context({ contact: { name, customFields: {} } }))),
    );
    expect(outputs).toEqual(['Hi Ana', 'Hi Bia', 'Hi Caio']);
  });
});
