/** One rendered message for one contact, as a channel adapter delivers it. */
export interface OutboundMessage {
  /** Stable per (broadcast, contact): a retry carries the same key, so a receiver can de-duplicate. */
  idempotencyKey: string;
  tenantId: string;
  broadcastId: string;
  executionId: string;
  contact: { id: string; name?: string; email?: string; phone?: string };
  message: {
    type: 'text' | 'template' | 'media';
    content?: string;
    templateId?: string;
    variables?: Record<string, string>;
    mediaUrl?: string;
  };
}

export type SendOutcome =
  | { kind: 'accepted'; providerMessageId?: string }
  /** Worth retrying later with the same idempotency key (timeouts, 408, 429, 5xx, connection errors). */
  | { kind: 'transient'; reason: string; retryAfterMs?: number }
  /** Retrying cannot help (other 4xx, invalid recipient): fail this execution only. */
  | { kind: 'permanent'; reason: string };

export interface ChannelSender {
  /**
   * True when the receiving end de-duplicates by idempotency key, so a send whose outcome is unknown
   * (a crash after the provider accepted it) may be repeated with the same key. False: never repeat.
   */
  readonly honoursIdempotencyKey: boolean;
  send(message: OutboundMessage): Promise<SendOutcome>;
}
