import { FUNCTION_CATALOG } from '../../infra/function-catalog.js';
import { type Synthesized, synthStage } from './support/synth.js';
import {
  asArray,
  type Json,
  referencedId,
  requiredFunction,
  resources,
  roleOf,
  roleStatements,
} from './support/template-queries.js';

// Issue 11, section 3: channel credentials sealed by a KMS key of the stage, usable only by the functions that write or
// read them and only for the stage's tenant; the unsubscribe signing key read from Secrets Manager at cold start, never
// placed in a function's environment.

/** Who may seal (write) and who may open (read) channel credentials: see infra/function-catalog.ts. */
const SEALERS = ['channels-api'];
const OPENERS = ['broadcasts-api', 'sender', 'whatsapp-webhook'];
const LINK_FUNCTIONS = ['broadcasts-api', 'sender', 'unsubscribe'];
const ALL_FUNCTIONS = Object.keys(FUNCTION_CATALOG);

let prod: Synthesized;
let dev: Synthesized;

beforeAll(() => {
  prod = synthStage({ stage: 'prod' });
  dev = synthStage({ stage: 'dev' });
});

const both = () =>
  [
    ['prod', prod],
    ['dev', dev],
  ] as const;

function statementsOf(synthesized: Synthesized, name: string): Json[] {
  return roleStatements(synthesized.template, roleOf(requiredFunction(synthesized.template, name)));
}

function environmentOf(synthesized: Synthesized, name: string): Record<string, Json> {
  return requiredFunction(synthesized.template, name).properties.Environment.Variables;
}

const touching = (prefix: string) => (statement: Json) =>
  asArray(statement.Action).some((action: string) => action.startsWith(prefix));

describe("the stage's key for channel credentials", () => {
  it('is one customer managed symmetric key per stage, rotated yearly, kept with the data in prod', () => {
    for (const [stage, synthesized] of both()) {
      const keys = resources(synthesized.template, 'AWS::KMS::Key');
      expect(keys).toHaveLength(1);
      const [key] = keys;
      expect(key?.properties).toMatchObject({ EnableKeyRotation: true, KeySpec: 'SYMMETRIC_DEFAULT' });
      expect(key?.properties.KeyUsage ?? 'ENCRYPT_DECRYPT').toBe('ENCRYPT_DECRYPT');
      expect(key?.raw.DeletionPolicy).toBe(stage === 'prod' ? 'Retain' : 'Delete');
      const aliases = resources(synthesized.template, 'AWS::KMS::Alias');
      expect(aliases.map((alias) => [alias.properties.AliasName, referencedId(alias.properties.TargetKeyId)])).toEqual([
        [`alias/broadcast-acme-${stage}-channel-credentials`, key?.logicalId],
      ]);
    }
  });

  it('lets channels-api encrypt only, and the senders and the WhatsApp webhook decrypt only, for the stage tenant', () => {
    for (const [, synthesized] of both()) {
      const [key] = resources(synthesized.template, 'AWS::KMS::Key');
      for (const name of ALL_FUNCTIONS) {
        // Act
        const kms = statementsOf(synthesized, name).filter(touching('kms:'));

        // Assess
        const expected = SEALERS.includes(name) ? 'kms:Encrypt' : OPENERS.includes(name) ? 'kms:Decrypt' : undefined;
        if (expected === undefined) {
          expect({ name, kms }).toEqual({ name, kms: [] });
          continue;
        }
        expect({ name, kms }).toEqual({
          name,
          kms: [
            {
              Effect: 'Allow',
              Action: expected,
              Resource: { 'Fn::GetAtt': [key?.logicalId, 'Arn'] },
              Condition: {
                StringEquals: { 'kms:EncryptionContext:tenant_id': 'acme' },
                'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['tenant_id', 'channel_id', 'credential'] },
              },
            },
          ],
        });
      }
    }
  });

  it('names the key (CHANNEL_SECRETS_KEY_ARN) to exactly the functions allowed to use it', () => {
    for (const [, synthesized] of both()) {
      const [key] = resources(synthesized.template, 'AWS::KMS::Key');
      const named = ALL_FUNCTIONS.filter((name) => environmentOf(synthesized, name).CHANNEL_SECRETS_KEY_ARN);
      expect(named.sort()).toEqual([...SEALERS, ...OPENERS].sort());
      for (const name of named) {
        expect(environmentOf(synthesized, name).CHANNEL_SECRETS_KEY_ARN).toEqual({
          'Fn::GetAtt': [key?.logicalId, 'Arn'],
        });
      }
    }
  });

  it('keeps the default key policy: the account delegates to IAM, no principal is named in the key itself', () => {
    const [key] = resources(prod.template, 'AWS::KMS::Key');
    const statements: Json[] = key?.properties.KeyPolicy.Statement ?? [];
    expect(statements).toHaveLength(1);
    expect(statements[0].Principal).toEqual({
      AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] },
    });
  });
});

describe('the unsubscribe signing key', () => {
  it('is in no function environment: no UNSUBSCRIBE_SECRET, no dynamic reference resolving a secret', () => {
    for (const [, synthesized] of both()) {
      for (const name of ALL_FUNCTIONS) {
        const variables = environmentOf(synthesized, name);
        expect({ name, secret: variables.UNSUBSCRIBE_SECRET }).toEqual({ name, secret: undefined });
        expect(JSON.stringify(variables)).not.toContain('resolve:secretsmanager');
      }
    }
  });

  it('is read from Secrets Manager by exactly the functions that sign or verify links: its ARN, GetSecretValue on it', () => {
    for (const [, synthesized] of both()) {
      const [secret] = resources(synthesized.template, 'AWS::SecretsManager::Secret');
      for (const name of ALL_FUNCTIONS) {
        // Act
        const granted = statementsOf(synthesized, name).filter(touching('secretsmanager:'));
        const arn = environmentOf(synthesized, name).UNSUBSCRIBE_SECRET_ARN;

        // Assess
        if (!LINK_FUNCTIONS.includes(name)) {
          expect({ name, granted, arn }).toEqual({ name, granted: [], arn: undefined });
          continue;
        }
        expect({ name, arn }).toEqual({ name, arn: { Ref: secret?.logicalId } });
        expect({ name, granted }).toEqual({
          name,
          granted: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secret?.logicalId } }],
        });
      }
    }
    expect(ALL_FUNCTIONS.filter((name) => FUNCTION_CATALOG[name]?.access.unsubscribeLinks).sort()).toEqual(
      LINK_FUNCTIONS,
    );
  });
});
