import { Match } from 'aws-cdk-lib/assertions';
import { STAGES } from '../../infra/stages.js';
import { type Synthesized, synthStage } from './support/synth.js';
import { requiredFunction, resources } from './support/template-queries.js';

// Issue 5 section 2: a schedule group per stage, and the sweeper's schedule.

let prod: Synthesized;

beforeAll(() => {
  prod = synthStage({ stage: 'prod' });
});

describe('scheduling', () => {
  it('creates one schedule group named after the tenant stage', () => {
    prod.template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    prod.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'broadcast-acme-prod' });
  });

  it('runs the sweeper, and nothing else, every sweepEveryMinutes', () => {
    const sweeper = requiredFunction(prod.template, 'sweeper');
    prod.template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    prod.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: `rate(${STAGES.prod.sweepEveryMinutes} minutes)`,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [sweeper.logicalId, 'Arn'] } }),
    });
  });

  it('keeps the sweeper out of the group the functions may delete schedules from', () => {
    const [schedule] = resources(prod.template, 'AWS::Scheduler::Schedule');
    expect(schedule).toBeDefined();
    expect(schedule?.properties.GroupName).toBeUndefined();
  });
});
