import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ReceiptQueue, ReceiptsMessage } from '../../ports/receipts.js';
import { DEFAULT_ENTRY_RETRY_POLICY, type EntryRetryPolicy, sendInBatches } from './send-in-batches.js';

/** The receipts queue (RECEIPTS_QUEUE_URL): JSON bodies, no delay, refused entries retried. */
export class SqsReceiptQueue implements ReceiptQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly retry: EntryRetryPolicy = DEFAULT_ENTRY_RETRY_POLICY,
  ) {}

  async enqueue(messages: readonly ReceiptsMessage[]): Promise<void> {
    if (this.queueUrl === '') {
      throw new Error('RECEIPTS_QUEUE_URL is not set for this function: grant it sendTo receipts in infra');
    }
    await sendInBatches(
      this.client,
      this.queueUrl,
      messages.map((body) => ({ body })),
      this.retry,
    );
  }
}
