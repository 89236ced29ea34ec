import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DelayedMessage, MessageQueue, PipelineMessage, SendChunkMessage } from '../../ports/message-queue.js';
import {
  DEFAULT_ENTRY_RETRY_POLICY,
  type EntryRetryPolicy,
  MAX_DELAY_SECONDS,
  sendInBatches,
} from './send-in-batches.js';

export interface SqsQueueUrls {
  /** Plan and pace steps (PIPELINE_QUEUE_URL). */
  pipeline: string;
  /** Chunks of executions to send (SEND_QUEUE_URL). */
  send: string;
}

/**
 * The delivery pipeline's queues on SQS: JSON bodies, per-message delays (rounded up to whole seconds and cut to
 * SQS's 900 s), refused entries retried.
 */
export class SqsMessageQueue implements MessageQueue {
  readonly maxDelaySeconds = MAX_DELAY_SECONDS;

  constructor(
    private readonly client: SQSClient,
    private readonly urls: SqsQueueUrls,
    private readonly retry: EntryRetryPolicy = DEFAULT_ENTRY_RETRY_POLICY,
  ) {}

  async sendPipeline(message: PipelineMessage, delaySeconds?: number): Promise<void> {
    await sendInBatches(
      this.client,
      this.urls.pipeline,
      [delaySeconds === undefined ? { body: message } : { body: message, delaySeconds }],
      this.retry,
    );
  }

  async sendChunks(messages: readonly DelayedMessage<SendChunkMessage>[]): Promise<void> {
    await sendInBatches(this.client, this.urls.send, messages, this.retry);
  }
}
