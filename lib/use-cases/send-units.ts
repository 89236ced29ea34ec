import type { ChannelSender, OutboundMessage } from '../ports/channel-sender.js';

/**
 * What `message` weighs against its channel's cap: the sender's own measure (an SMS's message parts), else 1. Never
 * less than 1: every send is at least one request, one message.
 */
export function unitsOf(sender: ChannelSender, message: OutboundMessage): number {
  const units = sender.unitsOf?.(message);
  return units !== undefined && Number.isFinite(units) && units >= 1 ? Math.ceil(units) : 1;
}
