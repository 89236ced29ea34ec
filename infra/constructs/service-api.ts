import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../../lib/http/routes.js';
import type { Naming } from '../naming.js';
import type { StageConfig } from '../stages.js';
import type { ServiceFunctions } from './service-functions.js';

export interface ServiceApiProps {
  readonly naming: Naming;
  readonly config: StageConfig;
  readonly routes: readonly RouteDefinition[];
  readonly functions: ServiceFunctions;
  readonly authorizer: IHttpRouteAuthorizer;
  /** Browser origins allowed besides the stage's `cors.allowOrigins`: the dashboard's, when the stack hosts it. */
  readonly extraAllowOrigins?: readonly string[];
}

/** One JSON line per request; the fields that answer "who called what, and why did it fail". */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  time: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
};

/**
 * The HTTP API: one route per entry of lib/http/routes.ts (the same table the local server routes with), each
 * integrated with the function that serves it. The JWT authorizer is the API's default, so a route is public only
 * when the route table says so explicitly.
 */
export class ServiceApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ServiceApiProps) {
    super(scope, id);
    const { config } = props;
    const allowOrigins = [...config.cors.allowOrigins, ...(props.extraAllowOrigins ?? [])];
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: props.naming.physicalName(),
      createDefaultStage: false,
      defaultAuthorizer: props.authorizer,
      corsPreflight:
        allowOrigins.length === 0
          ? undefined
          : {
              allowOrigins,
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
              allowHeaders: ['authorization', 'content-type'],
              maxAge: Duration.hours(1),
            },
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetentionDays as RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: config.apiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.addRoutes(props);
  }

  /** The invoke URL of the default stage, without a trailing slash. */
  get url(): string {
    return this.api.apiEndpoint;
  }

  private addRoutes(props: ServiceApiProps): void {
    // One integration (and one invoke permission) per function, shared by all its routes: per-route permissions
    // would grow the function's resource policy with every route.
    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationFor = (name: string): HttpLambdaIntegration => {
      let integration = integrations.get(name);
      if (integration === undefined) {
        integration = new HttpLambdaIntegration(`${name}-integration`, props.functions.get(name).function, {
          scopePermissionToRoute: false,
        });
        integrations.set(name, integration);
      }
      return integration;
    };
    for (const route of props.routes) {
      new HttpRoute(this, `${route.method}${route.path}`.replace(/[^A-Za-z0-9]+/g, '-'), {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrationFor(route.fn),
        authorizer: route.public ? new HttpNoneAuthorizer() : props.authorizer,
      });
    }
  }
}
