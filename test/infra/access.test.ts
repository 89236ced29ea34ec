import { parseStageConfig, STAGE_NAMES, STAGES, StageConfigError } from '../../infra/stages.js';
import { ROLES } from '../../lib/http/roles.js';
import { HTTP_FUNCTIONS } from '../../lib/http/routes.js';
import { type Synthesized, synthStack, synthStage } from './support/synth.js';
import { type Json, requiredFunction, resources } from './support/template-queries.js';

// Issue 11 section 1 on the synthesized stack: every function knows the stage's tenant (TENANT_ID) and where the
// roles are (ROLE_CLAIM); the Cognito pool asks for TOTP (required in prod), a strong password, offers no implicit
// flow nor a placeholder callback, and has a group per role.

const TENANT = 'globex';
const stages = new Map<string, Synthesized>();

beforeAll(() => {
  for (const stage of STAGE_NAMES) stages.set(stage, synthStage({ tenant: TENANT, stage }));
});

const synthesized = (stage: string): Synthesized => {
  const found = stages.get(stage);
  if (found === undefined) throw new Error(`stage ${stage} was not synthesized`);
  return found;
};

const HOSTED_UI = {
  domainPrefix: 'globex-broadcast-prod',
  callbackUrls: ['https://app.globex.example/auth/callback', 'http://localhost:5173/callback'],
  logoutUrls: ['https://app.globex.example/'],
};

describe('the stage’s tenant and role claim on the functions', () => {
  it.each(STAGE_NAMES)('%s: pins every HTTP function and the automation trigger to the stage’s tenant', (stage) => {
    // Act
    const pins = [...HTTP_FUNCTIONS, 'automation-trigger'].map((name) => [
      name,
      requiredFunction(synthesized(stage).template, name).properties.Environment.Variables.TENANT_ID,
    ]);

    // Assess
    expect(pins).toEqual([...HTTP_FUNCTIONS, 'automation-trigger'].map((name) => [name, TENANT]));
  });

  it.each(STAGE_NAMES)('%s: tells every HTTP function which claim holds the roles', (stage) => {
    for (const name of HTTP_FUNCTIONS) {
      const variables = requiredFunction(synthesized(stage).template, name).properties.Environment.Variables;
      expect({ name, roleClaim: variables.ROLE_CLAIM }).toEqual({ name, roleClaim: 'cognito:groups' });
    }
  });

  it('leaves REQUIRE_ROLES to its AWS default (required) on every function', () => {
    for (const stage of STAGE_NAMES) {
      for (const fn of resources(synthesized(stage).template, 'AWS::Lambda::Function')) {
        expect(fn.properties.Environment?.Variables?.REQUIRE_ROLES).toBeUndefined();
      }
    }
  });
});

describe('the Cognito user pool', () => {
  const pool = (stage: string): Json => resources(synthesized(stage).template, 'AWS::Cognito::UserPool')[0]?.properties;

  it('requires TOTP in prod and offers it in dev, never SMS', () => {
    expect(pool('prod')).toMatchObject({ MfaConfiguration: 'ON', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
    expect(pool('dev')).toMatchObject({ MfaConfiguration: 'OPTIONAL', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
  });

  it.each(STAGE_NAMES)('%s: asks for a password of 12 characters or more, of every class', (stage) => {
    const policy = pool(stage).Policies.PasswordPolicy;
    expect(policy.MinimumLength).toBeGreaterThanOrEqual(12);
    expect(policy).toMatchObject({
      RequireLowercase: true,
      RequireUppercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
    });
  });

  it.each(STAGE_NAMES)('%s: has a group per role, in the pool the authorizer trusts', (stage) => {
    const { template } = synthesized(stage);
    const [poolResource] = resources(template, 'AWS::Cognito::UserPool');
    const groups = resources(template, 'AWS::Cognito::UserPoolGroup').map((group) => ({
      name: group.properties.GroupName,
      pool: group.properties.UserPoolId,
    }));
    expect(groups.map((group) => group.name).sort()).toEqual([...ROLES].sort());
    for (const group of groups) expect(group.pool).toEqual({ Ref: poolResource?.logicalId });
  });

  it.each(STAGE_NAMES)('%s: without a hosted UI, its app client has no OAuth flow and no callback at all', (stage) => {
    const clients = resources(synthesized(stage).template, 'AWS::Cognito::UserPoolClient');
    expect(clients).toHaveLength(1);
    for (const client of clients) {
      expect(client.properties.AllowedOAuthFlows ?? []).toEqual([]);
      expect(client.properties.CallbackURLs ?? []).toEqual([]);
      expect(client.properties.AllowedOAuthFlowsUserPoolClient ?? false).toBe(false);
    }
    expect(resources(synthesized(stage).template, 'AWS::Cognito::UserPoolDomain')).toEqual([]);
  });

  it('with a hosted UI, offers the authorization code flow only, back to the stage’s own URLs', () => {
    // Act
    const { template } = synthStack({ stage: 'prod', config: { auth: { kind: 'cognito', hostedUi: HOSTED_UI } } });

    // Assess
    const [client] = resources(template, 'AWS::Cognito::UserPoolClient');
    expect(client?.properties).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: HOSTED_UI.callbackUrls,
      LogoutURLs: HOSTED_UI.logoutUrls,
    });
    expect(client?.properties.AllowedOAuthScopes.sort()).toEqual(['email', 'openid', 'profile']);
    expect(resources(template, 'AWS::Cognito::UserPoolDomain').map((domain) => domain.properties.Domain)).toEqual([
      HOSTED_UI.domainPrefix,
    ]);
    // A stage that leaves MFA unsaid requires it.
    expect(resources(template, 'AWS::Cognito::UserPool')[0]?.properties.MfaConfiguration).toBe('ON');
  });
});

describe('Cognito stage settings', () => {
  const withAuth = (auth: unknown) => () => parseStageConfig('prod', { ...STAGES.prod, auth });

  it('says MFA is required in prod', () => {
    expect(parseStageConfig('prod', STAGES.prod).auth).toMatchObject({ kind: 'cognito', mfa: 'required' });
  });

  it.each([
    ['MFA turned off', { kind: 'cognito', mfa: 'off' }, /mfa/],
    [
      'a hosted UI without callback URLs',
      { kind: 'cognito', hostedUi: { ...HOSTED_UI, callbackUrls: [] } },
      /callbackUrls/,
    ],
    [
      'a callback over plain http to another host than localhost',
      { kind: 'cognito', hostedUi: { ...HOSTED_UI, callbackUrls: ['http://app.globex.example/callback'] } },
      /callbackUrls/,
    ],
    [
      'a logout URL that is no URL',
      { kind: 'cognito', hostedUi: { ...HOSTED_UI, logoutUrls: ['app.globex.example'] } },
      /logoutUrls/,
    ],
    [
      'a domain prefix Cognito refuses',
      { kind: 'cognito', hostedUi: { ...HOSTED_UI, domainPrefix: 'globex-cognito' } },
      /domainPrefix/,
    ],
  ])('refuses %s at synth, naming the setting', (_what, auth, message) => {
    expect(withAuth(auth)).toThrow(StageConfigError);
    expect(withAuth(auth)).toThrow(message);
  });
});
