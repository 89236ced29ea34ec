/**
 * Start a scheduled broadcast, if it is still scheduled for `scheduledFor` (a schedule's target input: see
 * lib/ports/broadcast-scheduler.ts).
 */
export interface StartMessage {
  type: 'start';
  tenantId: string;
  broadcastId: string;
  /** ISO 8601 instant, as stored on the broadcast when it was scheduled. */
  scheduledFor: string;
}

/** Messages of the delivery pipeline. Small on purpose: ids and positions, never contact data. */
export type PipelineMessage =
  | StartMessage
  /** Resolve the next page of the audience into executions. */
  | { type: 'plan'; tenantId: string; broadcastId: string }
  /** Release the next chunks to the send queue; `tick` makes duplicate pace loops die out. */
  | { type: 'pace'; tenantId: string; broadcastId: string; tick: number };

/** One chunk of executions to send, no earlier than `slotAt` (epoch ms; absent when the rate is unlimited). */
export interface SendChunkMessage {
  tenantId: string;
  broadcastId: string;
  chunk: number;
  slotAt?: number;
  /** Last resort after repeated sweeps: whatever is still not terminal is failed as `undeliverable`. */
  finalize?: boolean;
}

export interface DelayedMessage<T> {
  body: T;
  /** 0..900, SQS's limit. */
  delaySeconds?: number;
}

export interface MessageQueue {
  sendPipeline(message: PipelineMessage, delaySeconds?: number): Promise<void>;
  /** Sends in batches of 10; throws only if a message could not be sent after retries. */
  sendChunks(messages: readonly DelayedMessage<SendChunkMessage>[]): Promise<void>;
}
