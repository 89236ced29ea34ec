import { Annotations, Duration } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type Table } from 'aws-cdk-lib/aws-dynamodb';
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
  readonly pipelineQueue: Queue;
  readonly pipelineQueueMaxAge: Duration;
  /** The HTTP API's stage: its 5xx answers and its p99 latency. */
  readonly apiStage: HttpStage;
  /** The single table: throttled requests and DynamoDB's own errors. */
  readonly table: Table;
  /** The functions the table's stream invokes: how far behind the stream they read. */
  readonly streamConsumers: readonly ServiceFunction[];
}

/** The API's p99 above this for three 5-minute periods in a row: its routes answer from DynamoDB well under it. */
export const API_P99_LATENCY_MS = 3000;
const API_LATENCY_PERIODS = 3;
/** The stream read this far behind: domain events, and what reacts to them, are late. */
export const STREAM_ITERATOR_AGE_MS = 5 * 60_000;
/**
 * The table operations the repositories call. Listed, not "all": an alarm's expression takes at most 10 metrics, and
 * CDK's default list has more.
 */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.QUERY,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.BATCH_WRITE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

/**
 * Alarms that each mean "someone must look": a message in a DLQ, a function error (a 5xx or a failed batch is a bug
 * or an outage, never bad input), a throttle (on the sender it burns receive counts), a 5xx from the API or a slow
 * API, DynamoDB throttling or failing, the table's stream or a queue falling behind. All go to one SNS topic, e-mailed
 * to the stage's address.
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
    this.alarm('PipelineQueueAge', {
      description: 'The pipeline queue is falling behind: starts, planning and pacing are late',
      metric: props.pipelineQueue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: props.pipelineQueueMaxAge.toSeconds(),
    });
    this.apiAlarms(props.apiStage);
    this.tableAlarms(props.table);
    for (const fn of props.streamConsumers) {
      this.alarm(`${fn.node.id}IteratorAge`, {
        description: `functions/${fn.handlerName}.ts reads the table's stream more than ${STREAM_ITERATOR_AGE_MS / 60_000} min behind: domain events are late`,
        metric: fn.function.metric('IteratorAge', { period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: STREAM_ITERATOR_AGE_MS,
      });
    }
  }

  private apiAlarms(stage: HttpStage): void {
    this.alarm('Api5xx', {
      description: 'The HTTP API answered 5xx (a handler error, a timeout or throttled functions)',
      metric: stage.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
    });
    this.alarm('ApiLatencyP99', {
      description: `The HTTP API's p99 latency stayed above ${API_P99_LATENCY_MS} ms for ${API_LATENCY_PERIODS * 5} min`,
      metric: stage.metricLatency({ period: Duration.minutes(5), statistic: 'p99' }),
      threshold: API_P99_LATENCY_MS,
      evaluationPeriods: API_LATENCY_PERIODS,
    });
  }

  private tableAlarms(table: Table): void {
    this.alarm('TableThrottledRequests', {
      description: 'DynamoDB throttled requests to the table (retried, but sends and the API slow down)',
      metric: table.metricThrottledRequestsForOperations({
        operations: TABLE_OPERATIONS,
        period: Duration.minutes(5),
      }),
      threshold: 0,
    });
    this.alarm('TableSystemErrors', {
      description: 'DynamoDB failed requests to the table with its own (5xx) errors',
      metric: table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, period: Duration.minutes(5) }),
      threshold: 0,
    });
  }

  private alarm(
    id: string,
    options: { description: string; metric: IMetric; threshold: number; evaluationPeriods?: number },
  ): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      // No data means no traffic, not a failure.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
  }
}
