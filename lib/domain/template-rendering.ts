/**
 * Message personalisation with Liquid (liquidjs): a broadcast's template is compiled (parsed and
 * validated) once, then rendered once per contact.
 *
 * Variables a template can use:
 *   {{contact.name}} {{contact.email}} {{contact.phone}} {{contact.custom.X}}   the contact
 *   {{name}} {{email}} {{phone}}                                               the same, at the top level
 *   {{broadcast.name}}
 *   {{current_date}}  YYYY-MM-DD and {{current_time}}  HH:mm, both in the render's time zone
 *   {{unsubscribe_link}}
 * plus Liquid's filters and tags (`{{ contact.name | default: "friend" }}`, `{% if %}`, ...). The tags that
 * read files (include, render, layout) are removed.
 *
 * The `variables` map of a message template (parameters of a provider template): each value is one of
 *   - a reference: the value, trimmed, is exactly a variable name of the list above without braces
 *     (`contact.name`, `contact.custom.last_purchase`, `name`, `broadcast.name`, `current_date`, ...);
 *     it renders as that variable, and a missing value is a missing variable;
 *   - a Liquid template: the value contains `{{`, `}}`, `{%` or `%}` (`"{{ contact.name | upcase }}"`);
 *   - otherwise a literal, sent verbatim (`"50"`, `"Black Friday"`). A literal that happens to be spelled
 *     like a variable name is written as a Liquid string: `{{ "name" }}`.
 *
 * An e-mail's `subject` and `html` part are Liquid too, rendered with the same variables and the same rules; values
 * output into the HTML part are HTML-escaped (`| raw` opts one out), the subject is made one line. The text
 * (`content`) is never escaped.
 *
 * Missing values: a variable the contact has no value for (absent, or a custom field set to null) makes
 * the render return `{ missing }` unless a `default` filter (or an `if`) handles it. Nothing rendered ever
 * contains `{{`, `}}`, `[object Object]`, or the words `undefined`/`null` that neither the template nor the
 * data contains: such an output is reported as missing too, with a reason, and never sent.
 * (One liquidjs quirk: with lenientIf, `{% assign y = x %}` and `{% case x %}` read a missing x as empty
 * instead of failing; `{{ x }}`, `{% for %}` and filters other than a leading `default` do fail.)
 */
import {
  AssertionError,
  Liquid,
  LiquidError,
  RenderError,
  type Template,
  Tokenizer,
  TypeGuards,
  UndefinedVariableError,
} from 'liquidjs';
import type { Contact, CustomFieldValue } from './contact.js';
import { type FieldError, UnprocessableError } from './errors.js';
import type { MessageTemplate } from './message-template.js';
import { isTimeZone, wallClockIn } from './wall-clock.js';

/**
 * Two engines per process, the same policy but for escaping: their options are the whole policy, and parsing with
 * them is stateless. liquidjs decides escaping when it parses an output (it appends the escape filter to it), so an
 * e-mail's HTML part is parsed and rendered by `htmlLiquid` and everything else by `liquid`.
 */
const ENGINE_OPTIONS = {
  strictVariables: true,
  // With strictVariables, lets `{{ x | default: "y" }}` and `{% if x %}` handle a missing x.
  lenientIf: true,
  strictFilters: true,
  ownPropertyOnly: true,
  // Tenant-authored templates: bound what a single parse or render can cost.
  parseLimit: 100_000,
  renderLimit: 1_000,
  memoryLimit: 1_000_000,
} as const;
const liquid = new Liquid(ENGINE_OPTIONS);
/** The HTML part: every value output is HTML-escaped (`<` becomes `&lt;`) unless the template says `| raw`. */
const htmlLiquid = new Liquid({ ...ENGINE_OPTIONS, outputEscape: 'escape' });
for (const engine of [liquid, htmlLiquid]) {
  for (const fileTag of ['include', 'render', 'layout']) delete engine.tags[fileTag];
}

/** Ways a rendered value could still show template syntax or a programming artefact to a recipient. */
const LEAKS = ['{{', '}}'] as const;
/** In HTML, `}}` is ordinary CSS (`@media (...) { a { color: red }}`): only a stray `{{` betrays a template. */
const HTML_LEAKS = ['{{'] as const;
type Leaks = typeof LEAKS | typeof HTML_LEAKS;

/** The longest subject kept: RFC 5322 bounds a header line at 998 characters, the field name and folding included. */
export const MAX_SUBJECT_CHARS = 900;
const SUSPICIOUS_WORDS = /\b(?:undefined|null)\b|\[object Object\]/g;

const REFERENCE =
  /^(?:contact\.(?:name|email|phone)|contact\.custom\..+|name|email|phone|broadcast\.name|current_date|current_time|unsubscribe_link)$/s;
const LIQUID_MARKUP = /\{\{|\}\}|\{%|%\}/;

type CompiledText =
  | { kind: 'liquid'; field: string; source: string; templates: Template[]; engine: Liquid; leaks: Leaks }
  | { kind: 'reference'; field: string; source: string; path: string }
  | { kind: 'literal'; field: string; source: string; value: string };

export interface CompiledMessageTemplate {
  readonly template: MessageTemplate;
  readonly content?: CompiledText;
  readonly subject?: CompiledText;
  readonly html?: CompiledText;
  readonly variables?: ReadonlyArray<readonly [name: string, value: CompiledText]>;
}

/**
 * What one contact receives: the rendered body and provider-template parameters, and an e-mail's subject and HTML
 * part, when the template has them.
 */
export interface RenderedMessage {
  content?: string;
  variables?: Record<string, string>;
  /** One line: line breaks a value brought in are spaces. */
  subject?: string;
  html?: string;
}

/**
 * The contact cannot get this message. `missing` names the first variable without a value (as the template
 * wrote it, e.g. `contact.custom.plan`), or the field whose output failed the guard.
 */
export interface MissingVariable {
  missing: string;
  reason: string;
}

export type RenderOutcome = RenderedMessage | MissingVariable;

export interface RenderContext {
  contact: Pick<Contact, 'name' | 'email' | 'phone' | 'customFields'>;
  broadcast: { name: string };
  now: Date;
  /** IANA time zone for current_date and current_time; UTC when absent. */
  timeZone?: string;
  /** The contact's signed unsubscribe link; when absent, `{{unsubscribe_link}}` is a missing variable. */
  unsubscribeLink?: string;
}

export function isMissing(outcome: RenderOutcome): outcome is MissingVariable {
  return 'missing' in outcome;
}

/**
 * Parses the content, the subject, the HTML part and every `variables` value once. Invalid syntax, an unknown
 * filter or tag, or a stray `{{`/`}}` that would be sent as is (in HTML: a stray `{{`): UnprocessableError
 * `broadcast.invalid_template`, one error per field (`message_template.content`, `message_template.subject`,
 * `message_template.html`, `message_template.variables.<name>`).
 */
export function compileMessageTemplate(template: MessageTemplate): CompiledMessageTemplate {
  const errors: FieldError[] = [];
  const compile = (field: string, source: string, kind: TextKind = 'text'): CompiledText | undefined => {
    try {
      return compileText(field, source, kind);
    } catch (error) {
      errors.push({ field, message: describeParseError(error) });
      return undefined;
    }
  };
  const content = template.content === undefined ? undefined : compile('message_template.content', template.content);
  const subject = template.subject === undefined ? undefined : compile('message_template.subject', template.subject);
  const html = template.html === undefined ? undefined : compile('message_template.html', template.html, 'html');
  const variables: [string, CompiledText][] = [];
  for (const [name, value] of Object.entries(template.variables ?? {})) {
    const compiled = compile(`message_template.variables.${name}`, value, 'variable');
    if (compiled) variables.push([name, compiled]);
  }
  if (errors.length > 0) {
    throw new UnprocessableError(
      'broadcast.invalid_template',
      `the message template is not valid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
      errors,
    );
  }
  return {
    template,
    ...(content ? { content } : {}),
    ...(subject ? { subject } : {}),
    ...(html ? { html } : {}),
    ...(template.variables !== undefined ? { variables } : {}),
  };
}

/**
 * For the create and update use cases (and execute): throws as compileMessageTemplate does, and also when a trial
 * render for a sample contact exceeds the engine's limits (a huge loop, a string doubled until it fills memory):
 * such a template would fail for every contact at send time. Keeps nothing.
 */
export function validateMessageTemplate(template: MessageTemplate): void {
  assertRendersWithinLimits(compileMessageTemplate(template));
}

/** A contact with every standard field, for the trial render. */
const SAMPLE_CONTEXT: RenderContext = {
  contact: { name: 'Sample Contact', email: 'sample@example.com', phone: '+15555550100', customFields: {} },
  broadcast: { name: 'Sample broadcast' },
  now: new Date(0),
  unsubscribeLink: 'https://example.com/unsubscribe/sample',
};

/**
 * Renders each Liquid text once for SAMPLE_CONTEXT with the engine's limits, missing variables rendered empty (so
 * the render runs past a custom field the sample lacks). Only exceeding a limit is an error here: anything else
 * depends on a contact's data, and is that contact's `missing_variable` at send time.
 */
function assertRendersWithinLimits(compiled: CompiledMessageTemplate): void {
  const scope = scopeOf(SAMPLE_CONTEXT);
  const texts = [
    ...[compiled.content, compiled.subject, compiled.html].filter((text) => text !== undefined),
    ...(compiled.variables ?? []).map(([, v]) => v),
  ];
  const errors: FieldError[] = [];
  for (const text of texts) {
    if (text.kind !== 'liquid') continue;
    try {
      text.engine.renderSync(text.templates, scope, { strictVariables: false });
    } catch (error) {
      if (isLimitError(error)) {
        errors.push({ field: text.field, message: `cannot render within the limits: ${(error as Error).message}` });
      }
    }
  }
  if (errors.length > 0) {
    throw new UnprocessableError(
      'broadcast.invalid_template',
      `the message template cannot render within its limits: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
      errors,
    );
  }
}

/** liquidjs enforces renderLimit and memoryLimit with an AssertionError, wrapped in a RenderError while rendering. */
function isLimitError(error: unknown): boolean {
  return (
    error instanceof AssertionError || (error instanceof RenderError && error.originalError instanceof AssertionError)
  );
}

/**
 * Renders a compiled template for one contact. Never throws for a contact's data: problems come back as
 * `{ missing }`. An unknown `context.timeZone` is the caller's bug: RangeError.
 */
export function renderMessage(compiled: CompiledMessageTemplate, context: RenderContext): RenderOutcome {
  const scope = scopeOf(context);
  const rendered: RenderedMessage = {};
  if (compiled.content) {
    const text = renderText(compiled.content, scope, context);
    if (typeof text !== 'string') return text;
    rendered.content = text;
  }
  if (compiled.subject) {
    const text = renderText(compiled.subject, scope, context);
    if (typeof text !== 'string') return text;
    const subject = oneLineSubject(text);
    if (subject === '') return { missing: compiled.subject.field, reason: 'the subject rendered empty' };
    rendered.subject = subject;
  }
  if (compiled.html) {
    const text = renderText(compiled.html, scope, context);
    if (typeof text !== 'string') return text;
    rendered.html = text;
  }
  if (compiled.variables) {
    const variables: Record<string, string> = {};
    for (const [name, value] of compiled.variables) {
      const text = renderText(value, scope, context);
      if (typeof text !== 'string') return text;
      variables[name] = text;
    }
    rendered.variables = variables;
  }
  return rendered;
}

/**
 * A subject is one header line: line breaks and other control characters a value brought in become single spaces
 * (a line break in a header would end it), and it is cut at MAX_SUBJECT_CHARS.
 */
function oneLineSubject(text: string): string {
  const line = text.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  if (line.length <= MAX_SUBJECT_CHARS) return line;
  const kept = line.slice(0, MAX_SUBJECT_CHARS);
  return /[\uD800-\uDBFF]$/.test(kept) ? kept.slice(0, -1) : kept;
}

/**
 * The render context for a contact, with current_date/current_time in the broadcast's time zone: UTC
 * when it has none (or, stored before validation, one this runtime does not know).
 */
export function renderContextFor(
  contact: Pick<Contact, 'name' | 'email' | 'phone' | 'customFields'>,
  broadcast: { name: string; timezone?: string | undefined },
  now: Date,
  unsubscribeLink?: string,
): RenderContext {
  return {
    contact,
    broadcast: { name: broadcast.name },
    now,
    timeZone: broadcast.timezone && isTimeZone(broadcast.timezone) ? broadcast.timezone : 'UTC',
    ...(unsubscribeLink !== undefined ? { unsubscribeLink } : {}),
  };
}

/** `variable`: a `variables` value, which may be a bare reference; `html`: an e-mail's HTML part, escaped. */
type TextKind = 'text' | 'variable' | 'html';

function compileText(field: string, source: string, kind: TextKind): CompiledText {
  if (LIQUID_MARKUP.test(source)) {
    const engine = kind === 'html' ? htmlLiquid : liquid;
    const leaks = kind === 'html' ? HTML_LEAKS : LEAKS;
    const templates = engine.parse(source);
    assertNoStrayBraces(source, leaks);
    return { kind: 'liquid', field, source, templates, engine, leaks };
  }
  if (kind === 'variable') {
    const path = source.trim();
    if (REFERENCE.test(path)) return { kind: 'reference', field, source, path };
  }
  return { kind: 'literal', field, source, value: source };
}

/**
 * Text outside Liquid markup is sent as written, so `}}` there (or `{{` inside a raw block) could only
 * ever produce a message the guard refuses: reject it now rather than skip every contact later.
 */
function assertNoStrayBraces(source: string, leaks: Leaks): void {
  const tokens = new Tokenizer(source, liquid.options.operators).readTopLevelTokens(liquid.options);
  let inComment = 0;
  for (const token of tokens) {
    if (TypeGuards.isTagToken(token)) {
      if (token.name === 'comment') inComment++;
      else if (token.name === 'endcomment') inComment = Math.max(0, inComment - 1);
    } else if (TypeGuards.isHTMLToken(token) && inComment === 0) {
      const text = token.getContent();
      const leak = leaks.find((braces) => text.includes(braces));
      if (leak) {
        const { line, col } = position(source, token.begin);
        throw new TemplateSyntaxError(
          `"${leak}" outside a Liquid output or tag would be sent as is, line:${line}, col:${col}`,
        );
      }
    }
  }
}

class TemplateSyntaxError extends Error {}

function position(source: string, offset: number): { line: number; col: number } {
  const before = source.slice(0, offset).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}

function describeParseError(error: unknown): string {
  // AssertionError: a limit (parseLimit) that liquidjs enforces outside its LiquidError family.
  if (error instanceof LiquidError || error instanceof AssertionError || error instanceof TemplateSyntaxError) {
    return error.message;
  }
  throw error;
}

interface Scope {
  contact: { name?: string; email?: string; phone?: string; custom: Record<string, string | number | boolean> };
  name?: string;
  email?: string;
  phone?: string;
  broadcast: { name: string };
  current_date: string;
  current_time: string;
  unsubscribe_link?: string;
}

function scopeOf(context: RenderContext): Scope {
  const { contact } = context;
  const own = defined({ name: contact.name, email: contact.email, phone: contact.phone });
  const { date, time } = clockIn(context.now, context.timeZone ?? 'UTC');
  return {
    contact: { ...own, custom: presentCustomFields(contact.customFields) },
    ...own,
    broadcast: { name: context.broadcast.name },
    current_date: date,
    current_time: time,
    ...(context.unsubscribeLink !== undefined ? { unsubscribe_link: context.unsubscribeLink } : {}),
  };
}

/** A custom field set to null has no value: it is left out, so it is missing (and `default` applies). */
function presentCustomFields(fields: Record<string, CustomFieldValue>): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== null && value !== undefined),
  ) as Record<string, string | number | boolean>;
}

function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

function renderText(text: CompiledText, scope: Scope, context: RenderContext): string | MissingVariable {
  let output: string;
  switch (text.kind) {
    case 'literal':
      return text.value;
    case 'reference': {
      const value = resolveReference(scope, text.path);
      if (value === undefined) return { missing: text.path, reason: `no value for ${text.path}` };
      output = String(value);
      break;
    }
    case 'liquid':
      try {
        output = String(text.engine.renderSync(text.templates, scope));
      } catch (error) {
        const variable = undefinedVariable(error);
        if (variable) return { missing: variable, reason: `no value for ${variable}` };
        return { missing: text.field, reason: `the template failed to render: ${(error as Error).message}` };
      }
      break;
  }
  return guard(text, output, context);
}

function resolveReference(scope: Scope, path: string): string | number | boolean | undefined {
  if (path.startsWith('contact.custom.')) {
    const key = path.slice('contact.custom.'.length);
    return Object.hasOwn(scope.contact.custom, key) ? scope.contact.custom[key] : undefined;
  }
  if (path.startsWith('contact.')) return scope.contact[path.slice('contact.'.length) as 'name' | 'email' | 'phone'];
  if (path === 'broadcast.name') return scope.broadcast.name;
  return scope[path as 'name' | 'email' | 'phone' | 'current_date' | 'current_time' | 'unsubscribe_link'];
}

function undefinedVariable(error: unknown): string | undefined {
  if (!(error instanceof UndefinedVariableError)) return undefined;
  const original = error.originalError as { variableName?: unknown } | undefined;
  if (typeof original?.variableName === 'string') return original.variableName;
  return /undefined variable: ([^,\s]+)/.exec(error.message)?.[1] ?? 'unknown';
}

/** The last line of defence: an output that would show template syntax or a programming artefact is not sent. */
function guard(text: CompiledText, output: string, context: RenderContext): string | MissingVariable {
  const leaks = text.kind === 'liquid' ? text.leaks : LEAKS;
  const leak = leaks.find((braces) => output.includes(braces));
  if (leak) return { missing: text.field, reason: `the rendered text still contains "${leak}"` };
  for (const [word] of output.matchAll(SUSPICIOUS_WORDS)) {
    if (!text.source.includes(word) && !dataContains(context, word)) {
      return { missing: text.field, reason: `the rendered text contains "${word}", which no value holds` };
    }
  }
  return output;
}

function dataContains(context: RenderContext, word: string): boolean {
  const { contact } = context;
  const values: unknown[] = [
    contact.name,
    contact.email,
    contact.phone,
    ...Object.keys(contact.customFields),
    ...Object.values(contact.customFields),
    context.broadcast.name,
    context.unsubscribeLink,
  ];
  return values.some((value) => typeof value === 'string' && value.includes(word));
}

/** The wall-clock date (YYYY-MM-DD) and time (HH:mm) of `now` in an IANA time zone. Throws RangeError for an unknown zone. */
export function clockIn(now: Date, timeZone: string): { date: string; time: string } {
  const c = wallClockIn(now, timeZone);
  return { date: `${c.year}-${c.month}-${c.day}`, time: `${c.hour}:${c.minute}` };
}
