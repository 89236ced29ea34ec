import { Token } from 'aws-cdk-lib';
import { buildApp } from '../../infra/build-app.js';
import { DeploymentTargetError } from '../../infra/deployment-target.js';
import { parseStageConfig, STAGE_NAMES, STAGES, StageConfigError } from '../../infra/stages.js';
import { MAX_RATE_LIMIT } from '../../lib/domain/broadcast.js';
import { cdkJsonContext, type Synthesized, synthStage, testApp } from './support/synth.js';

// Issue 5 section 1: -c tenant / -c stage select one stack; the stage config is typed and validated.

describe('app', () => {
  let prod: Synthesized;

  beforeAll(() => {
    prod = synthStage({ tenant: 'acme', stage: 'prod', validate: true });
  });

  it("passes CDK's CloudFormation validation, whose findings cdk.json turns into errors", () => {
    // Reaching this point means the synth above did not fail; the flag is what makes that meaningful.
    expect(cdkJsonContext()['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
    expect(prod.template.toJSON().Resources).toBeDefined();
  });

  it('names the stack Broadcast-<tenant>-<stage>', () => {
    expect(prod.stack.stackName).toBe('Broadcast-acme-prod');
    expect(prod.stack.artifactId).toBe('Broadcast-acme-prod');
  });

  it('is environment-agnostic, so synth needs no credentials', () => {
    expect(Token.isUnresolved(prod.stack.account)).toBe(true);
    expect(Token.isUnresolved(prod.stack.region)).toBe(true);
  });

  it('exposes what a deployer needs as outputs', () => {
    const outputs = Object.keys(prod.template.toJSON().Outputs);
    expect(outputs).toEqual(
      expect.arrayContaining(['ApiUrl', 'JwtIssuer', 'UserPoolId', 'UserPoolClientId', 'TenantClaim']),
    );
  });

  it.each([
    [{ stage: 'prod' }, /choose what to deploy/],
    [{ tenant: 'acme' }, /choose what to deploy/],
    [{ tenant: 'acme', stage: 'qa' }, /unknown stage "qa"/],
    [{ tenant: 'Acme Corp', stage: 'dev' }, /invalid tenant/],
    [{ tenant: 'acme', stage: 'dev', alarmEmail: 'not-an-email' }, /alarmEmail/],
  ])('rejects the context %j with a clear message', (context, message) => {
    expect(() => buildApp(testApp({ context }))).toThrow(message);
  });

  it('reports a bad context as a DeploymentTargetError', () => {
    expect(() => buildApp(testApp({ context: { stage: 'dev' } }))).toThrow(DeploymentTargetError);
  });
});

describe('stage config', () => {
  it.each(STAGE_NAMES)('%s is valid', (name) => {
    expect(() => parseStageConfig(name, STAGES[name])).not.toThrow();
  });

  it('prod retains data; dev does not', () => {
    expect(parseStageConfig('prod', STAGES.prod).retainData).toBe(true);
    expect(parseStageConfig('dev', STAGES.dev).retainData).toBe(false);
  });

  it('defaults the automation source to "automation"', () => {
    expect(parseStageConfig('dev', STAGES.dev).automationSource).toBe('automation');
  });

  it.each([
    ['a send concurrency below the event source minimum of 2', { sendConcurrency: 1 }, /sendConcurrency/],
    ['a log retention CloudWatch does not offer', { logRetentionDays: 10 }, /logRetentionDays/],
    ["a rate cap above the API's own ceiling", { maxRatePerMinute: MAX_RATE_LIMIT + 1 }, /maxRatePerMinute/],
    ['a Cognito pool with a tenant claim that is not a custom attribute', { tenantClaim: 'tenant_id' }, /tenantClaim/],
    ['an OIDC issuer without https', { auth: { kind: 'oidc', issuer: 'http://x', audience: ['a'] } }, /issuer/],
    ['an unknown setting', { sendConcurency: 5 }, /sendConcurency|unrecognized/i],
  ])('rejects %s', (_what, override, message) => {
    const attempt = () => parseStageConfig('dev', { ...STAGES.dev, ...override });
    expect(attempt).toThrow(StageConfigError);
    expect(attempt).toThrow(message);
  });

  it('accepts an external OIDC issuer with any tenant claim', () => {
    const config = parseStageConfig('dev', {
      ...STAGES.dev,
      auth: { kind: 'oidc', issuer: 'https://login.example.com/', audience: ['broadcast-api'] },
      tenantClaim: 'https://example.com/tenant',
    });
    expect(config.auth.kind).toBe('oidc');
  });
});
