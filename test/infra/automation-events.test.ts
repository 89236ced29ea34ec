import { TRIGGER_BROADCAST_DETAIL_TYPE } from '../../infra/constructs/automation-events.js';
import { type Synthesized, synthStack, synthStage } from './support/synth.js';
import { referencedId, requiredFunction, resources } from './support/template-queries.js';

// Issue 5 section 2: an EventBridge bus per stage and the automation rule (detail-type trigger_broadcast,
// configurable source) targeting the automation function.

let prod: Synthesized;

beforeAll(() => {
  prod = synthStage({ stage: 'prod' });
});

describe('automation events', () => {
  it('creates one bus named after the tenant stage', () => {
    prod.template.resourceCountIs('AWS::Events::EventBus', 1);
    prod.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'broadcast-acme-prod' });
  });

  it('matches trigger_broadcast events from the default automation source on that bus', () => {
    const [bus] = resources(prod.template, 'AWS::Events::EventBus');
    prod.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: bus?.logicalId },
      EventPattern: { source: ['automation'], 'detail-type': [TRIGGER_BROADCAST_DETAIL_TYPE] },
    });
  });

  it('takes the source from the stage config', () => {
    const { template } = synthStack({ config: { automationSource: 'crm.automation' } });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['crm.automation'], 'detail-type': [TRIGGER_BROADCAST_DETAIL_TYPE] },
    });
  });

  it('targets the automation function, with retries and a DLQ', () => {
    const trigger = requiredFunction(prod.template, 'automation-trigger');
    const [rule] = resources(prod.template, 'AWS::Events::Rule');
    const targets = rule?.properties.Targets ?? [];
    expect(targets).toHaveLength(1);
    const [target] = targets;
    expect(referencedId(target.Arn)).toBe(trigger.logicalId);
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    const dlq = resources(prod.template, 'AWS::SQS::Queue').find(
      (queue) => queue.properties.QueueName === 'broadcast-acme-prod-automation-dlq',
    );
    expect(dlq).toBeDefined();
    expect(referencedId(target.DeadLetterConfig.Arn)).toBe(dlq?.logicalId);
  });
});
