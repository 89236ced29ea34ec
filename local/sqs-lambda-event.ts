import { randomUUID } from 'node:crypto';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { Context, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/** Where records come from: what Lambda puts in every record of an event. */
export interface SqsSource {
  queueArn: string;
  region: string;
}

/** The queue's region and account, read from its ARN (arn:aws:sqs:region:account:name). */
export function parseQueueArn(queueArn: string): { region: string; accountId: string; name: string } {
  const [, , , region, accountId, name] = queueArn.split(':');
  if (!region || !accountId || !name) throw new Error(`not an SQS queue ARN: ${queueArn}`);
  return { region, accountId, name };
}

/** A received message as Lambda's SQS event source hands it over: camelCase, binary values in base64. */
export function toSqsRecord(message: Message, source: SqsSource): SQSRecord {
  const attributes = message.Attributes ?? {};
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
    } satisfies SQSRecordAttributes,
    messageAttributes: toRecordAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

function toRecordAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { binaryValue: base64(value.BinaryValue) }),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
      },
    ]),
  );
}

export interface InvocationContextOptions {
  functionName: string;
  region: string;
  accountId: string;
  /** The function timeout: what getRemainingTimeInMillis() counts down from (middy's timeoutEarly reads it). */
  timeoutMs: number;
}

/** A Lambda context for one invocation, fresh request id and deadline included. */
export function invocationContext(options: InvocationContextOptions): Context {
  const deadline = Date.now() + options.timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${options.accountId}:function:${options.functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * The messages of a batch that failed, read from the handler's response as Lambda reads it with
 * ReportBatchItemFailures: nothing (or no/empty batchItemFailures) is full success; a malformed list or an
 * itemIdentifier that is empty or names no message of the batch fails the whole batch.
 */
export function failedMessageIds(response: unknown, records: readonly SQSRecord[]): ReadonlySet<string> | 'all' {
  if (response === null || typeof response !== 'object' || !('batchItemFailures' in response)) return new Set();
  const failures = response.batchItemFailures;
  if (failures === null || failures === undefined) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const batchIds = new Set(records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id: unknown = failure?.itemIdentifier;
    if (typeof id !== 'string' || !batchIds.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}
