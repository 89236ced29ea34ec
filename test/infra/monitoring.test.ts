import { Match } from 'aws-cdk-lib/assertions';
import { STAGES } from '../../infra/stages.js';
import { type Synthesized, synthStage } from './support/synth.js';
import { type Json, referencedId, requiredFunction, resources } from './support/template-queries.js';

// Issue 5 section 2: alarms (DLQ depth > 0, errors, throttles, age of the oldest send message) to an SNS topic
// e-mailed from the stage config, and a dashboard with send rate, failures, queue depth and latency.

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
    expect(dlqs).toHaveLength(5);
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
