import { createHash } from 'node:crypto';
import type { Broadcast } from './broadcast.js';
import type { BroadcastExecution } from './broadcast-execution.js';
import type { Contact } from './contact.js';
import { formatExecutionReference } from './execution-reference.js';
import type { MessageTemplate } from './message-template.js';
import type { RenderedMessage } from './template-rendering.js';

/** One rendered message for one contact, as a channel adapter delivers it. */
export interface OutboundMessage {
  /** Stable per (broadcast, contact): a retry carries the same key, so a receiver can de-duplicate. */
  idempotencyKey: string;
  tenantId: string;
  broadcastId: string;
  executionId: string;
  /** Where the execution lives (formatExecutionReference), for providers that echo it back with receipts. */
  executionReference: string;
  contact: { id: string; name?: string; email?: string; phone?: string };
  /** The broadcast's template as rendered for the contact. */
  message: MessageTemplate;
  /**
   * The contact's signed unsubscribe link, as `{{unsubscribe_link}}` renders: an e-mail carries it in its
   * `List-Unsubscribe` header whether or not the template shows it. Set for every send the pipeline makes.
   */
  unsubscribeLink?: string;
}

/** Stable per (tenant, broadcast, contact): every attempt for a contact carries the same key. */
export function idempotencyKeyFor(tenantId: string, broadcastId: string, contactId: string): string {
  return `bc_${createHash('sha256').update(`${tenantId}|${broadcastId}|${contactId}`).digest('hex').slice(0, 40)}`;
}

/**
 * The message one contact gets: the contact's addresses, the broadcast's template as rendered for them, the key
 * that makes every attempt for this contact the same message to a channel that de-duplicates, and the contact's
 * unsubscribe link (the one the render was given).
 */
export function composeOutboundMessage(
  broadcast: Pick<Broadcast, 'tenantId' | 'id' | 'messageTemplate'>,
  execution: Pick<BroadcastExecution, 'id' | 'chunk'>,
  contact: Pick<Contact, 'id' | 'name' | 'email' | 'phone'>,
  rendered: RenderedMessage,
  unsubscribeLink?: string,
): OutboundMessage {
  const template = broadcast.messageTemplate;
  return {
    idempotencyKey: idempotencyKeyFor(broadcast.tenantId, broadcast.id, contact.id),
    tenantId: broadcast.tenantId,
    broadcastId: broadcast.id,
    executionId: execution.id,
    executionReference: formatExecutionReference({
      executionId: execution.id,
      broadcastId: broadcast.id,
      chunk: execution.chunk ?? 0,
      contactId: contact.id,
    }),
    contact: {
      id: contact.id,
      ...(contact.name ? { name: contact.name } : {}),
      ...(contact.email ? { email: contact.email } : {}),
      ...(contact.phone ? { phone: contact.phone } : {}),
    },
    message: {
      type: template.type,
      ...(rendered.content !== undefined ? { content: rendered.content } : {}),
      ...(template.templateId ? { templateId: template.templateId } : {}),
      ...(rendered.variables ? { variables: rendered.variables } : {}),
      ...(template.mediaUrl ? { mediaUrl: template.mediaUrl } : {}),
      ...(template.language ? { language: template.language } : {}),
      ...(rendered.subject !== undefined ? { subject: rendered.subject } : {}),
      ...(rendered.html !== undefined ? { html: rendered.html } : {}),
    },
    ...(unsubscribeLink !== undefined ? { unsubscribeLink } : {}),
  };
}
