import fc from 'fast-check';
import { UnprocessableError } from '../../../lib/domain/errors.js';
import type { MessageTemplate } from '../../../lib/domain/message-template.js';
import {
  compileMessageTemplate,
  isMissing,
  type RenderContext,
  renderMessage,
} from '../../../lib/domain/template-rendering.js';

const CUSTOM_KEYS = ['plan', 'coupon', 'last_purchase_date', 'a b'];
const PATHS = [
  'contact.name',
  'contact.email',
  'contact.phone',
  'name',
  'email',
  'phone',
  'broadcast.name',
  'current_date',
  'current_time',
  'unsubscribe_link',
  ...CUSTOM_KEYS.map((key) => `contact.custom.${key}`),
  'unknown_variable',
];
const liquidPath = (path: string) =>
  path.startsWith('contact.custom.') ? `contact.custom["${path.slice('contact.custom.'.length)}"]` : path;

/** Strings as contacts hold them, salted with the words and braces the renderer must never invent. */
const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', 'null', 'undefined', '{{', '}}', '{{ name }}', '[object Object]', 'NaN', '{% if %}'),
);
const customValue = fc.oneof(value, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

const contact = fc.record(
  {
    name: value,
    email: value,
    phone: value,
    customFields: fc.dictionary(fc.constantFrom(...CUSTOM_KEYS), customValue),
  },
  { requiredKeys: ['customFields'] },
);

const path = fc.constantFrom(...PATHS);
const safeText = fc.string({ maxLength: 20 }).filter((s) => !/[{}]/.test(s));
const piece = fc.oneof(
  safeText,
  path.map((p) => `{{ ${liquidPath(p)} }}`),
  fc.tuple(path, safeText).map(([p, d]) => `{{ ${liquidPath(p)} | default: "${d.replaceAll('"', '')}" }}`),
  path.map((p) => `{% if ${liquidPath(p)} %}yes{% else %}no{% endif %}`),
  path.map((p) => `{{ ${liquidPath(p)} | upcase }}`),
);
const content = fc.array(piece, { maxLength: 6 }).map((pieces) => pieces.join(' '));
const variables = fc.dictionary(
  fc.constantFrom('v1', 'v2', 'v3'),
  fc.oneof(path, content, fc.string({ maxLength: 20 })),
);
const template: fc.Arbitrary<MessageTemplate> = fc
  .record({ content, variables }, { requiredKeys: [] })
  .map((t) => ({ type: 'template', templateId: 'promo', ...t }));

const words = ['undefined', 'null'];

describe('rendering, for arbitrary contacts and templates', () => {
  it('never throws, and never outputs braces, or undefined/null that neither data nor template holds', () => {
    fc.assert(
      fc.property(template, contact, value, (t, c, broadcastName) => {
        let compiled: ReturnType<typeof compileMessageTemplate>;
        try {
          compiled = compileMessageTemplate(t);
        } catch (error) {
          expect(error).toBeInstanceOf(UnprocessableError);
          return;
        }
        const ctx: RenderContext = {
          contact: c,
          broadcast: { name: broadcastName },
          now: new Date('2025-03-30T01:30:00Z'),
          timeZone: 'Europe/Lisbon',
          unsubscribeLink: 'https://x.example/unsubscribe/t.s',
        };
        const outcome = renderMessage(compiled, ctx);
        if (isMissing(outcome)) {
          expect(typeof outcome.missing).toBe('string');
          return;
        }
        const outputs = [outcome.content ?? '', ...Object.values(outcome.variables ?? {})];
        const sources = JSON.stringify([t, c, broadcastName]);
        for (const output of outputs) {
          expect(output).not.toContain('{{');
          expect(output).not.toContain('}}');
          if (output.includes('[object Object]')) expect(sources).toContain('[object Object]');
          for (const word of words) {
            if (new RegExp(`\\b${word}\\b`).test(output)) expect(sources).toContain(word);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('renders every value a contact has, verbatim, wherever the template asks for it', () => {
    const plain = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/[{}]|\bnull\b|\bundefined\b/.test(s));
    fc.assert(
      fc.property(plain, plain, (name, plan) => {
        const outcome = renderMessage(
          compileMessageTemplate({
            type: 'template',
            templateId: 't',
            content: 'Hi {{ name }} ({{ contact.custom.plan }})',
            variables: { n: 'contact.name', p: 'contact.custom.plan' },
          }),
          { contact: { name, customFields: { plan } }, broadcast: { name: 'B' }, now: new Date() },
        );
        expect(outcome).toEqual({ content: `Hi ${name} (${plan})`, variables: { n: name, p: plan } });
      }),
    );
  });

  it('with a default on every variable, nobody is ever missing', () => {
    const defaulted = fc
      .array(
        path.map((p) => `{{ ${liquidPath(p)} | default: "-" }}`),
        { minLength: 1, maxLength: 5 },
      )
      .map((pieces) => pieces.join(' '));
    fc.assert(
      fc.property(defaulted, contact, (content, c) => {
        const safe = {
          ...c,
          name: 'Ana',
          email: 'a@x.io',
          phone: '+5511999998888',
          customFields: Object.fromEntries(
            Object.entries(c.customFields).map(([k, v]) => [k, typeof v === 'string' ? 'ok' : v]),
          ),
        };
        const outcome = renderMessage(compileMessageTemplate({ type: 'text', content }), {
          contact: safe,
          broadcast: { name: 'B' },
          now: new Date(),
        });
        expect(isMissing(outcome)).toBe(false);
      }),
    );
  });
});
