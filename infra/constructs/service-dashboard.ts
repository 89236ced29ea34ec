import { Duration } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Dashboard, GraphWidget, type IMetric, MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PROVIDER_EVENT_METRICS, RECEIPT_METRICS, SENDER_METRICS } from '../../lib/observability/metric-names.js';
import type { Naming } from '../naming.js';
import { serviceMetric, type Telemetry } from '../telemetry.js';
import type { ServiceFunction } from './service-function.js';

export interface ServiceDashboardProps {
  readonly naming: Naming;
  readonly functions: readonly ServiceFunction[];
  readonly pipelineQueue: Queue;
  readonly sendQueue: Queue;
  readonly receiptsQueue: Queue;
  /** SES and SMS events routed by the stage's rules (infra/constructs/provider-events.ts). */
  readonly eventsQueue: Queue;
  readonly deadLetterQueues: Readonly<Record<string, Queue>>;
  readonly apiStage: HttpStage;
  /** Where the service's own metrics are (the sender's counts and latency). */
  readonly telemetry: Telemetry;
}

const MINUTE = Duration.minutes(1);
const WIDTH = 12;

/**
 * One page answering "is it sending, how fast, what fails, what waits, how slow". Send rate counts messages, from the
 * sender's own metrics (a send queue message is a chunk of up to a hundred of them).
 */
export class ServiceDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const { sendQueue, pipelineQueue, telemetry } = props;
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.naming.physicalName() });
    this.dashboard.addWidgets(
      graph('Send rate (messages per minute)', [
        serviceMetric(telemetry, SENDER_METRICS.messagesSent, { period: MINUTE, statistic: 'Sum', label: 'sent' }),
        serviceMetric(telemetry, SENDER_METRICS.messagesFailed, { period: MINUTE, statistic: 'Sum', label: 'failed' }),
      ]),
      graph('Failures', [
        ...Object.entries(props.deadLetterQueues).map(([label, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({
            period: MINUTE,
            statistic: 'Maximum',
            label: `${label} DLQ`,
          }),
        ),
        sumOf(
          'errors',
          'function errors',
          props.functions.map((fn) => fn.function.metricErrors({ period: MINUTE, statistic: 'Sum' })),
        ),
        sumOf(
          'throttles',
          'function throttles',
          props.functions.map((fn) => fn.function.metricThrottles({ period: MINUTE, statistic: 'Sum' })),
        ),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Queue depth', [
        pipelineQueue.metricApproximateNumberOfMessagesVisible({ period: MINUTE, label: 'pipeline waiting' }),
        sendQueue.metricApproximateNumberOfMessagesVisible({ period: MINUTE, label: 'send waiting' }),
        sendQueue.metricApproximateNumberOfMessagesNotVisible({ period: MINUTE, label: 'send in flight' }),
      ]),
      graph('Latency', [
        props.apiStage.metricLatency({ period: MINUTE, statistic: 'p99', label: 'API p99 (ms)' }),
        props.apiStage.metricLatency({ period: MINUTE, statistic: 'p50', label: 'API p50 (ms)' }),
        sendQueue.metricApproximateAgeOfOldestMessage({
          period: MINUTE,
          statistic: 'Maximum',
          label: 'oldest send message (s)',
        }),
        serviceMetric(telemetry, SENDER_METRICS.chunkLatency, {
          period: MINUTE,
          statistic: 'p99',
          label: 'chunk p99 (ms)',
        }),
        ...props.functions.map((fn) =>
          fn.function.metricDuration({ period: MINUTE, statistic: 'p99', label: `${fn.handlerName} p99 (ms)` }),
        ),
      ]),
    );
    const receipts = (name: string, label: string) =>
      serviceMetric(telemetry, name, { period: MINUTE, statistic: 'Sum', label });
    this.dashboard.addWidgets(
      graph('Delivery receipts (per minute)', [
        receipts(RECEIPT_METRICS.received, 'received'),
        receipts(RECEIPT_METRICS.moved, 'status changes'),
        receipts(RECEIPT_METRICS.unknown, 'unknown (dropped)'),
        receipts(RECEIPT_METRICS.early, 'before their send (retried)'),
        receipts(RECEIPT_METRICS.webhooksRejected, 'webhooks refused'),
      ]),
      graph('Receipts queue', [
        props.receiptsQueue.metricApproximateNumberOfMessagesVisible({ period: MINUTE, label: 'receipts waiting' }),
        props.receiptsQueue.metricApproximateAgeOfOldestMessage({
          period: MINUTE,
          statistic: 'Maximum',
          label: 'oldest receipts message (s)',
        }),
      ]),
    );
    const events = (name: string, label: string) =>
      serviceMetric(telemetry, name, { period: MINUTE, statistic: 'Sum', label });
    this.dashboard.addWidgets(
      graph('E-mail and SMS events (per minute)', [
        events(PROVIDER_EVENT_METRICS.received, 'received'),
        events(PROVIDER_EVENT_METRICS.ignored, 'ignored'),
        events(PROVIDER_EVENT_METRICS.unknown, 'unknown (dropped)'),
        events(PROVIDER_EVENT_METRICS.suppressed, 'addresses suppressed'),
        events(PROVIDER_EVENT_METRICS.optedOut, 'complaint opt-outs'),
      ]),
      graph('Events queue', [
        props.eventsQueue.metricApproximateNumberOfMessagesVisible({ period: MINUTE, label: 'events waiting' }),
        props.eventsQueue.metricApproximateAgeOfOldestMessage({
          period: MINUTE,
          statistic: 'Maximum',
          label: 'oldest event (s)',
        }),
      ]),
    );
  }
}

function graph(title: string, metrics: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left: metrics, width: WIDTH, height: 6 });
}

/**
 * One line for a metric summed over every function; FILL keeps the sum defined when a function had no data. The
 * ids carry `key` because ids must be unique across a whole graph.
 */
function sumOf(key: string, label: string, metrics: IMetric[]): IMetric {
  const usingMetrics = Object.fromEntries(metrics.map((metric, index) => [`${key}${index}`, metric]));
  const expression = Object.keys(usingMetrics)
    .map((id) => `FILL(${id}, 0)`)
    .join(' + ');
  return new MathExpression({ expression: expression || '0', usingMetrics, label, period: MINUTE });
}
