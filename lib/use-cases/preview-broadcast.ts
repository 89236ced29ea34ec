import type { MessageTemplate } from '../domain/message-template.js';
import {
  compileMessageTemplate,
  isMissing,
  type RenderedMessage,
  renderContextFor,
  renderMessage,
} from '../domain/template-rendering.js';
import type { UnsubscribeLinks } from '../ports/unsubscribe-links.js';
import { getBroadcast } from './broadcast-commands.js';
import { getContact } from './contact-queries.js';
import type { UseCaseDeps } from './deps.js';

export type PreviewDeps = Pick<UseCaseDeps, 'broadcasts' | 'contacts' | 'clock'> & {
  unsubscribeLinks: UnsubscribeLinks;
};

export interface BroadcastPreview {
  broadcastId: string;
  contactId: string;
  template: MessageTemplate;
  /** What the contact would receive now; absent when a variable is missing. */
  message?: RenderedMessage;
  /** The first variable the contact has no value for: sending would skip it with `missing_variable`. */
  missing?: string;
  reason?: string;
  /** The contact has opted out: sending would skip it with `opted_out`. */
  optedOut: boolean;
}

/**
 * POST /broadcasts/:id/preview: the broadcast's message rendered for one of the tenant's contacts, as the
 * sender would render it now (current_date/current_time in the broadcast's time zone, a real signed
 * unsubscribe link), without sending or recording anything. 404 when either is not the tenant's.
 */
export async function previewBroadcast(
  deps: PreviewDeps,
  tenantId: string,
  broadcastId: string,
  contactId: string,
): Promise<BroadcastPreview> {
  const broadcast = await getBroadcast(deps, tenantId, broadcastId);
  const contact = await getContact(deps, tenantId, contactId);
  const compiled = compileMessageTemplate(broadcast.messageTemplate);
  const link = deps.unsubscribeLinks.linkFor({ tenantId, contactId: contact.id, broadcastId: broadcast.id });
  const outcome = renderMessage(compiled, renderContextFor(contact, broadcast, deps.clock.now(), link));
  const base = {
    broadcastId: broadcast.id,
    contactId: contact.id,
    template: broadcast.messageTemplate,
    optedOut: contact.optedOut,
  };
  return isMissing(outcome)
    ? { ...base, missing: outcome.missing, reason: outcome.reason }
    : { ...base, message: outcome };
}
