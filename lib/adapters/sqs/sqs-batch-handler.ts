import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { withLogKeys } from '../../observability/log-scope.js';
import { logger } from '../../observability/logger.js';

/** A queue message whose body is not JSON or does not match its schema. */
export class MalformedMessageError extends Error {
  constructor(readonly messageId: string) {
    super(`malformed queue message ${messageId}`);
    this.name = 'MalformedMessageError';
  }
}

/**
 * An SQS consumer with partial batch failures: each record is parsed against its schema and handled on
 * its own, so one failing record is retried alone. A record that does not parse is logged and reported
 * failed, never dropped: after the queue's maxReceiveCount receives, SQS moves it to the DLQ, where it is
 * alarmed on and can be looked at (a producer bug shows there instead of vanishing).
 */
export function sqsBatchHandler<T>(
  schema: z.ZodType<T>,
  handle: (message: T, record: SQSRecord, context: Context) => Promise<void>,
) {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord, context: Context): Promise<void> => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      logger.error('malformed queue message; it stays on the queue until the DLQ takes it', {
        messageId: record.messageId,
        issues: parsed.error.issues,
      });
      throw new MalformedMessageError(record.messageId);
    }
    await withLogKeys(logKeysOf(parsed.data, record), async () => {
      try {
        await handle(parsed.data, record, context);
      } catch (error) {
        // The batch processor reports it failed without a word: say why, or a step that keeps failing is silent.
        logger.warn('queue message failed; it comes back after its visibility timeout', { error: error as Error });
        throw error;
      }
    });
  };
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
}

/**
 * An SQS consumer that handles the whole batch at once, for work that is cheaper together than record by record (the
 * receipts worker writes one counter update per broadcast per batch instead of one per receipt). Records are parsed as
 * in sqsBatchHandler (a malformed one is reported failed, never dropped); `handle` gets the valid messages and answers
 * which of them (by position) to leave on the queue. If it throws, every valid record is reported failed: it must
 * tolerate seeing again what it had already done.
 */
export function sqsWholeBatchHandler<T>(
  schema: z.ZodType<T>,
  handle: (messages: readonly T[], records: readonly SQSRecord[]) => Promise<ReadonlySet<number>>,
) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failed: string[] = [];
    const messages: T[] = [];
    const records: SQSRecord[] = [];
    for (const record of event.Records) {
      const parsed = schema.safeParse(parseJson(record.body));
      if (parsed.success) {
        messages.push(parsed.data);
        records.push(record);
      } else {
        logger.error('malformed queue message; it stays on the queue until the DLQ takes it', {
          messageId: record.messageId,
          issues: parsed.error.issues,
        });
        failed.push(record.messageId);
      }
    }
    if (messages.length > 0) {
      try {
        const retry = await handle(messages, records);
        for (const index of retry) {
          const record = records[index];
          if (record) failed.push(record.messageId);
        }
      } catch (error) {
        logger.error('batch failed; its messages stay on the queue', {
          error: error as Error,
          records: records.length,
        });
        failed.push(...records.map((record) => record.messageId));
      }
    }
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The ids a queue message carries, on every line logged while it is handled (absent ones are left out). */
function logKeysOf(message: unknown, record: SQSRecord): LogAttributes {
  const { tenantId, broadcastId, chunk } = (message ?? {}) as Record<string, unknown>;
  return { messageId: record.messageId, tenantId, broadcastId, chunk };
}
