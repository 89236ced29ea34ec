import { Match, Template } from 'aws-cdk-lib/assertions';
import { BroadcastStack } from '../../infra/broadcast-stack.js';
import { FUNCTIONS_DIR } from '../../infra/build-app.js';
import { parseStageConfig, STAGES } from '../../infra/stages.js';
import { loadConfig } from '../../lib/config.js';
import { ROUTES, routeKey } from '../../lib/http/routes.js';
import { type Synthesized, synthStage, testApp } from './support/synth.js';
import { type Json, referencedId, requiredFunction, resources } from './support/template-queries.js';

// Issue 5 section 2, HTTP API: the JWT authorizer on every /api/v1 route (public: /health and the unsubscribe
// route), throttling, CORS as configured.

describe('HTTP API', () => {
  let prod: Synthesized;
  let dev: Synthesized;

  beforeAll(() => {
    prod = synthStage({ stage: 'prod' });
    dev = synthStage({ stage: 'dev' });
  });

  const routes = (template: Template) =>
    new Map(resources(template, 'AWS::ApiGatewayV2::Route').map((route) => [route.properties.RouteKey, route]));

  it('has exactly one route per entry of lib/http/routes.ts', () => {
    expect([...routes(prod.template).keys()].sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it('integrates each route with the function the route table names', () => {
    const integrations = new Map(
      resources(prod.template, 'AWS::ApiGatewayV2::Integration').map((integration) => [
        integration.logicalId,
        integration,
      ]),
    );
    const deployed = routes(prod.template);
    for (const route of ROUTES) {
      const target: string = deployed.get(routeKey(route))?.properties.Target['Fn::Join'][1][1].Ref;
      const integration = integrations.get(target);
      expect(integration?.properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      expect(referencedId(integration?.properties.IntegrationUri)).toBe(
        requiredFunction(prod.template, route.fn).logicalId,
      );
    }
  });

  it('puts the JWT authorizer on every non-public route, and none on public ones', () => {
    const { template } = prod;
    const [authorizer] = resources(template, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer?.properties.AuthorizerType).toBe('JWT');
    const deployed = routes(template);
    expect(ROUTES.filter((route) => route.public).map(routeKey)).toContain('GET /health');
    // Under /api/v1/ only the providers' webhooks (their signatures are the credentials) and the API's own
    // OpenAPI document are public; so is the reference page that reads it.
    expect(ROUTES.filter((route) => route.path.startsWith('/api/v1/') && route.public).map(routeKey)).toEqual([
      'GET /api/v1/webhooks/whatsapp/{channel_id}',
      'POST /api/v1/webhooks/whatsapp/{channel_id}',
      'GET /api/v1/openapi.json',
    ]);
    expect(ROUTES.filter((route) => route.fn === 'api-docs').map(routeKey)).toEqual([
      'GET /api/v1/openapi.json',
      'GET /docs',
      'GET /docs/{asset}',
    ]);
    expect(ROUTES.filter((route) => route.fn === 'api-docs').every((route) => route.public)).toBe(true);
    for (const route of ROUTES) {
      const properties: Json = deployed.get(routeKey(route))?.properties;
      if (route.public) {
        expect(properties.AuthorizationType).toBe('NONE');
        expect(properties.AuthorizerId).toBeUndefined();
      } else {
        expect(properties.AuthorizationType).toBe('JWT');
        expect(properties.AuthorizerId).toEqual({ Ref: authorizer?.logicalId });
      }
    }
  });

  it('validates Cognito ID tokens of the stack-created pool and client', () => {
    const pool = resources(prod.template, 'AWS::Cognito::UserPool')[0];
    const client = resources(prod.template, 'AWS::Cognito::UserPoolClient')[0];
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: client?.logicalId }],
        Issuer: { 'Fn::Join': ['', Match.arrayWith([{ Ref: pool?.logicalId }])] },
      },
    });
    prod.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Schema: Match.arrayWith([Match.objectLike({ Name: 'tenant_id', Mutable: false })]),
    });
  });

  it('validates tokens of an external OIDC issuer when the stage says so', () => {
    const config = parseStageConfig('prod', {
      ...STAGES.prod,
      auth: { kind: 'oidc', issuer: 'https://login.example.com/', audience: ['broadcast-api'] },
      tenantClaim: 'https://example.com/tenant',
    });
    const stack = new BroadcastStack(testApp(), {
      target: { tenant: 'acme', stage: 'prod', config },
      functionsDir: FUNCTIONS_DIR,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://login.example.com/', Audience: ['broadcast-api'] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TENANT_CLAIM: 'https://example.com/tenant' }) },
    });
  });

  it('throttles the stage as configured', () => {
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: STAGES.prod.apiThrottle.rateLimit,
        ThrottlingBurstLimit: STAGES.prod.apiThrottle.burstLimit,
      },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('answers CORS preflights only where the stage configures origins', () => {
    dev.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: STAGES.dev.cors.allowOrigins }),
    });
    expect(STAGES.prod.cors.allowOrigins).toHaveLength(0);
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it('lets API Gateway invoke each HTTP function with one permission, not one per route', () => {
    const permissions = resources(prod.template, 'AWS::Lambda::Permission').filter(
      (permission) => permission.properties.Principal === 'apigateway.amazonaws.com',
    );
    const httpFunctions = new Set(ROUTES.map((route) => route.fn));
    expect(permissions).toHaveLength(httpFunctions.size);
  });

  it("answers within API Gateway's 30 s, broadcasts-api with room for a test send's webhook call and its record", () => {
    const timeouts = new Map(
      [...new Set(ROUTES.map((route) => route.fn))].map((fn) => [
        fn,
        requiredFunction(prod.template, fn).properties.Timeout as number,
      ]),
    );
    for (const timeout of timeouts.values()) expect(timeout).toBeLessThan(30);
    const webhookSeconds = loadConfig({}).WEBHOOK_TIMEOUT_MS / 1000;
    expect(timeouts.get('broadcasts-api')).toBeGreaterThanOrEqual(webhookSeconds + 5);
  });
});
