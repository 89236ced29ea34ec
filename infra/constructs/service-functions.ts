import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Duration } from 'aws-cdk-lib';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { eventSourceEntities } from '../../lib/adapters/dynamodb/stream/derive-domain-events.js';
import type { DeploymentTarget } from '../deployment-target.js';
import type { FunctionCatalog, FunctionSpec } from '../function-catalog.js';
import { Naming } from '../naming.js';
import { telemetryEnvironment, telemetryOf } from '../telemetry.js';
import type { AutomationEvents } from './automation-events.js';
import type { ChannelCredentials } from './channel-credentials.js';
import type { Data } from './data.js';
import type { DeliveryPipeline } from './delivery-pipeline.js';
import type { ProviderEvents } from './provider-events.js';
import { createDeadLetterQueue } from './queues.js';
import type { Scheduling } from './scheduling.js';
import { ServiceFunction } from './service-function.js';

export interface ServiceFunctionsProps {
  readonly catalog: FunctionCatalog;
  /** Where the entry files live: functions/. */
  readonly functionsDir: string;
  readonly target: DeploymentTarget;
  readonly data: Data;
  readonly pipeline: DeliveryPipeline;
  readonly scheduling: Scheduling;
  readonly events: AutomationEvents;
  /** The SES configuration set and the send grants of e-mail and SMS. */
  readonly providerEvents: ProviderEvents;
  readonly channelCredentials: ChannelCredentials;
}

/**
 * Every Lambda of the service, created from the catalog: each gets the shared defaults, exactly the grants its spec
 * declares, and its trigger (HTTP routes are attached by the API construct, which looks functions up here).
 */
export class ServiceFunctions extends Construct {
  private readonly functions = new Map<string, ServiceFunction>();
  /** DLQs of the functions' own event sources (the table stream's), labelled for the alarms and the dashboard. */
  readonly deadLetterQueues: Record<string, Queue> = {};
  private readonly catalog: FunctionCatalog;

  constructor(scope: Construct, id: string, props: ServiceFunctionsProps) {
    super(scope, id);
    this.catalog = props.catalog;
    assertOneConsumerPerQueue(props.catalog);
    for (const [name, spec] of Object.entries(props.catalog)) {
      const entry = join(props.functionsDir, `${name}.ts`);
      if (!existsSync(entry)) throw new Error(`${entry} is missing: infra/function-catalog.ts deploys "${name}"`);
      this.functions.set(name, this.create(name, spec, props));
    }
    this.warnAboutUndeclaredHandlers(props);
  }

  get all(): ServiceFunction[] {
    return [...this.functions.values()];
  }

  get(name: string): ServiceFunction {
    const fn = this.functions.get(name);
    if (fn === undefined) throw new Error(`no deployed function "${name}" (see infra/function-catalog.ts)`);
    return fn;
  }

  /** The functions whose spec has this access flag set. */
  withAccess(flag: 'unsubscribeLinks'): ServiceFunction[] {
    return this.all.filter((fn) => this.catalog[fn.handlerName]?.access[flag] === true);
  }

  private create(name: string, spec: FunctionSpec, props: ServiceFunctionsProps): ServiceFunction {
    const { config } = props.target;
    const { trigger, access } = spec;
    const consumed = trigger.kind === 'queue' ? props.pipeline.queue(trigger.queue) : undefined;
    const maxConcurrency =
      trigger.kind === 'queue'
        ? trigger.maxConcurrency === 'send-concurrency'
          ? config.sendConcurrency
          : trigger.maxConcurrency
        : undefined;
    if (consumed !== undefined && spec.timeoutSeconds !== undefined) {
      throw new Error(`"${name}" consumes a queue: change its timeout in PIPELINE_QUEUES, not in the catalog`);
    }
    const fn = new ServiceFunction(this, pascalCase(name), {
      handlerName: name,
      functionsDir: props.functionsDir,
      description: `${spec.description} (${props.target.tenant}-${props.target.stage})`,
      environment: stageEnvironment(props.target),
      logRetention: config.logRetentionDays as RetentionDays,
      retainLogs: config.retainData,
      memorySize: spec.memorySize,
      // A consumer's timeout is its queue's, so the visibility timeout (derived from it) always fits.
      timeout: consumed?.consumerTimeout ?? optionalSeconds(spec.timeoutSeconds),
      // Reserved = the event source's bound: the poller is never throttled, and the function never takes more.
      reservedConcurrency: maxConcurrency,
      ...(spec.packageFiles ? { packageFiles: spec.packageFiles } : {}),
    });

    if (access.table !== undefined) props.data.bind(fn.function, access.table);
    for (const queue of access.sendTo ?? []) props.pipeline.bindProducer(fn.function, queue);
    if (access.manageSchedules) props.scheduling.bindScheduleManager(fn.function);
    if (access.publishEvents) props.events.bindPublisher(fn.function);
    if (access.sendEmail) props.providerEvents.bindEmailSender(fn.function);
    else if (access.readSendQuota) props.providerEvents.bindSendQuotaReader(fn.function);
    if (access.sendSms) props.providerEvents.bindSmsSender(fn.function);
    if (access.channelCredentials !== undefined) props.channelCredentials.bind(fn.function, access.channelCredentials);

    if (consumed !== undefined && trigger.kind === 'queue' && maxConcurrency !== undefined) {
      fn.consume(consumed, {
        batchSize: trigger.batchSize,
        maxConcurrency,
        ...(trigger.maxBatchingWindowSeconds === undefined
          ? {}
          : { maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds) }),
      });
    } else if (trigger.kind === 'sweep') {
      props.scheduling.scheduleSweeper(fn.function, Duration.minutes(config.sweepEveryMinutes));
    } else if (trigger.kind === 'automation') {
      props.events.routeTo(fn.function);
    } else if (trigger.kind === 'table-stream') {
      const dlq = createDeadLetterQueue(
        this,
        `${pascalCase(name)}DeadLetterQueue`,
        new Naming(props.target).physicalName(`${name}-dlq`),
      );
      this.deadLetterQueues[pascalCase(name)] = dlq;
      fn.function.addEventSource(
        new DynamoEventSource(props.data.table, {
          // TRIM_HORIZON: the mapping starts from the oldest record the stream keeps (24 h), so changes committed
          // before it existed (first deploy, a replaced mapping) are still published; LATEST would drop them.
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: trigger.batchSize,
          maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
          // One batch per shard at a time (parallelizationFactor 1): events keep the commit order of each item.
          parallelizationFactor: 1,
          reportBatchItemFailures: true,
          bisectBatchOnError: true,
          retryAttempts: trigger.retryAttempts,
          onFailure: new SqsDlq(dlq),
          filters: streamFilters(config.domainEventsPerMessage),
        }),
      );
    }
    return fn;
  }

  /** A handler nobody deploys is a feature that silently does not exist in AWS; the infra tests fail on it too. */
  private warnAboutUndeclaredHandlers(props: ServiceFunctionsProps): void {
    const undeclared = readdirSync(props.functionsDir)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => file.slice(0, -'.ts'.length))
      .filter((name) => !Object.hasOwn(props.catalog, name));
    for (const name of undeclared) {
      Annotations.of(this).addWarningV2(
        'broadcast:undeclared-handler',
        `functions/${name}.ts is not deployed: declare it in infra/function-catalog.ts`,
      );
    }
  }
}

/**
 * Stage settings every function may read; per-resource settings (table, queues, ...) come with their grants. Each is a
 * variable of lib/config.ts marked as set by the stack (test/infra/environment.test.ts holds the two together).
 */
function stageEnvironment(target: DeploymentTarget): Record<string, string> {
  const { config } = target;
  return {
    ...telemetryEnvironment(telemetryOf(target)),
    // The stage serves one tenant: every function refuses tokens and automation events of any other.
    TENANT_ID: target.tenant,
    TENANT_CLAIM: config.tenantClaim,
    ROLE_CLAIM: config.roleClaim,
    MAX_RATE_PER_MINUTE: String(config.maxRatePerMinute),
    DEFAULT_CHANNEL: config.defaultChannel,
    AUTOMATION_SOURCE: config.automationSource,
    MAX_LATENESS_SECONDS: String(config.maxLatenessSeconds),
    DOMAIN_EVENTS_PER_MESSAGE: String(config.domainEventsPerMessage),
  };
}

/**
 * Only the stream records that can give a domain event invoke the event publisher: the rest (executions, chunk
 * leases and tallies, contacts: nearly all of a running broadcast's writes) are dropped by the mapping, unbilled.
 * An INSERT or MODIFY carries the new image, a REMOVE only the old one.
 */
function streamFilters(perMessageEvents: boolean): { [key: string]: unknown }[] {
  const entity = { entity: { S: FilterRule.or(...eventSourceEntities({ perMessageEvents })) } };
  return [
    FilterCriteria.filter({ dynamodb: { NewImage: entity } }),
    FilterCriteria.filter({ eventName: FilterRule.isEqual('REMOVE'), dynamodb: { OldImage: entity } }),
  ];
}

function assertOneConsumerPerQueue(catalog: FunctionCatalog): void {
  const consumers = new Map<string, string>();
  for (const [name, { trigger }] of Object.entries(catalog)) {
    if (trigger.kind !== 'queue') continue;
    const other = consumers.get(trigger.queue);
    if (other !== undefined) {
      throw new Error(
        `"${name}" and "${other}" both consume the ${trigger.queue} queue; SQS would split messages between them`,
      );
    }
    consumers.set(trigger.queue, name);
  }
}

function optionalSeconds(seconds: number | undefined): Duration | undefined {
  return seconds === undefined ? undefined : Duration.seconds(seconds);
}

function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_match, _dash: string, char: string) => char.toUpperCase());
}
