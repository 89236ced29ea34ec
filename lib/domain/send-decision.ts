import type { Broadcast } from './broadcast.js';
import type { BroadcastExecution } from './broadcast-execution.js';
import { hasRequiredAddress, type RequiredAddress } from './channel.js';
import type { Contact } from './contact.js';
import { composeOutboundMessage, type OutboundMessage } from './outbound-message.js';
import { isSuppressed, type SuppressionKind } from './suppression.js';
import { isMissing, type RenderedMessage, type RenderOutcome } from './template-rendering.js';

export type CloseFields = Partial<Pick<BroadcastExecution, 'reason' | 'error'>>;

/** What the sender does with one open execution, decided before the chunk's lease is taken: send, or close it. */
export type SendDecision =
  | { execution: BroadcastExecution; outbound: OutboundMessage }
  | { execution: BroadcastExecution; close: 'failed' | 'skipped'; fields: CloseFields };

export interface SendContext {
  broadcast: Pick<Broadcast, 'tenantId' | 'id' | 'messageTemplate'>;
  requiredAddress: RequiredAddress;
  /** The suppressions the channel honours (suppressionKindFor): a contact whose address of that kind is suppressed gets nothing. */
  suppression: SuppressionKind | undefined;
  /** The channel de-duplicates by idempotency key: a send whose fate is unknown may be made again. */
  mayRepeat: boolean;
  /** The broadcast's template rendered for one contact (at the time of sending, with their unsubscribe link). */
  render: (contact: Contact) => RenderOutcome;
  /** The contact's unsubscribe link, the one `render` gives the template: it travels with the message (e-mail headers). */
  unsubscribeLink?: (contact: Contact) => string;
}

/**
 * Send or close one open execution while the broadcast runs. `maybeSent`: a sender that died held the contact in
 * flight, so the channel may already have the message; whatever the reason to stop now, that contact is not
 * "skipped" but failed as `outcome_unknown`, and it is only sent again where the channel de-duplicates.
 */
export function decideSend(
  execution: BroadcastExecution,
  contact: Contact | undefined,
  maybeSent: boolean,
  context: SendContext,
): SendDecision {
  const closeAs = (close: 'failed' | 'skipped', fields: CloseFields): SendDecision =>
    maybeSent ? { execution, close: 'failed', fields: { reason: 'outcome_unknown' } } : { execution, close, fields };
  if (maybeSent && !context.mayRepeat) return closeAs('failed', { reason: 'outcome_unknown' });
  const judged = judgeContact(contact, context);
  if ('skip' in judged) return closeAs('skipped', judged.skip);
  const link = context.unsubscribeLink?.(judged.contact);
  return {
    execution,
    outbound: composeOutboundMessage(context.broadcast, execution, judged.contact, judged.rendered, link),
  };
}

/** Why a contact gets no message now (the `reason` its execution is skipped with), or what it gets. */
export type ContactJudgement =
  | { skip: { reason: SkipReason; error?: string } }
  | { contact: Contact; rendered: RenderedMessage };

export type SkipReason = 'contact_deleted' | 'opted_out' | 'no_address' | 'suppressed' | 'missing_variable';

/**
 * Whether a contact can get the broadcast's message now, and the message rendered for them: the checks every send
 * makes, in one place and one order, for the broadcast's sends and for a test send alike. The template is rendered
 * only for a contact who passes the others.
 */
export function judgeContact(
  contact: Contact | undefined,
  context: Pick<SendContext, 'requiredAddress' | 'suppression' | 'render'>,
): ContactJudgement {
  if (!contact) return { skip: { reason: 'contact_deleted' } };
  if (contact.optedOut) return { skip: { reason: 'opted_out' } };
  if (!hasRequiredAddress(contact, context.requiredAddress)) return { skip: { reason: 'no_address' } };
  if (context.suppression !== undefined && isSuppressed(contact, context.suppression)) {
    return { skip: { reason: 'suppressed' } };
  }
  const rendered = context.render(contact);
  if (isMissing(rendered)) return { skip: { reason: 'missing_variable', error: rendered.reason } };
  return { contact, rendered };
}

/**
 * Close one open execution without sending: the broadcast was cancelled (`stopped`: skipped as `cancelled`), or
 * this is the last sweep (failed as `undeliverable`, keeping the last error). A contact a dead sender held in
 * flight (`maybeSent`) is failed as `outcome_unknown` either way.
 */
export function closeUnsent(execution: BroadcastExecution, stopped: boolean, maybeSent: boolean): SendDecision {
  if (maybeSent) return { execution, close: 'failed', fields: { reason: 'outcome_unknown' } };
  if (stopped) return { execution, close: 'skipped', fields: { reason: 'cancelled' } };
  return {
    execution,
    close: 'failed',
    fields: { reason: 'undeliverable', ...(execution.error ? { error: execution.error } : {}) },
  };
}

/** The broadcast's channel is gone: nothing of the chunk can be sent. */
export function failForNoChannel(execution: BroadcastExecution): SendDecision {
  return { execution, close: 'failed', fields: { reason: 'no_channel' } };
}
