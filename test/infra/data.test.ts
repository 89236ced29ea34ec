import { Match } from 'aws-cdk-lib/assertions';
import { SCHEDULED_DUE_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '../../lib/adapters/dynamodb/table-definition.js';
import { type Synthesized, synthStage } from './support/synth.js';

// Issue 5 section 2, DynamoDB: on-demand, PITR, TTL, the code's indexes, deletion protection and retention in prod.

describe('table', () => {
  let prod: Synthesized;
  let dev: Synthesized;

  beforeAll(() => {
    prod = synthStage({ stage: 'prod' });
    dev = synthStage({ stage: 'dev' });
  });

  it('is one on-demand table keyed like the repositories expect, with the scheduled-due index', () => {
    prod.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    prod.template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: SCHEDULED_DUE_INDEX.name,
          KeySchema: [
            { AttributeName: SCHEDULED_DUE_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: SCHEDULED_DUE_INDEX.sortKey, KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  it.each(['prod', 'dev'] as const)('%s has point-in-time recovery and the TTL attribute', (stage) => {
    const { template } = stage === 'prod' ? prod : dev;
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('prod retains the table and protects it from deletion', () => {
    prod.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it('dev deletes the table with the stack', () => {
    dev.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('prod also retains its user pool, unsubscribe signing key and logs', () => {
    prod.template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
    prod.template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
    dev.template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
    const logGroups = Object.values(prod.template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups.length).toBeGreaterThan(0);
    for (const logGroup of logGroups) expect(logGroup.DeletionPolicy).toBe('Retain');
  });
});
