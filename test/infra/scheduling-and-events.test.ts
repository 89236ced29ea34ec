import { Match } from 'aws-cdk-lib/assertions';
import { TRIGGER_BROADCAST_DETAIL_TYPE } from '../../infra/constructs/automation-events.js';
import { STAGES } from '../../infra/stages.js';
import { type Synthesized, synthStage, synthWithStandIns } from './support/synth.js';
import { referencedId, requiredFunction, resources } from './support/template-queries.js';

// Issue 5 section 2: a schedule group per stage and the sweeper schedule; an EventBridge bus per stage and the
// automation rule (detail-type trigger_broadcast, configurable source).

let prod: Synthesized;
/** Every planned worker present, with the automation source changed from its default. */
let withWorkers: Synthesized;

beforeAll(() => {
  prod = synthStage({ stage: 'prod' });
  withWorkers = synthWithStandIns({ config: { automationSource: 'crm.automation' } });
});

describe('scheduling', () => {
  it('creates one schedule group named after the tenant stage', () => {
    prod.template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    prod.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'broadcast-acme-prod' });
  });

  it('runs the sweeper every sweepEveryMinutes once functions/sweeper.ts exists', () => {
    const sweeper = requiredFunction(withWorkers.template, 'sweeper');
    withWorkers.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: `rate(${STAGES.prod.sweepEveryMinutes} minutes)`,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [sweeper.logicalId, 'Arn'] } }),
    });
  });

  it('keeps the sweeper out of the group the functions may delete schedules from', () => {
    for (const schedule of resources(withWorkers.template, 'AWS::Scheduler::Schedule')) {
      expect(schedule.properties.GroupName).toBeUndefined();
    }
  });

  it('has no schedule to run while the sweeper does not exist', () => {
    const sweeperExists = prod.stack.functions.pending.has('sweeper') === false;
    prod.template.resourceCountIs('AWS::Scheduler::Schedule', sweeperExists ? 1 : 0);
  });
});

describe('events', () => {
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
    withWorkers.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['crm.automation'], 'detail-type': [TRIGGER_BROADCAST_DETAIL_TYPE] },
    });
  });

  it('targets the automation function, with retries and a DLQ, once it exists', () => {
    const trigger = requiredFunction(withWorkers.template, 'automation-trigger');
    const [rule] = resources(withWorkers.template, 'AWS::Events::Rule');
    const [target] = rule?.properties.Targets ?? [];
    expect(referencedId(target.Arn)).toBe(trigger.logicalId);
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    const dlq = resources(withWorkers.template, 'AWS::SQS::Queue').find(
      (queue) => queue.properties.QueueName === 'broadcast-acme-prod-automation-dlq',
    );
    expect(referencedId(target.DeadLetterConfig.Arn)).toBe(dlq?.logicalId);
  });

  it('has no target while the automation function does not exist', () => {
    if (!prod.stack.functions.pending.has('automation-trigger')) return;
    const [rule] = resources(prod.template, 'AWS::Events::Rule');
    expect(rule?.properties.Targets).toBeUndefined();
  });
});
