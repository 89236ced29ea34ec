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
  /** Resolve the next page of one segment of the audience into executions (lib/domain/plan-segments.ts). */
  | { type: 'plan'; tenantId: string; broadcastId: string; segment: number }
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
  /** How long to hold the message before delivering it, as MessageQueue takes it. */
  delaySeconds?: number;
}

/**
 * The delivery pipeline's queues. A delay is what the caller wants: the queue rounds it up to whole seconds, so a
 * message is never delivered before the moment asked for (the pacer's rate limit relies on that), and cuts it to
 * `maxDelaySeconds`. A message whose delay was cut arrives early; every consumer checks the time again (an early
 * chunk or scheduled start goes back on the queue, an early pace tick or retry simply runs early).
 */
export interface MessageQueue {
  /** The longest the queue holds a message (SQS: 900 s). */
  readonly maxDelaySeconds: number;
  sendPipeline(message: PipelineMessage, delaySeconds?: number): Promise<void>;
  /** Sends in batches of 10; throws only if a message could not be sent after retries. */
  sendChunks(messages: readonly DelayedMessage<SendChunkMessage>[]): Promise<void>;
}
