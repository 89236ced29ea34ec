import { Annotations, Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Naming } from '../naming.js';
import type { ServiceFunction } from './service-function.js';

export interface AlarmsProps {
  readonly naming: Naming;
  readonly alarmEmail: string | undefined;
  readonly functions: readonly ServiceFunction[];
  /** Every DLQ of the stage by a short label: one message in any of them is a lost start, send or trigger. */
  readonly deadLetterQueues: Readonly<Record<string, Queue>>;
  readonly sendQueue: Queue;
  readonly sendQueueMaxAge: Duration;
}

/**
 * Alarms that each mean "someone must look": a message in a DLQ, a function error (a 5xx or a failed batch is a bug
 * or an outage, never bad input), a throttle (on the sender it burns receive counts), and a send queue falling
 * behind. All go to one SNS topic, e-mailed to the stage's address.
 */
export class Alarms extends Construct {
  readonly topic: Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: `Broadcast alarms (${props.naming.physicalName()})` });
    if (props.alarmEmail === undefined) {
      Annotations.of(this).addInfo('no alarm e-mail: alarms reach the SNS topic only (-c alarmEmail=<address>)');
    } else {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }
    this.action = new SnsAction(this.topic);

    for (const [label, queue] of Object.entries(props.deadLetterQueues)) {
      this.alarm(`${label}DeadLetters`, {
        description: `A message reached the ${label} dead-letter queue: inspect it, fix the cause, then redrive`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 0,
      });
    }
    for (const fn of props.functions) {
      const id = fn.node.id;
      this.alarm(`${id}Errors`, {
        description: `functions/${fn.handlerName}.ts failed (unhandled error or timeout)`,
        metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 0,
      });
      this.alarm(`${id}Throttles`, {
        description: `functions/${fn.handlerName}.ts was throttled`,
        metric: fn.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 0,
      });
    }
    this.alarm('SendQueueAge', {
      description: 'The send queue is falling behind: sends are late',
      metric: props.sendQueue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: props.sendQueueMaxAge.toSeconds(),
    });
  }

  private alarm(id: string, options: { description: string; metric: IMetric; threshold: number }): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No data means no traffic, not a failure.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
  }
}
