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
export function sqsBatchHandler<T>(schema: z.ZodType<T>, handle: (message: T, record: SQSRecord) => Promise<void>) {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
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
    await withLogKeys(logKeysOf(parsed.data, record), () => handle(parsed.data, record));
  };
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
}

/** The ids a queue message carries, on every line logged while it is handled (absent ones are left out). */
function logKeysOf(message: unknown, record: SQSRecord): LogAttributes {
  const { tenantId, broadcastId, chunk } = (message ?? {}) as Record<string, unknown>;
  return { messageId: record.messageId, tenantId, broadcastId, chunk };
}
