import { type Synthesized, synthStage } from './support/synth.js';
import { type Json, resources } from './support/template-queries.js';

// Issue 5 section 3: two stages (and two tenants) synthesize with no shared physical names, so any number of
// tenant stages can live in one account and region.

/** CloudFormation properties that set a physical name. */
const NAME_PROPERTIES = [
  'TableName',
  'QueueName',
  'FunctionName',
  'TopicName',
  'Name',
  'DashboardName',
  'LogGroupName',
  'RoleName',
  'UserPoolName',
  'AlarmName',
  'PolicyName',
];

/** Physical names, qualified by resource type (names only clash within a type). */
function physicalNames({ template }: Synthesized): string[] {
  return resources(template).flatMap((resource) =>
    NAME_PROPERTIES.filter((property) => typeof resource.properties[property] === 'string')
      // Authorizer names are scoped to their API; IAM inline policy names to their role.
      .filter((property) => !(resource.type === 'AWS::ApiGatewayV2::Authorizer' || property === 'PolicyName'))
      .map((property) => `${resource.type} ${(resource.properties as Json)[property]}`),
  );
}

describe('isolation between tenant stages', () => {
  let stacks: Synthesized[];

  beforeAll(() => {
    stacks = [
      synthStage({ tenant: 'acme', stage: 'dev' }),
      synthStage({ tenant: 'acme', stage: 'prod' }),
      synthStage({ tenant: 'globex', stage: 'dev' }),
      synthStage({ tenant: 'globex', stage: 'prod' }),
    ];
  });

  it('gives each tenant stage its own stack', () => {
    expect(stacks.map(({ stack }) => stack.stackName)).toEqual([
      'Broadcast-acme-dev',
      'Broadcast-acme-prod',
      'Broadcast-globex-dev',
      'Broadcast-globex-prod',
    ]);
  });

  it('names things, so the check below has something to compare', () => {
    expect(physicalNames(stacks[0] as Synthesized)).toEqual(
      expect.arrayContaining(['AWS::SQS::Queue broadcast-acme-dev-send', 'AWS::Events::EventBus broadcast-acme-dev']),
    );
  });

  it('shares no physical name between two stages or two tenants', () => {
    const seen = new Map<string, string>();
    for (const synthesized of stacks) {
      for (const name of new Set(physicalNames(synthesized))) {
        expect(seen.get(name)).toBeUndefined();
        seen.set(name, synthesized.stack.stackName);
      }
    }
  });

  it('names nothing that CloudFormation could not otherwise tell apart within one stack', () => {
    for (const synthesized of stacks) {
      const names = physicalNames(synthesized);
      expect(new Set(names).size).toBe(names.length);
    }
  });
});
