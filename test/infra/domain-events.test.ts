import { Match } from 'aws-cdk-lib/assertions';
import { type Synthesized, synthStage } from './support/synth.js';
import { referencedId, requiredFunction, resources } from './support/template-queries.js';

// Issue 4 section 3: domain events leave through the table's stream (the outbox), relayed by event-publisher to
// the stage's bus; a batch that cannot be published is retried, then described in a DLQ, never silently lost.

let prod: Synthesized;

beforeAll(() => {
  prod = synthStage({ stage: 'prod' });
});

describe('domain events', () => {
  it('streams new and old images of every change of the table', () => {
    prod.template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('relays the stream to event-publisher from the oldest record, retrying and bisecting, with a DLQ', () => {
    const fn = requiredFunction(prod.template, 'event-publisher');
    const [table] = resources(prod.template, 'AWS::DynamoDB::Table');
    const dlq = resources(prod.template, 'AWS::SQS::Queue').find(
      (queue) => queue.properties.QueueName === 'broadcast-acme-prod-event-publisher-dlq',
    );
    expect(dlq).toBeDefined();
    prod.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fn.logicalId },
      EventSourceArn: { 'Fn::GetAtt': [table?.logicalId, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: Match.anyValue(),
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq?.logicalId, 'Arn'] } } },
    });
    const mapping = resources(prod.template, 'AWS::Lambda::EventSourceMapping').find(
      (m) => referencedId(m.properties.FunctionName) === fn.logicalId,
    );
    expect(mapping?.properties.MaximumRetryAttempts).toBeGreaterThan(0);
  });

  it('invokes event-publisher only for the records that can give an event, REMOVEs by their old image', () => {
    // Prepare
    const fn = requiredFunction(prod.template, 'event-publisher');
    const mapping = resources(prod.template, 'AWS::Lambda::EventSourceMapping').find(
      (m) => referencedId(m.properties.FunctionName) === fn.logicalId,
    );

    // Act
    const criteria = mapping?.properties.FilterCriteria as { Filters: { Pattern: string }[] } | undefined;
    const filters = (criteria?.Filters ?? []).map((filter) => JSON.parse(filter.Pattern));

    // Assess
    const entities = ['broadcast', 'contact_list', 'list_member', 'broadcast_run'];
    expect(filters).toEqual([
      { dynamodb: { NewImage: { entity: { S: entities } } } },
      { eventName: ['REMOVE'], dynamodb: { OldImage: { entity: { S: entities } } } },
    ]);
    expect(fn.properties.Environment).toMatchObject({ Variables: { DOMAIN_EVENTS_PER_MESSAGE: 'false' } });
  });

  it('lets event-publisher put events on the stage bus (and tells it the bus) and read the stream, not the table', () => {
    const fn = requiredFunction(prod.template, 'event-publisher');
    const [bus] = resources(prod.template, 'AWS::Events::EventBus');
    expect(referencedId(fn.properties.Environment.Variables.EVENT_BUS_NAME)).toBe(bus?.logicalId);
    const role = referencedId(fn.properties.Role);
    const statements = resources(prod.template, 'AWS::IAM::Policy')
      .filter((policy) => (policy.properties.Roles ?? []).some((r: unknown) => referencedId(r) === role))
      .flatMap((policy) => policy.properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['events:PutEvents', 'dynamodb:GetRecords']));
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).not.toContain('dynamodb:Query');
  });

  it('alarms on the stream DLQ like on every DLQ', () => {
    const dlq = resources(prod.template, 'AWS::SQS::Queue').find(
      (queue) => queue.properties.QueueName === 'broadcast-acme-prod-event-publisher-dlq',
    );
    const alarmed = resources(prod.template, 'AWS::CloudWatch::Alarm').some((alarm) =>
      (alarm.properties.Dimensions ?? []).some(
        (d: { Name: string; Value: unknown }) => d.Name === 'QueueName' && referencedId(d.Value) === dlq?.logicalId,
      ),
    );
    expect(alarmed).toBe(true);
  });
});
