import { UnprocessableError } from '../../../lib/domain/errors.js';
import {
  assertTemplateFitsChannel,
  type MessageTemplate,
  templateProblemsFor,
} from '../../../lib/domain/message-template.js';
import {
  compileMessageTemplate,
  isMissing,
  MAX_SUBJECT_CHARS,
  type RenderContext,
  type RenderOutcome,
  renderMessage,
  validateMessageTemplate,
} from '../../../lib/domain/template-rendering.js';

const LINK = 'https://broadcast.example/unsubscribe/abc.def';

function context(contact: Partial<RenderContext['contact']> = {}): RenderContext {
  return {
    contact: { name: 'Ana', email: 'ana@example.com', customFields: { plan: 'gold' }, ...contact },
    broadcast: { name: 'Black Friday' },
    now: new Date('2025-01-15T12:00:00Z'),
    unsubscribeLink: LINK,
  };
}

const email = (fields: Partial<MessageTemplate>): MessageTemplate => ({
  type: 'text',
  content: 'Hi {{ name }}',
  subject: 'Hello {{ name }}',
  ...fields,
});

function render(template: MessageTemplate, ctx = context()): RenderOutcome {
  return renderMessage(compileMessageTemplate(template), ctx);
}

describe('an e-mail template: subject and HTML part', () => {
  it('renders the subject, the text part and the HTML part for each contact with the same variables', () => {
    // Prepare
    const template = email({
      subject: '{{ contact.name }}, your {{ contact.custom.plan }} offer',
      content: 'Hi {{ name }}. Stop: {{ unsubscribe_link }}',
      html: '<p>Hi {{ name }}</p><a href="{{ unsubscribe_link }}">Unsubscribe</a>',
    });

    // Act
    const outcome = render(template);

    // Assess
    expect(outcome).toEqual({
      content: `Hi Ana. Stop: ${LINK}`,
      subject: 'Ana, your gold offer',
      html: `<p>Hi Ana</p><a href="${LINK}">Unsubscribe</a>`,
    });
  });

  it('escapes values inserted into the HTML part, and only there', () => {
    // Prepare
    const name = '<script>alert("x")</script> & Co';
    const template = email({ subject: 'For {{ name }}', content: 'For {{ name }}', html: '<p>For {{ name }}</p>' });

    // Act
    const outcome = render(template, context({ name }));

    // Assess
    expect(outcome).toMatchObject({
      subject: `For ${name}`,
      content: `For ${name}`,
      html: '<p>For &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co</p>',
    });
  });

  it('`| raw` opts a value out of escaping in the HTML part', () => {
    const outcome = render(
      email({ html: '<div>{{ contact.custom.snippet | raw }}</div>' }),
      context({ customFields: { snippet: '<b>hi</b>' } }),
    );
    expect(outcome).toMatchObject({ html: '<div><b>hi</b></div>' });
  });

  it('keeps CSS braces in the HTML part (`}}` is ordinary there), still refuses a stray `{{`', () => {
    // Prepare
    const css = '<style>@media (max-width:600px){.a{color:red}}</style><p>{{ name }}</p>';

    // Act and assess
    expect(render(email({ html: css }))).toMatchObject({
      html: '<style>@media (max-width:600px){.a{color:red}}</style><p>Ana</p>',
    });
    expect(() => compileMessageTemplate(email({ html: '<p>{% raw %}{{{% endraw %} name</p>' }))).toThrow(
      UnprocessableError,
    );
    expect(() => compileMessageTemplate(email({ subject: 'a }} b' }))).toThrow(UnprocessableError);
  });

  it('a contact missing a value of the subject or the HTML part is a missing variable, named', () => {
    expect(render(email({ subject: 'Your {{ contact.custom.coupon }}' }))).toEqual({
      missing: 'contact.custom.coupon',
      reason: expect.any(String),
    });
    expect(render(email({ html: '<p>{{ contact.phone }}</p>' }))).toEqual({
      missing: 'contact.phone',
      reason: expect.any(String),
    });
    expect(render(email({ html: '<p>{{ contact.phone | default: "friend" }}</p>' }))).toMatchObject({
      html: '<p>friend</p>',
    });
  });

  it('a subject is one line: line breaks a value brings are spaces; one that renders empty is missing', () => {
    expect(render(email({ subject: '{{ name }}\nnews' }), context({ name: 'Ana\r\nBcc: x@y.z' }))).toMatchObject({
      subject: 'Ana Bcc: x@y.z news',
    });
    const empty = render(email({ subject: '{{ contact.custom.none | default: "" }}' }));
    expect(isMissing(empty) && empty).toEqual({
      missing: 'message_template.subject',
      reason: 'the subject rendered empty',
    });
  });

  it(`cuts a subject at ${MAX_SUBJECT_CHARS} characters`, () => {
    const outcome = render(email({ subject: '{{ name }}' }), context({ name: 'x'.repeat(5000) }));
    expect(isMissing(outcome) ? undefined : outcome.subject).toHaveLength(MAX_SUBJECT_CHARS);
  });

  it('names the field of a subject or HTML part that is not valid Liquid', () => {
    try {
      compileMessageTemplate(email({ subject: 'Hi {{ name ', html: '{% if %}' }));
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).errors.map((e) => e.field)).toEqual([
        'message_template.subject',
        'message_template.html',
      ]);
    }
  });

  it('refuses an HTML part that cannot render within the limits, like the content', () => {
    // A string doubled until it outgrows the engine's memory limit (a count, not a time: the same on any machine).
    const huge = '{% assign s = "xxxxxxxxxx" %}{% for i in (1..20) %}{% assign s = s | append: s %}{% endfor %}{{ s }}';
    expect(() => validateMessageTemplate(email({ html: huge }))).toThrow(UnprocessableError);
  });
});

describe('templateProblemsFor: what an e-mail channel needs', () => {
  it.each([
    ['a text message with a subject', email({}), []],
    ['no subject', email({ subject: undefined }), ['message_template.subject']],
    ['a blank subject', email({ subject: '  ' }), ['message_template.subject']],
    [
      'a template message',
      { type: 'template', templateId: 'promo' } satisfies MessageTemplate,
      ['message_template.type', 'message_template.subject'],
    ],
  ] as const)('%s', (_what, template, fields) => {
    expect(templateProblemsFor(template, 'email_ses').map((p) => p.field)).toEqual(fields);
  });

  it('other channel types need nothing more', () => {
    for (const type of ['log', 'webhook', 'whatsapp']) {
      expect(templateProblemsFor({ type: 'template' }, type)).toEqual([]);
    }
  });

  it('assertTemplateFitsChannel: a 422 broadcast.template_unfit_for_channel naming the fields', () => {
    try {
      assertTemplateFitsChannel({ type: 'text' }, { id: 'c-1', type: 'email_ses' });
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).code).toBe('broadcast.template_unfit_for_channel');
      expect((error as UnprocessableError).errors).toEqual([
        { field: 'message_template.subject', message: 'an e-mail needs a subject' },
      ]);
    }
    expect(() => assertTemplateFitsChannel(email({}), { id: 'c-1', type: 'email_ses' })).not.toThrow();
  });
});
