import type { OutboundMessage } from './outbound-message.js';
import { PROVIDER_TAGS } from './provider-tags.js';
import { type SmsParts, smsPartsOf } from './sms-parts.js';

/** AWS End User Messaging SMS takes a MessageBody of 1 to 1,600 characters. */
export const MAX_SMS_BODY_CHARS = 1600;

/**
 * The keys of SendTextMessage's `Context`, which AWS echoes in every event of the message (`detail.context`): the
 * execution reference (execution-reference.ts, `x1.…`; a test send's `t1.…`) finds the execution with one read, the
 * tenant id says whose it is (and lets the stage's EventBridge rule keep its own tenant's events). The names are the
 * ones the provider events consumer reads (`bc_tenant`, `bc_ref`: the same as an e-mail's tags).
 */
export const SMS_CONTEXT_KEYS = {
  executionReference: PROVIDER_TAGS.reference,
  tenantId: PROVIDER_TAGS.tenant,
} as const;

/**
 * The text an SMS carries for a message as rendered for one contact: SMS has no provider templates and no media, so
 * - `text`: its content;
 * - `media`: its content (the caption), then the media URL on a line of its own (the recipient opens the link);
 * - `template`: its content (rendered like any text); a template message without content has nothing an SMS could
 *   carry: undefined, the same for every contact (the channel refuses the broadcast as it stands).
 */
export function smsBodyOf(message: OutboundMessage['message']): string | undefined {
  const content = message.content;
  if (message.type === 'media' && message.mediaUrl !== undefined) {
    return content !== undefined && content.trim() !== '' ? `${content}\n${message.mediaUrl}` : message.mediaUrl;
  }
  return content;
}

/** The message parts of a message's SMS text (one, for a message with none: it is refused, not split). */
export function smsPartsOfMessage(message: OutboundMessage['message']): SmsParts {
  return smsPartsOf(smsBodyOf(message) ?? '');
}
