import { parseStageConfig, STAGE_NAMES, STAGES, StageConfigError } from '../../infra/stages.js';
import { type Synthesized, synthStack, synthStage } from './support/synth.js';
import { type Json, resources } from './support/template-queries.js';

// The operator dashboard in AWS: a private bucket read by CloudFront through origin access control, the user pool's
// hosted UI domain, the dashboard as the app client's callback (authorization code only) and as a CORS origin.

const DOMAIN_PREFIX = 'acme-broadcast-prod';
let hosted: Synthesized;

beforeAll(() => {
  hosted = synthStack({ stage: 'prod', config: { dashboard: { domainPrefix: DOMAIN_PREFIX } } });
});

const only = (type: string): { logicalId: string; properties: Json } => {
  const found = resources(hosted.template, type);
  expect(found).toHaveLength(1);
  return found[0] as { logicalId: string; properties: Json };
};

/** `https://<the distribution's domain name>/` as CloudFormation spells it. */
const dashboardUrl = (distributionId: string, path: '/' | '') => ({
  'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, ...(path ? [path] : [])]],
});

describe('the dashboard hosting', () => {
  it('keeps the bucket private, readable only by its distribution through origin access control', () => {
    // Act
    const bucket = only('AWS::S3::Bucket');
    const distribution = only('AWS::CloudFront::Distribution');
    const oac = only('AWS::CloudFront::OriginAccessControl');
    const policies = resources(hosted.template, 'AWS::S3::BucketPolicy').filter(
      (p) => JSON.stringify(p.properties.Bucket) === JSON.stringify({ Ref: bucket.logicalId }),
    );
    const statements = policies.flatMap((p) => p.properties.PolicyDocument.Statement as Json[]);

    // Assess
    expect(bucket.properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(oac.properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const [origin] = distribution.properties.DistributionConfig.Origins;
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oac.logicalId, 'Id'] });
    expect(origin.S3OriginConfig?.OriginAccessIdentity ?? '').toBe('');
    const read = statements.find((s) => s.Principal?.Service === 'cloudfront.amazonaws.com');
    expect(read?.Action).toBe('s3:GetObject');
    expect(JSON.stringify(read?.Condition)).toContain(distribution.logicalId);
    expect(statements.some((s) => s.Principal === '*' && s.Effect === 'Allow')).toBe(false);
  });

  it('serves HTTPS only, index.html at the root, with security headers', () => {
    // Act
    const config = only('AWS::CloudFront::Distribution').properties.DistributionConfig;
    const headers = only('AWS::CloudFront::ResponseHeadersPolicy').properties.ResponseHeadersPolicyConfig;

    // Assess
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(headers.SecurityHeadersConfig).toMatchObject({
      FrameOptions: { FrameOption: 'DENY' },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer' },
    });
    expect(JSON.stringify(headers.SecurityHeadersConfig.ContentSecurityPolicy)).toContain("default-src 'self'");
  });

  it('publishes the bundle and its config to the bucket and invalidates the distribution', () => {
    // Act
    const publish = only('Custom::CDKBucketDeployment');

    // Assess
    expect(publish.properties.DestinationBucketName).toEqual({ Ref: only('AWS::S3::Bucket').logicalId });
    expect(publish.properties.DistributionPaths).toEqual(['/*']);
    expect(publish.properties.SourceObjectKeys).toHaveLength(4);
  });
});

describe('signing in to the dashboard', () => {
  it("adds the user pool's hosted UI domain", () => {
    expect(only('AWS::Cognito::UserPoolDomain').properties.Domain).toBe(DOMAIN_PREFIX);
  });

  it('makes the dashboard the app client’s callback and logout URL, with the code flow only', () => {
    // Act
    const client = only('AWS::Cognito::UserPoolClient').properties;
    const distribution = only('AWS::CloudFront::Distribution').logicalId;

    // Assess
    expect(client).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: [dashboardUrl(distribution, '/')],
      LogoutURLs: [dashboardUrl(distribution, '/')],
    });
    expect(client.GenerateSecret ?? false).toBe(false);
  });

  it('lets the dashboard call the API from the browser (CORS) and names its URL in the outputs', () => {
    // Act
    const api = only('AWS::ApiGatewayV2::Api').properties;
    const distribution = only('AWS::CloudFront::Distribution').logicalId;
    const outputs = hosted.template.toJSON().Outputs;

    // Assess
    expect(api.CorsConfiguration.AllowOrigins).toEqual([dashboardUrl(distribution, '')]);
    expect(api.CorsConfiguration.AllowHeaders).toEqual(['authorization', 'content-type']);
    expect(outputs.DashboardUrl.Value).toEqual(dashboardUrl(distribution, '/'));
  });

  it('keeps the stage’s own hosted UI URLs beside the dashboard’s when it has both', () => {
    // Prepare
    const hostedUi = {
      domainPrefix: 'globex-broadcast',
      callbackUrls: ['https://app.globex.example/auth'],
      logoutUrls: ['https://app.globex.example/'],
    };

    // Act
    const { template } = synthStack({ stage: 'prod', config: { auth: { kind: 'cognito', hostedUi }, dashboard: {} } });

    // Assess
    const [client] = resources(template, 'AWS::Cognito::UserPoolClient');
    const [distribution] = resources(template, 'AWS::CloudFront::Distribution');
    expect(client?.properties.CallbackURLs).toEqual([
      ...hostedUi.callbackUrls,
      dashboardUrl(distribution?.logicalId ?? '', '/'),
    ]);
    expect(resources(template, 'AWS::Cognito::UserPoolDomain').map((d) => d.properties.Domain)).toEqual([
      hostedUi.domainPrefix,
    ]);
  });
});

describe('the dashboard setting', () => {
  it.each(STAGE_NAMES)('%s: is off unless asked for, so the stage has no distribution', (stage) => {
    expect(resources(synthStage({ stage }).template, 'AWS::CloudFront::Distribution')).toEqual([]);
  });

  it('is turned on for one deployment with -c dashboardDomainPrefix', () => {
    // Act
    const { template } = synthStage({ stage: 'dev', context: { dashboardDomainPrefix: 'acme-broadcast-dev' } });

    // Assess
    expect(resources(template, 'AWS::CloudFront::Distribution')).toHaveLength(1);
    expect(resources(template, 'AWS::Cognito::UserPoolDomain')[0]?.properties.Domain).toBe('acme-broadcast-dev');
  });

  it.each([
    ['with an external OIDC issuer', { auth: { kind: 'oidc', issuer: 'https://id.example', audience: ['x'] } }],
    ['without a domain for the hosted UI', { dashboard: {} }],
    ['with a domain prefix Cognito refuses', { dashboard: { domainPrefix: 'acme-cognito' } }],
  ])('refuses the dashboard %s, naming the setting', (_what, override) => {
    // Act
    const parse = () =>
      parseStageConfig('prod', { ...STAGES.prod, dashboard: { domainPrefix: 'acme-x' }, ...override });

    // Assess
    expect(parse).toThrow(StageConfigError);
    expect(parse).toThrow(/dashboard/);
  });
});
