import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sendChunkMessageSchema } from '../lib/adapters/sqs/message-schemas.js';
import { sqsBatchHandler } from '../lib/adapters/sqs/sqs-batch-handler.js';
import { getRuntime } from '../lib/composition-root.js';
import { sendChunk } from '../lib/use-cases/send-chunk.js';

/** Send queue consumer: one chunk of executions per record (see lib/use-cases/send-chunk.ts). */
export const handler = middy<SQSEvent, SQSBatchResponse>().handler(
  sqsBatchHandler(sendChunkMessageSchema, async (message) => {
    await sendChunk(getRuntime().deps, message);
  }),
);
