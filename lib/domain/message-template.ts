/** What a broadcast sends. Which fields are required depends on `type`. */
export type MessageType = 'text' | 'template' | 'media';

export interface MessageTemplate {
  type: MessageType;
  /** The body (text), or the caption (media). Liquid syntax: {{contact.name}}. */
  content?: string;
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
  };
}
