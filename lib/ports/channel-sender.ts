import type { OutboundMessage } from '../domain/outbound-message.js';
import type { SendOutcome } from '../domain/send-outcome.js';

/** What a channel adapter is given and what it answers (domain values; re-exported for the adapters). */
export type { OutboundMessage, SendOutcome };

export interface ChannelSender {
  /**
   * True when the receiving end de-duplicates by idempotency key, so a send whose outcome is unknown
   * (a crash after the provider accepted it) may be repeated with the same key. False: never repeat.
   */
  readonly honoursIdempotencyKey: boolean;
  send(message: OutboundMessage): Promise<SendOutcome>;
  /**
   * What one message weighs against the channel's cap (max_messages_per_second), where a provider counts something
   * else than messages: an SMS's message parts (carriers' MPS limits count parts). Pure and cheap: called before the
   * send, to reserve that many units. Absent: every message weighs 1 (see unitsOf in use-cases/send-units.ts).
   */
  unitsOf?(message: OutboundMessage): number;
}
