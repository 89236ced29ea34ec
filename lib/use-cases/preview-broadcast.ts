import type { Channel } from '../domain/channel.js';
import { UnprocessableError } from '../domain/errors.js';
import type { MessageTemplate } from '../domain/message-template.js';
import { smsPartsOfMessage } from '../domain/sms-message.js';
import type { SmsParts } from '../domain/sms-parts.js';
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
import { resolveChannel } from './resolve-channel.js';

export type PreviewDeps = Pick<UseCaseDeps, 'broadcasts' | 'contacts' | 'clock' | 'channels' | 'defaultChannel'> & {
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
  /** On an sms channel: the message parts the rendered text takes (what the channel's cap and AWS's price count). */
  sms?: SmsParts;
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
  if (isMissing(outcome)) return { ...base, missing: outcome.missing, reason: outcome.reason };
  const channel = await channelOf(deps, tenantId, broadcast);
  if (channel?.type !== 'sms') return { ...base, message: outcome };
  const sms = smsPartsOfMessage({ ...broadcast.messageTemplate, content: outcome.content });
  return { ...base, message: outcome, sms };
}

/** The channel the broadcast would send through; none (yet) is no reason to refuse a preview. */
async function channelOf(
  deps: PreviewDeps,
  tenantId: string,
  broadcast: Parameters<typeof resolveChannel>[2],
): Promise<Channel | undefined> {
  try {
    return await resolveChannel(deps, tenantId, broadcast);
  } catch (error) {
    if (error instanceof UnprocessableError) return undefined;
    throw error;
  }
}
