import { Match } from 'aws-cdk-lib/assertions';
import { API_P99_LATENCY_MS, STREAM_ITERATOR_AGE_MS } from '../../infra/constructs/alarms.js';
import { STAGES } from '../../infra/stages.js';
import { loadConfig } from '../../lib/config.js';
import { type Synthesized, synthStage } from './support/synth.js';
import { type Json, referencedId, requiredFunction, resources } from './support/template-queries.js';

// Issue 5 section 2: alarms (DLQ depth > 0, errors, throttles, age of the oldest send message) to an SNS topic
// e-mailed from the stage config, and a dashboard with send rate, failures, queue depth and latency.
// The observability issue: alarms also on API 5xx and p99, table throttles and system errors, the stream's iterator
// age and the pipeline queue's age; the send-rate widget counts messages (the sender's EMF metrics), not chunks.

const dimensionOf = (alarm: { properties: Json } | undefined, name: string): Json =>
  alarm?.properties.Dimensions?.find((d: Json) => d.Name === name)?.Value;

/** The dashboard's JSON, CloudFormation references replaced by their logical ids. */
function dashboardBody(synthesized: Synthesized): Json {
  const [dashboard] = resources(synthesized.template, 'AWS::CloudWatch::Dashboard');
  const body: Json = dashboard?.properties.DashboardBody;
  const parts: Json[] = body['Fn::Join']?.[1] ?? [body];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : referencedId(part))).join(''));
}

describe('monitoring', () => {
  let prod: Synthesized;
  let withEmail: Synthesized;

  beforeAll(() => {
    prod = synthStage({ stage: 'prod' });
    withEmail = synthStage({ stage: 'dev', context: { alarmEmail: 'ops@acme.example' } });
  });

  const alarms = ({ template }: Synthesized) => resources(template, 'AWS::CloudWatch::Alarm');
  const topicId = ({ template }: Synthesized) => resources(template, 'AWS::SNS::Topic')[0]?.logicalId;

  it('e-mails the alarm topic to the configured address, and subscribes nobody without one', () => {
    withEmail.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@acme.example',
      TopicArn: { Ref: topicId(withEmail) },
    });
    prod.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('sends every alarm to the topic', () => {
    const all = alarms(prod);
    expect(all.length).toBeGreaterThan(0);
    for (const alarm of all) expect(alarm.properties.AlarmActions).toEqual([{ Ref: topicId(prod) }]);
  });

  it('alarms as soon as any DLQ holds a message', () => {
    const dlqs = resources(prod.template, 'AWS::SQS::Queue').filter((q) => q.properties.QueueName.endsWith('-dlq'));
    // pipeline, send, receipts, events, schedule, automation, event-publisher
    expect(dlqs).toHaveLength(7);
    for (const dlq of dlqs) {
      const alarm = alarms(prod).find((a) =>
        a.properties.Dimensions?.some((d: Json) => d.Name === 'QueueName' && referencedId(d.Value) === dlq.logicalId),
      );
      expect(alarm?.properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    }
  });

  it('alarms on errors and throttles of every function, the sender included', () => {
    for (const fn of resources(prod.template, 'AWS::Lambda::Function')) {
      const on = (metric: string) =>
        alarms(prod).some(
          (a) =>
            a.properties.MetricName === metric &&
            a.properties.Dimensions?.some((d: Json) => d.Name === 'FunctionName' && d.Value.Ref === fn.logicalId),
        );
      expect(on('Errors')).toBe(true);
      expect(on('Throttles')).toBe(true);
    }
    expect(requiredFunction(prod.template, 'sender')).toBeDefined();
  });

  it('alarms when the oldest message on the send queue is older than configured', () => {
    const send = resources(prod.template, 'AWS::SQS::Queue').find(
      (q) => q.properties.QueueName === 'broadcast-acme-prod-send',
    );
    prod.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: STAGES.prod.sendQueueMaxAgeSeconds,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [send?.logicalId, 'QueueName'] } }],
    });
  });

  it('alarms when the oldest message on the pipeline queue is older than the stage allows queued work', () => {
    // Prepare
    const pipeline = resources(prod.template, 'AWS::SQS::Queue').find(
      (q) => q.properties.QueueName === 'broadcast-acme-prod-pipeline',
    );

    // Assess
    prod.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: STAGES.prod.sendQueueMaxAgeSeconds,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [pipeline?.logicalId, 'QueueName'] } }],
    });
  });

  it("alarms on the HTTP API's 5xx answers and on its p99 latency", () => {
    // Prepare
    const [api] = resources(prod.template, 'AWS::ApiGatewayV2::Api');
    const onApi = (metric: string) =>
      alarms(prod).find((a) => a.properties.MetricName === metric && dimensionOf(a, 'ApiId')?.Ref === api?.logicalId);

    // Assess
    expect(onApi('5xx')?.properties).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    expect(onApi('Latency')?.properties).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      ExtendedStatistic: 'p99',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: API_P99_LATENCY_MS,
    });
  });

  it.each(['ThrottledRequests', 'SystemErrors'])(
    "alarms on the table's %s over every operation the repositories call",
    (metricName) => {
      // Prepare
      const [table] = resources(prod.template, 'AWS::DynamoDB::Table');
      const alarm = alarms(prod).find((a) =>
        a.properties.Metrics?.some((m: Json) => m.MetricStat?.Metric.MetricName === metricName),
      );
      const stats: Json[] = alarm?.properties.Metrics.filter((m: Json) => m.MetricStat !== undefined) ?? [];
      const dimensions = (stat: Json) => stat.MetricStat.Metric.Dimensions as Json[];

      // Assess
      expect(alarm?.properties).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
      expect(stats.length).toBeLessThanOrEqual(10); // CloudWatch's limit for the metrics of one alarm
      for (const stat of stats) {
        expect(dimensions(stat)).toContainEqual({ Name: 'TableName', Value: { Ref: table?.logicalId } });
      }
      const operations = stats.map((stat) => dimensions(stat).find((d) => d.Name === 'Operation')?.Value);
      expect(operations).toEqual(
        expect.arrayContaining([
          'GetItem',
          'BatchGetItem',
          'Query',
          'PutItem',
          'UpdateItem',
          'DeleteItem',
          'BatchWriteItem',
          'TransactWriteItems',
        ]),
      );
    },
  );

  it("alarms when the event publisher reads the table's stream too far behind", () => {
    // Prepare
    const publisher = requiredFunction(prod.template, 'event-publisher');

    // Assess
    const alarm = alarms(prod).find(
      (a) => a.properties.MetricName === 'IteratorAge' && dimensionOf(a, 'FunctionName')?.Ref === publisher.logicalId,
    );
    expect(alarm?.properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
      Threshold: STREAM_ITERATOR_AGE_MS,
    });
  });

  it("labels every function's logs and metrics with the service, its namespace and the tenant stage", () => {
    for (const fn of resources(prod.template, 'AWS::Lambda::Function')) {
      // Prepare
      const { POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, STAGE } = fn.properties.Environment.Variables;
      const telemetry = { POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, STAGE };

      // Assess
      expect(telemetry).toEqual({
        POWERTOOLS_SERVICE_NAME: 'broadcast-service',
        POWERTOOLS_METRICS_NAMESPACE: 'BroadcastService',
        STAGE: 'acme-prod',
      });
      expect(loadConfig(telemetry)).toMatchObject(telemetry); // read (and validated) by the config schema
    }
  });

  it("graphs the send rate in messages, from the sender's metrics with the dimensions it writes", () => {
    // Prepare
    const widget = dashboardBody(prod).widgets.find((w: Json) => w.properties.title.startsWith('Send rate'));
    const metrics: Json[] = widget?.properties.metrics ?? [];

    // Assess
    expect(metrics.map((metric) => metric.slice(0, 7))).toEqual([
      ['BroadcastService', 'MessagesSent', 'service', 'broadcast-service', 'stage', 'acme-prod', expect.anything()],
      ['BroadcastService', 'MessagesFailed', 'service', 'broadcast-service', 'stage', 'acme-prod', expect.anything()],
    ]);
    expect(JSON.stringify(metrics)).not.toContain('AWS/SQS');
  });

  it('has a dashboard with send rate, failures, queue depth and latency', () => {
    prod.template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'broadcast-acme-prod',
      DashboardBody: Match.anyValue(),
    });
    const [dashboard] = resources(prod.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard?.properties.DashboardBody);
    for (const title of ['Send rate', 'Failures', 'Queue depth', 'Latency']) expect(body).toContain(title);
  });
});
