import { Match } from 'aws-cdk-lib/assertions';
import { PIPELINE_QUEUE_NAMES, PIPELINE_QUEUES } from '../../infra/constructs/delivery-pipeline.js';
import { VISIBILITY_TIMEOUT_FACTOR } from '../../infra/constructs/queues.js';
import { type Synthesized, synthStage } from './support/synth.js';
import { type Json, referencedId, resources } from './support/template-queries.js';

// Issue 5 section 2, SQS: the pipeline and send queues with DLQs, SSE, redrive, visibility >= 6x the consumer's
// timeout.

function queueNamed(template: Synthesized['template'], name: string) {
  const queue = resources(template, 'AWS::SQS::Queue').find((q) => q.properties.QueueName === name);
  if (queue === undefined) throw new Error(`no queue ${name}`);
  return queue;
}

describe('delivery queues', () => {
  let prod: Synthesized;

  beforeAll(() => {
    prod = synthStage({ stage: 'prod' });
  });

  it.each(PIPELINE_QUEUE_NAMES)('the %s queue redrives to its own DLQ', (name) => {
    const queue = queueNamed(prod.template, `broadcast-acme-prod-${name}`);
    const dlq = queueNamed(prod.template, `broadcast-acme-prod-${name}-dlq`);
    expect(referencedId(queue.properties.RedrivePolicy.deadLetterTargetArn)).toBe(dlq.logicalId);
    expect(queue.properties.RedrivePolicy.maxReceiveCount).toBe(PIPELINE_QUEUES[name].maxReceiveCount);
  });

  it('encrypts every queue and refuses plain-HTTP access', () => {
    const queues = resources(prod.template, 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThanOrEqual(4);
    for (const queue of queues) expect(queue.properties.SqsManagedSseEnabled).toBe(true);
    for (const queue of queues) {
      prod.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue.logicalId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it.each(PIPELINE_QUEUE_NAMES)('the %s queue hides a message for >= 6x its consumer timeout', (name) => {
    const queue = queueNamed(prod.template, `broadcast-acme-prod-${name}`);
    expect(queue.properties.VisibilityTimeout).toBeGreaterThanOrEqual(
      VISIBILITY_TIMEOUT_FACTOR * PIPELINE_QUEUES[name].consumerTimeout.toSeconds(),
    );
  });

  it('every event source mapping reads a queue whose visibility is >= 6x the function timeout', () => {
    const { template } = prod;
    let checked = 0;
    const byId = new Map(resources(template).map((resource) => [resource.logicalId, resource]));
    for (const mapping of resources(template, 'AWS::Lambda::EventSourceMapping')) {
      // The table stream's mapping (event-publisher) reads no queue: see domain-events.test.ts.
      if (mapping.properties.EventSourceArn?.['Fn::GetAtt']?.[1] === 'StreamArn') continue;
      const queue = byId.get(referencedId(mapping.properties.EventSourceArn) ?? '');
      const fn = byId.get(referencedId(mapping.properties.FunctionName) ?? '');
      expect(queue?.type).toBe('AWS::SQS::Queue');
      expect(fn?.type).toBe('AWS::Lambda::Function');
      const timeout: number = (fn as Json).properties.Timeout;
      expect((queue as Json).properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
      checked += 1;
    }
    expect(checked).toBeGreaterThanOrEqual(PIPELINE_QUEUE_NAMES.length);
  });

  it('keeps dead letters for the maximum retention', () => {
    for (const name of [...PIPELINE_QUEUE_NAMES, 'schedule', 'automation']) {
      expect(queueNamed(prod.template, `broadcast-acme-prod-${name}-dlq`).properties.MessageRetentionPeriod).toBe(
        14 * 24 * 3600,
      );
    }
  });
});
