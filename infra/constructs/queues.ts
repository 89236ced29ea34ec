import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The longest SQS keeps a message: a dead letter waits as long as possible for someone to look at it. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * Lambda's guidance: the visibility timeout must be at least six times the consumer's timeout, so a batch that is
 * retried inside the event source mapping is not redelivered to a second invocation meanwhile.
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** A queue that only collects failures: encrypted, TLS only, kept for the maximum retention. */
export function createDeadLetterQueue(scope: Construct, id: string, queueName: string): Queue {
  return new Queue(scope, id, {
    queueName,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
  });
}

export interface DeadLetteredQueueProps {
  readonly queueName: string;
  /** The timeout its consumer function gets; the visibility timeout is derived from it. */
  readonly consumerTimeout: Duration;
  /** Receives before a message is parked in the DLQ; it must outlast the consumer's legitimate retries. */
  readonly maxReceiveCount: number;
}

/** A work queue with its DLQ, redrive policy and a visibility timeout that fits the consumer's timeout. */
export class DeadLetteredQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly consumerTimeout: Duration;

  constructor(scope: Construct, id: string, props: DeadLetteredQueueProps) {
    super(scope, id);
    this.consumerTimeout = props.consumerTimeout;
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue', `${props.queueName}-dlq`);
    this.queue = new Queue(this, 'Queue', {
      queueName: props.queueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
