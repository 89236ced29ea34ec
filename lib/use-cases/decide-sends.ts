import type { Broadcast } from '../domain/broadcast.js';
import type { BroadcastExecution } from '../domain/broadcast-execution.js';
import type { Channel } from '../domain/channel.js';
import type { Contact } from '../domain/contact.js';
import { UnprocessableError } from '../domain/errors.js';
import {
  closeUnsent,
  decideSend,
  failForNoChannel,
  type SendContext,
  type SendDecision,
} from '../domain/send-decision.js';
import { suppressionKindFor } from '../domain/suppression.js';
import { renderContextFor, renderMessage } from '../domain/template-rendering.js';
import type { ChannelSender } from '../ports/channel-sender.js';
import { compiledTemplateOf } from './compiled-templates.js';
import type { UseCaseDeps } from './deps.js';
import { resolveChannel } from './resolve-channel.js';

type Deps = Pick<UseCaseDeps, 'channels' | 'defaultChannel' | 'senders' | 'contacts' | 'unsubscribeLinks'>;

export interface SendPlan {
  decisions: SendDecision[];
  /** The broadcast's channel and its sender; absent when nothing is to be sent. */
  sender?: ChannelSender;
  channel?: Channel;
}

/**
 * Decides the fate of a chunk's open executions from what can be read now: the broadcast's channel, the contacts
 * (one read for the chunk) and the template rendered for each. Writes nothing. `stopped`: the broadcast was
 * cancelled; `finalize`: the last sweep; `suspects`: contacts a dead sender held in flight.
 */
export async function decideSends(
  deps: Deps,
  broadcast: Broadcast,
  open: readonly BroadcastExecution[],
  options: { stopped: boolean; finalize: boolean; suspects: ReadonlySet<string>; now: Date },
): Promise<SendPlan> {
  const { stopped, finalize, suspects, now } = options;
  if (stopped || finalize) {
    return { decisions: open.map((e) => closeUnsent(e, stopped, suspects.has(e.contactId))) };
  }
  const channel = await channelOf(deps, broadcast);
  if (!channel) return { decisions: open.map(failForNoChannel) };
  const sender = deps.senders.senderFor(channel);
  const compiled = compiledTemplateOf(broadcast);
  // Eventually consistent: half the read units; a change of the last second may not show yet.
  const found = await deps.contacts.findByIds(
    broadcast.tenantId,
    open.map((e) => e.contactId),
    { consistent: false },
  );
  const contacts = new Map(found.map((c) => [c.id, c]));
  const linkFor = (contact: Contact) =>
    deps.unsubscribeLinks.linkFor({ tenantId: broadcast.tenantId, contactId: contact.id, broadcastId: broadcast.id });
  const context: SendContext = {
    broadcast,
    requiredAddress: channel.requiredAddress,
    suppression: suppressionKindFor(channel),
    mayRepeat: sender.honoursIdempotencyKey,
    render: (contact) => renderMessage(compiled, renderContextFor(contact, broadcast, now, linkFor(contact))),
    unsubscribeLink: linkFor,
  };
  return {
    sender,
    channel,
    decisions: open.map((e) => decideSend(e, contacts.get(e.contactId), suspects.has(e.contactId), context)),
  };
}

/** The broadcast's channel, or undefined when it has none any more (deleted since the start). */
async function channelOf(deps: Deps, broadcast: Broadcast): Promise<Channel | undefined> {
  try {
    return await resolveChannel(deps, broadcast.tenantId, broadcast);
  } catch (error) {
    if (error instanceof UnprocessableError) return undefined;
    throw error;
  }
}
