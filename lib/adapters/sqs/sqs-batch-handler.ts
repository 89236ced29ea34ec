import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { withLogKeys } from '../../observability/log-scope.js';
import { logger } from '../../observability/logger.js';

/**
 * An SQS consumer with partial batch failures: each record is parsed against its schema and handled on
 * its own, so one failing record is retried alone. A record that does not parse is logged and dropped:
 * retrying it could never help.
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
      logger.error('dropping a malformed queue message', { messageId: record.messageId, issues: parsed.error.issues });
      return;
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
