import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DelayedMessage } from '../../ports/message-queue.js';
import { type RetryPolicy, retry } from '../../retry.js';

/** SQS's limit on entries per SendMessageBatch. */
export const SQS_BATCH_LIMIT = 10;
/** SQS's limit on a message timer (15 minutes). */
export const MAX_DELAY_SECONDS = 900;

/** Tries per entry, the first one included, and the pauses between them (see lib/retry.ts). */
export type EntryRetryPolicy = RetryPolicy;

/** Four tries, pausing 50-100, 100-200 and 200-400 ms. */
export const DEFAULT_ENTRY_RETRY_POLICY: EntryRetryPolicy = { maxAttempts: 4, baseDelayMs: 100 };

/** Some messages were refused by SQS, for good (sender fault) or after every retry. */
export class SqsBatchSendError extends Error {
  constructor(
    readonly queueUrl: string,
    readonly failures: readonly BatchResultErrorEntry[],
  ) {
    const reasons = failures.map((failure) => `${failure.Code}${failure.SenderFault ? ' (sender fault)' : ''}`);
    super(`SQS refused ${failures.length} message(s) for ${queueUrl}: ${[...new Set(reasons)].join(', ')}`);
  }
}

/**
 * Whole seconds within SQS's 0..900, rounded up so that a message is never released before the moment its
 * producer asked for (the pacer's rate limit relies on that).
 */
export function clampDelaySeconds(delaySeconds: number): number {
  if (!Number.isFinite(delaySeconds)) return delaySeconds > 0 ? MAX_DELAY_SECONDS : 0;
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds)));
}

/**
 * Sends JSON bodies in SendMessageBatch calls of 10, one batch after the other so memory stays bounded by
 * the caller's list. Entries SQS fails on its side (throttling, internal errors) are retried with backoff;
 * a request-level error is left to the SDK's own retries and then thrown. Throws SqsBatchSendError when an
 * entry is still refused: earlier batches stay sent, so a caller that retries re-sends them, which the
 * consumers must (and do) tolerate as duplicates.
 */
export async function sendInBatches<T>(
  client: SQSClient,
  queueUrl: string,
  messages: readonly DelayedMessage<T>[],
  policy: EntryRetryPolicy = DEFAULT_ENTRY_RETRY_POLICY,
): Promise<void> {
  for (let start = 0; start < messages.length; start += SQS_BATCH_LIMIT) {
    await sendBatch(client, queueUrl, messages.slice(start, start + SQS_BATCH_LIMIT), policy);
  }
}

async function sendBatch<T>(
  client: SQSClient,
  queueUrl: string,
  messages: readonly DelayedMessage<T>[],
  policy: EntryRetryPolicy,
): Promise<void> {
  let pending: SendMessageBatchRequestEntry[] = messages.map((message, index) => ({
    Id: String(index),
    MessageBody: JSON.stringify(message.body),
    ...(message.delaySeconds === undefined ? {} : { DelaySeconds: clampDelaySeconds(message.delaySeconds) }),
  }));
  await retry(
    async () => {
      const result = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = result.Failed ?? [];
      if (failed.length === 0) return;
      const failedIds = new Set(failed.map((failure) => failure.Id));
      pending = pending.filter((entry) => failedIds.has(entry.Id));
      throw new SqsBatchSendError(queueUrl, failed);
    },
    {
      ...policy,
      // A sender fault (bad parameter, too large) fails the same way every time: retrying only delays the error.
      retryable: (error) =>
        error instanceof SqsBatchSendError && !error.failures.some((failure) => failure.SenderFault),
    },
  );
}
