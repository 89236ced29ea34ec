import { UnprocessableError } from './errors.js';

/** What a broadcast sends. Which fields are required depends on `type`. */
export type MessageType = 'text' | 'template' | 'media';

export interface MessageTemplate {
  type: MessageType;
  /** The body (text), or the caption (media); an e-mail's text part. Liquid syntax: {{contact.name}}. */
  content?: string;
  /** An e-mail's subject (Liquid); required where the channel sends e-mail (see templateProblemsFor). */
  subject?: string;
  /**
   * An e-mail's HTML part (Liquid), optional: sent beside the text part. Values inserted into it are HTML-escaped
   * (`{{ contact.name }}` of `<b>` shows as `&lt;b&gt;`); `| raw` opts a value out.
   */
  html?: string;
  /** The provider-side template name (e.g. a WhatsApp approved template). */
  templateId?: string;
  /** Template parameters: each value is a contact path such as `contact.name`, or a literal such as "50". */
  variables?: Record<string, string>;
  mediaUrl?: string;
  /**
   * A `template` message's language and locale, as the provider approved the template in (WhatsApp: `en_US`,
   * `pt_BR`, `es`...). Unset: the channel's default (`en_US` for WhatsApp).
   */
  language?: string;
}

/** A WhatsApp template language code: `en`, `pt_BR`, `fil`, `zh_CN` (a language, and a region when it has one). */
export const TEMPLATE_LANGUAGE_PATTERN = /^[a-z]{2,3}(?:_[A-Z]{2})?$/;

const REQUIRED_FIELD: Record<MessageType, { key: keyof MessageTemplate; field: string }> = {
  text: { key: 'content', field: 'content' },
  template: { key: 'templateId', field: 'template_id' },
  media: { key: 'mediaUrl', field: 'media_url' },
};

/** The snake_case name of the field this template type lacks, or undefined when it is complete. */
export function missingTemplateField(template: MessageTemplate): string | undefined {
  const { key, field } = REQUIRED_FIELD[template.type];
  const value = template[key];
  return typeof value === 'string' && value.trim() !== '' ? undefined : field;
}

/**
 * The template as the API presents it and the channels put it on the wire: snake_case, every field present,
 * null when unset (no variables: an empty object).
 */
export function toWireTemplate(template: MessageTemplate) {
  return {
    type: template.type,
    content: template.content ?? null,
    template_id: template.templateId ?? null,
    variables: template.variables ?? {},
    media_url: template.mediaUrl ?? null,
    language: template.language ?? null,
    subject: template.subject ?? null,
    html: template.html ?? null,
  };
}

/** A template field that the broadcast's channel needs and that it lacks. */
export interface TemplateProblem {
  field: string;
  message: string;
}

/** templateProblemsFor as a 422 `broadcast.template_unfit_for_channel`, naming every field at fault. */
export function assertTemplateFitsChannel(
  template: Pick<MessageTemplate, 'type' | 'subject'>,
  channel: { id: string; type: string },
): void {
  const problems = templateProblemsFor(template, channel.type);
  if (problems.length === 0) return;
  throw new UnprocessableError(
    'broadcast.template_unfit_for_channel',
    `the message template does not fit the ${channel.type} channel ${channel.id}: ` +
      problems.map((p) => `${p.field}: ${p.message}`).join('; '),
    problems,
  );
}

/**
 * What the channel type needs of a template beyond its own type's fields, checked where the channel is known (create
 * and update with a channel_id, execute, test-send): e-mail is a text message (`content` is the text part) with a
 * subject. Other channel types need nothing more (a `subject` or `html` they do not send is left unused).
 */
export function templateProblemsFor(
  template: Pick<MessageTemplate, 'type' | 'subject'>,
  channelType: string,
): TemplateProblem[] {
  if (channelType !== 'email_ses') return [];
  const problems: TemplateProblem[] = [];
  if (template.type !== 'text') {
    problems.push({ field: 'message_template.type', message: 'an e-mail channel sends text messages' });
  }
  if (template.subject === undefined || template.subject.trim() === '') {
    problems.push({ field: 'message_template.subject', message: 'an e-mail needs a subject' });
  }
  return problems;
}
