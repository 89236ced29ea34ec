import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SqsEventSourceOptions } from './sqs-event-source.js';
import { queueArn } from './sqs-poll-operations.js';

export type LocalQueueName = 'pipeline' | 'send' | 'receipts' | 'events';

export interface LocalQueueSettings {
  name: string;
  /** How long a received message stays hidden; a failed one comes back after it. */
  visibilityTimeoutSeconds: number;
  /** Receives before a message is parked in the DLQ. */
  maxReceiveCount: number;
}

/**
 * Defaults mirror PIPELINE_QUEUES in infra/constructs/delivery-pipeline.ts (not imported: it pulls in the CDK).
 * The receive counts are the same as in AWS: the pipeline's five tries separate bad luck from a bug, and the
 * send queue's ten outlast the webhook channel's retries, the receipts and events queues' ten a receipt or provider
 * event that beat its send's record. The visibility timeouts are the consumer timeouts
 * rather than AWS's six times that: locally nothing retries inside the event source, so the factor would
 * only make a developer wait minutes for a failed message to come back.
 */
export const DEFAULT_LOCAL_QUEUES: Readonly<Record<LocalQueueName, LocalQueueSettings>> = {
  pipeline: { name: 'broadcast-pipeline', visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
  send: { name: 'broadcast-send', visibilityTimeoutSeconds: 30, maxReceiveCount: 10 },
  receipts: { name: 'broadcast-receipts', visibilityTimeoutSeconds: 30, maxReceiveCount: 10 },
  events: { name: 'broadcast-events', visibilityTimeoutSeconds: 30, maxReceiveCount: 10 },
};

/**
 * Who moves a message to the DLQ after maxReceiveCount receives. `queue`: the queue's RedrivePolicy, as in AWS.
 * `consumer`: the event source (see consumerOptions), because local-aws-sqs also counts every
 * ChangeMessageVisibility as a receive, so its own redrive would dead-letter a message that is retried with
 * visibility backoff after half its tries.
 */
export type RedriveBy = 'queue' | 'consumer';

export interface QueueWithDlq {
  url: string;
  arn: string;
  dlqUrl: string;
  settings: LocalQueueSettings;
  redriveBy: RedriveBy;
}

/** What startSqsEventSource needs to know about a queue to consume it as Lambda would. */
export type LocalConsumerOptions = Pick<
  SqsEventSourceOptions,
  'queueUrl' | 'visibilityTimeoutSeconds' | 'maxReceiveCount' | 'dlqUrl' | 'countReceives'
>;

/**
 * Creates `<name>-dlq` and `<name>`, the latter with a RedrivePolicy when the queue does the redrive.
 * Idempotent on SQS and on the emulator (same name, same attributes: the existing queue), so it also
 * prepares an external endpoint (use `queue` redrive there: real SQS counts receives right).
 */
export async function createQueueWithDlq(
  client: SQSClient,
  settings: LocalQueueSettings,
  { redriveBy }: { redriveBy: RedriveBy },
): Promise<QueueWithDlq> {
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: `${settings.name}-dlq`,
      // The longest SQS keeps a message: a dead letter waits for someone to look at it.
      Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) },
    }),
  );
  const dlqUrl = required(dlq.QueueUrl, 'dead-letter queue URL');
  const redrivePolicy = {
    deadLetterTargetArn: await queueArn(client, dlqUrl),
    maxReceiveCount: settings.maxReceiveCount,
  };
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: settings.name,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
        ...(redriveBy === 'queue' ? { RedrivePolicy: JSON.stringify(redrivePolicy) } : {}),
      },
    }),
  );
  const url = required(queue.QueueUrl, 'queue URL');
  return { url, arn: await queueArn(client, url), dlqUrl, settings, redriveBy };
}

/** Event source settings that consume `queue` as Lambda would, with the redrive when it is the consumer's. */
export function consumerOptions(queue: QueueWithDlq): LocalConsumerOptions {
  const base = { queueUrl: queue.url, visibilityTimeoutSeconds: queue.settings.visibilityTimeoutSeconds };
  if (queue.redriveBy === 'queue') return base;
  return { ...base, maxReceiveCount: queue.settings.maxReceiveCount, dlqUrl: queue.dlqUrl, countReceives: true };
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new Error(`SQS returned no ${what}`);
  return value;
}
