import { CfnOutput, Duration, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ROUTES, type RouteDefinition } from '../lib/http/routes.js';
import { Alarms } from './constructs/alarms.js';
import { ApiAuth } from './constructs/api-auth.js';
import { AutomationEvents } from './constructs/automation-events.js';
import { ChannelCredentials } from './constructs/channel-credentials.js';
import { DashboardHosting } from './constructs/dashboard-hosting.js';
import { Data } from './constructs/data.js';
import { DeliveryPipeline } from './constructs/delivery-pipeline.js';
import { ProviderEvents } from './constructs/provider-events.js';
import { Scheduling } from './constructs/scheduling.js';
import { ServiceApi } from './constructs/service-api.js';
import { ServiceDashboard } from './constructs/service-dashboard.js';
import { ServiceFunctions } from './constructs/service-functions.js';
import { UnsubscribeLinks } from './constructs/unsubscribe-links.js';
import type { DeploymentTarget } from './deployment-target.js';
import { FUNCTION_CATALOG, type FunctionCatalog } from './function-catalog.js';
import { Naming } from './naming.js';
import { telemetryOf } from './telemetry.js';

export interface BroadcastStackProps extends StackProps {
  readonly target: DeploymentTarget;
  /** Directory of the Lambda entry files. */
  readonly functionsDir: string;
  /** @default FUNCTION_CATALOG */
  readonly catalog?: FunctionCatalog;
  /** @default ROUTES from lib/http/routes.ts */
  readonly routes?: readonly RouteDefinition[];
}

/** Everything one tenant stage runs on, one construct per concern. */
export class BroadcastStack extends Stack {
  readonly naming: Naming;
  readonly functions: ServiceFunctions;

  constructor(scope: Construct, props: BroadcastStackProps) {
    const naming = new Naming(props.target);
    super(scope, naming.stackName, { ...props, stackName: naming.stackName });
    this.naming = naming;
    const { target } = props;
    const { config } = target;
    Tags.of(this).add('broadcast:tenant', target.tenant);
    Tags.of(this).add('broadcast:stage', target.stage);

    const data = new Data(this, 'Data', { retainData: config.retainData });
    const pipeline = new DeliveryPipeline(this, 'Pipeline', { naming });
    const scheduling = new Scheduling(this, 'Scheduling', {
      naming,
      targetQueue: pipeline.queue('pipeline').queue,
    });
    const events = new AutomationEvents(this, 'Events', { naming, source: config.automationSource });
    const providerEvents = new ProviderEvents(this, 'ProviderEvents', {
      naming,
      tenant: target.tenant,
      config,
      eventsQueue: pipeline.queue('events'),
    });
    const channelCredentials = new ChannelCredentials(this, 'ChannelCredentials', {
      naming,
      tenant: target.tenant,
      retainData: config.retainData,
    });
    const catalog = props.catalog ?? FUNCTION_CATALOG;
    this.functions = new ServiceFunctions(this, 'Functions', {
      catalog,
      functionsDir: props.functionsDir,
      target,
      data,
      pipeline,
      scheduling,
      events,
      providerEvents,
      channelCredentials,
    });
    // The operator dashboard, when the stage asks for it: its URL is the user pool's callback and an API origin.
    const dashboard = config.dashboard === undefined ? undefined : new DashboardHosting(this, 'Dashboard');
    const auth = new ApiAuth(this, 'Auth', {
      naming,
      config,
      ...(dashboard === undefined ? {} : { dashboardUrl: dashboard.url }),
    });
    const api = new ServiceApi(this, 'Api', {
      naming,
      config,
      routes: props.routes ?? ROUTES,
      functions: this.functions,
      authorizer: auth.authorizer,
      ...(dashboard === undefined ? {} : { extraAllowOrigins: [dashboard.origin] }),
    });
    if (dashboard !== undefined && auth.userPoolClient !== undefined && auth.hostedUiUrl !== undefined) {
      dashboard.publish({
        apiUrl: api.url,
        hostedUiUrl: auth.hostedUiUrl,
        userPoolClientId: auth.userPoolClient.userPoolClientId,
      });
      output(this, 'DashboardUrl', dashboard.url, 'Operator dashboard (signs in through the hosted UI)');
      output(this, 'HostedUiUrl', auth.hostedUiUrl, "The user pool's hosted UI");
    }

    // The unsubscribe links in messages point here: the API's URL unless the stage has a domain of its own.
    const links = new UnsubscribeLinks(this, 'UnsubscribeLinks', { retainData: config.retainData });
    for (const fn of this.functions.withAccess('unsubscribeLinks')) {
      links.bind(fn.function, config.publicBaseUrl ?? api.url);
    }

    const deadLetterQueues = {
      Pipeline: pipeline.deadLetterQueues.pipeline,
      Send: pipeline.deadLetterQueues.send,
      Receipts: pipeline.deadLetterQueues.receipts,
      Events: pipeline.deadLetterQueues.events,
      Schedule: scheduling.deadLetterQueue,
      Automation: events.deadLetterQueue,
      ...this.functions.deadLetterQueues,
    };
    const alarms = new Alarms(this, 'Alarms', {
      naming,
      alarmEmail: config.alarmEmail,
      functions: this.functions.all,
      deadLetterQueues,
      sendQueue: pipeline.queue('send').queue,
      sendQueueMaxAge: Duration.seconds(config.sendQueueMaxAgeSeconds),
      pipelineQueue: pipeline.queue('pipeline').queue,
      // Its pace ticks wait as long as the send queue's chunks (up to 900 s), so the same bound holds.
      pipelineQueueMaxAge: Duration.seconds(config.sendQueueMaxAgeSeconds),
      apiStage: api.stage,
      table: data.table,
      streamConsumers: this.functions.all.filter((fn) => catalog[fn.handlerName]?.trigger.kind === 'table-stream'),
    });
    const monitoring = new ServiceDashboard(this, 'Monitoring', {
      naming,
      functions: this.functions.all,
      pipelineQueue: pipeline.queue('pipeline').queue,
      sendQueue: pipeline.queue('send').queue,
      receiptsQueue: pipeline.queue('receipts').queue,
      eventsQueue: pipeline.queue('events').queue,
      deadLetterQueues,
      apiStage: api.stage,
      telemetry: telemetryOf(target),
    });

    output(this, 'ApiUrl', api.url, 'Base URL of the HTTP API');
    output(this, 'JwtIssuer', auth.issuer, 'Issuer the API accepts tokens from');
    if (auth.userPool !== undefined && auth.userPoolClient !== undefined) {
      output(this, 'UserPoolId', auth.userPool.userPoolId, 'Cognito user pool of this tenant stage');
      output(this, 'UserPoolClientId', auth.userPoolClient.userPoolClientId, 'App client to sign in with');
    }
    output(this, 'TenantClaim', config.tenantClaim, 'Token claim carrying the tenant');
    output(this, 'TableName', data.table.tableName, 'DynamoDB table');
    output(this, 'EventBusName', events.bus.eventBusName, 'Bus for domain events and trigger_broadcast');
    output(
      this,
      'SesConfigurationSetName',
      providerEvents.configurationSetName,
      'SES configuration set of e-mail sends',
    );
    output(this, 'ScheduleGroupName', scheduling.group.scheduleGroupName, 'Schedule group of scheduled broadcasts');
    output(this, 'AlarmTopicArn', alarms.topic.topicArn, 'SNS topic the alarms publish to');
    output(this, 'DashboardName', monitoring.dashboard.dashboardName, 'CloudWatch dashboard');
  }
}

function output(stack: Stack, id: string, value: string, description: string): void {
  new CfnOutput(stack, id, { value, description });
}
