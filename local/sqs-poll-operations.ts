import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

const SQS_BATCH_LIMIT = 10;

export interface ReceiveOptions {
  queueUrl: string;
  /** Up to 10,000, like Lambda's BatchSize: more than 10 takes several receives. */
  maxMessages: number;
  visibilityTimeoutSeconds: number;
  waitTimeSeconds: number;
  signal: AbortSignal;
}

/**
 * Receives up to maxMessages, with every system and message attribute. Only the first call waits: the
 * following ones just top the batch up while the queue still has messages. A message received twice
 * (local-aws-sqs hands out a message again when its visibility timeout ends during a long poll) is kept
 * once, with its latest receipt handle.
 */
export async function receiveMessages(client: SQSClient, options: ReceiveOptions): Promise<Message[]> {
  const byId = new Map<string, Message>();
  while (byId.size < options.maxMessages) {
    const wanted = Math.min(SQS_BATCH_LIMIT, options.maxMessages - byId.size);
    const result = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: wanted,
        VisibilityTimeout: options.visibilityTimeoutSeconds,
        WaitTimeSeconds: byId.size === 0 ? options.waitTimeSeconds : 0,
        // local-aws-sqs only reads the deprecated AttributeNames; SQS reads MessageSystemAttributeNames.
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: options.signal },
    );
    const messages = result.Messages ?? [];
    for (const message of messages) if (message.MessageId) byId.set(message.MessageId, message);
    if (messages.length < wanted) break;
  }
  return [...byId.values()];
}

export interface DeleteOutcome {
  /** Message ids SQS confirmed. */
  deleted: string[];
  /** `messageId: code` of each entry SQS refused. */
  refused: string[];
}

/** Deletes the records in batches of 10; a request-level error (after the SDK's retries) is thrown. */
export async function deleteRecords(
  client: SQSClient,
  queueUrl: string,
  records: readonly SQSRecord[],
): Promise<DeleteOutcome> {
  const outcome: DeleteOutcome = { deleted: [], refused: [] };
  for (let start = 0; start < records.length; start += SQS_BATCH_LIMIT) {
    const slice = records.slice(start, start + SQS_BATCH_LIMIT);
    const result = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: slice.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
    for (const ok of result.Successful ?? []) {
      const record = slice[Number(ok.Id)];
      if (record) outcome.deleted.push(record.messageId);
    }
    for (const failure of result.Failed ?? []) {
      outcome.refused.push(`${slice[Number(failure.Id)]?.messageId}: ${failure.Code}`);
    }
  }
  return outcome;
}

/**
 * What SQS's redrive does, for a queue without a RedrivePolicy: copy the message to the DLQ (body and
 * attributes), then delete it from its queue. A crash in between leaves a copy in both, never none.
 */
export async function moveToDeadLetterQueue(
  client: SQSClient,
  message: Message,
  from: { queueUrl: string; dlqUrl: string },
): Promise<void> {
  await client.send(
    new SendMessageCommand({
      QueueUrl: from.dlqUrl,
      MessageBody: message.Body ?? '',
      ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0
        ? { MessageAttributes: message.MessageAttributes }
        : {}),
    }),
  );
  await client.send(new DeleteMessageCommand({ QueueUrl: from.queueUrl, ReceiptHandle: message.ReceiptHandle }));
}

/** The queue's ARN, as SQS reports it. */
export async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  const result = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = result.Attributes?.QueueArn;
  if (!arn) throw new Error(`SQS returned no ARN for ${queueUrl}`);
  return arn;
}
