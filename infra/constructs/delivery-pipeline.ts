import { Duration } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Naming } from '../naming.js';
import { DeadLetteredQueue } from './queues.js';

/**
 * The queues of docs/design.md section 5. Each one's consumer timeout lives here, not on the function, so the queue's
 * visibility timeout and the consumer's timeout cannot be changed independently.
 */
export const PIPELINE_QUEUES = {
  /** Start, plan and pace steps: few messages, each may resolve a page of the audience. */
  pipeline: {
    envVar: 'PIPELINE_QUEUE_URL',
    consumerTimeout: Duration.seconds(60),
    // A crash mid-page is resumed from the checkpoint on redelivery; five tries separate bad luck from a bug.
    maxReceiveCount: 5,
  },
  /** One message per execution (or small chunk of them), consumed by the sender with bounded concurrency. */
  send: {
    envVar: 'SEND_QUEUE_URL',
    consumerTimeout: Duration.seconds(30),
    // Transient channel errors are retried by redelivery with backoff (at least 8 attempts, issue 3), so more.
    maxReceiveCount: 10,
  },
  /**
   * Delivery receipts, one message per provider webhook call, consumed in batches by the receipts worker. A receipt
   * that beats the sender's record of its message comes back after the visibility timeout (3 minutes): ten receives
   * give the sender half an hour, far more than its chunk lease, after which the execution is final either way.
   */
  receipts: {
    envVar: 'RECEIPTS_QUEUE_URL',
    consumerTimeout: Duration.seconds(30),
    maxReceiveCount: 10,
  },
  /**
   * SES and SMS delivery events, one message per EventBridge event, put there by the stage's rules
   * (infra/constructs/provider-events.ts), consumed in batches by the provider events worker. No function sends to
   * it (no envVar): EventBridge does. An event that beats its send's record comes back like a receipt.
   */
  events: {
    envVar: undefined,
    consumerTimeout: Duration.seconds(30),
    maxReceiveCount: 10,
  },
} as const satisfies Record<string, { envVar: string | undefined; consumerTimeout: Duration; maxReceiveCount: number }>;

export type PipelineQueueName = keyof typeof PIPELINE_QUEUES;

export const PIPELINE_QUEUE_NAMES = Object.keys(PIPELINE_QUEUES) as PipelineQueueName[];

export interface DeliveryPipelineProps {
  readonly naming: Naming;
}

/** The pipeline, send, receipts and events queues, each with its DLQ. Consumers attach through ServiceFunction.consume. */
export class DeliveryPipeline extends Construct {
  private readonly queues: Record<PipelineQueueName, DeadLetteredQueue>;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    this.queues = {
      pipeline: this.create('Pipeline', 'pipeline', props.naming),
      send: this.create('Send', 'send', props.naming),
      receipts: this.create('Receipts', 'receipts', props.naming),
      events: this.create('Events', 'events', props.naming),
    };
  }

  queue(name: PipelineQueueName): DeadLetteredQueue {
    return this.queues[name];
  }

  get deadLetterQueues(): Record<PipelineQueueName, Queue> {
    return {
      pipeline: this.queues.pipeline.deadLetterQueue,
      send: this.queues.send.deadLetterQueue,
      receipts: this.queues.receipts.deadLetterQueue,
      events: this.queues.events.deadLetterQueue,
    };
  }

  /** Lets a function put messages on a queue and tells it the queue's URL. */
  bindProducer(fn: LambdaFunction, name: PipelineQueueName): void {
    const { queue } = this.queues[name];
    const { envVar } = PIPELINE_QUEUES[name];
    if (envVar === undefined) throw new Error(`no function sends to the ${name} queue: EventBridge's rules do`);
    fn.addEnvironment(envVar, queue.queueUrl);
    queue.grantSendMessages(fn);
  }

  private create(id: string, name: PipelineQueueName, naming: Naming): DeadLetteredQueue {
    const { consumerTimeout, maxReceiveCount } = PIPELINE_QUEUES[name];
    return new DeadLetteredQueue(this, id, { queueName: naming.physicalName(name), consumerTimeout, maxReceiveCount });
  }
}
