import { randomBytes, randomUUID } from 'node:crypto';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DefaultChannelSenderFactory } from './adapters/channels/channel-sender-factory.js';
import { stageLogChannel } from './adapters/channels/log-channel.js';
import { type HostResolver, OutboundUrlGuard } from './adapters/channels/outbound-url-guard.js';
import { ProviderChannelCaps } from './adapters/channels/provider-channel-caps.js';
import { SesAccountSendRate } from './adapters/channels/ses/ses-account-rate.js';
import { createSesClient } from './adapters/channels/ses/ses-client.js';
import { WhatsAppReceiptWebhook } from './adapters/channels/whatsapp/receipt-webhook.js';
import { DynamoDbBroadcastRepository } from './adapters/dynamodb/broadcast-repository.js';
import { DynamoDbBroadcastRunRepository } from './adapters/dynamodb/broadcast-run-repository.js';
import { DynamoDbChannelPaceStore } from './adapters/dynamodb/channel-pace-store.js';
import { DynamoDbChannelRepository } from './adapters/dynamodb/channel-repository.js';
import { DynamoDbContactListRepository } from './adapters/dynamodb/contact-list-repository.js';
import { DynamoDbContactRepository } from './adapters/dynamodb/contact-repository.js';
import { DynamoDbDeliveryStatusRepository } from './adapters/dynamodb/delivery-status-repository.js';
import { createDocumentClient } from './adapters/dynamodb/document-client.js';
import { DynamoDbExecutionRepository } from './adapters/dynamodb/execution-repository.js';
import { DynamoDbProcessedEventStore } from './adapters/dynamodb/processed-event-store.js';
import { DynamoDbTestSendRepository } from './adapters/dynamodb/test-send-repository.js';
import {
  createEventBridgeClient,
  EventBridgeEventPublisher,
} from './adapters/eventbridge/eventbridge-event-publisher.js';
import { LocalEventPublisher } from './adapters/events/local-event-publisher.js';
import {
  createSchedulerClient,
  EventBridgeBroadcastScheduler,
} from './adapters/scheduler/eventbridge-broadcast-scheduler.js';
import { CachingSecretBox } from './adapters/secrets/caching-secret-box.js';
import { createKmsClient, KmsSecretBox } from './adapters/secrets/kms-secret-box.js';
import { LocalSecretBox, parseLocalSecretKey } from './adapters/secrets/local-secret-box.js';
import { createSqsClient } from './adapters/sqs/sqs-client.js';
import { SqsMessageQueue } from './adapters/sqs/sqs-message-queue.js';
import { SqsReceiptQueue } from './adapters/sqs/sqs-receipt-queue.js';
import { HmacUnsubscribeLinks } from './adapters/unsubscribe/hmac-unsubscribe-links.js';
import {
  createSecretsProvider,
  readUnsubscribeSigningKey,
} from './adapters/unsubscribe/secrets-manager-signing-key.js';
import { beforeFirstInvocation } from './cold-start.js';
import { type Config, loadConfig } from './config.js';
import type { BroadcastScheduler } from './ports/broadcast-scheduler.js';
import type { EventPublisher } from './ports/event-publisher.js';
import type { MessageQueue } from './ports/message-queue.js';
import type { SecretBox } from './ports/secret-box.js';
import type { UnsubscribeLinks } from './ports/unsubscribe-links.js';
import type { DeliverySettings, UseCaseDeps } from './use-cases/deps.js';

/** What the runtime reads at cold start, before it is built, instead of finding it in the environment. */
export interface ColdStartSecrets {
  /** The unsubscribe signing key, from Secrets Manager (UNSUBSCRIBE_SECRET_ARN). */
  unsubscribeSecret?: string;
}

/**
 * The one place that turns configuration into concrete adapters. Lambda handlers and the local
 * runtime both get their dependencies here, built once per process (per cold start).
 */
export function buildDeps(config: Config, hooks: RuntimeHooks = {}, secrets: ColdStartSecrets = {}): UseCaseDeps {
  const client = createDocumentClient({
    tableName: config.TABLE_NAME,
    region: config.AWS_REGION,
    maxAttempts: config.DYNAMODB_MAX_ATTEMPTS,
    ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
  });
  const sqs = createSqsClient({
    region: config.AWS_REGION,
    maxAttempts: config.SQS_MAX_ATTEMPTS,
    ...(config.AWS_ENDPOINT_URL_SQS ? { endpoint: config.AWS_ENDPOINT_URL_SQS } : {}),
  });
  hooks.onDynamoDbClient?.(client);
  hooks.onSqsClient?.(sqs);
  const table = config.TABLE_NAME;
  const queue = new SqsMessageQueue(sqs, {
    pipeline: config.PIPELINE_QUEUE_URL ?? '',
    send: config.SEND_QUEUE_URL ?? '',
  });
  const outboundUrls = outboundUrlGuard(config, hooks);
  const ses = sesClients(config, hooks);
  const sesAccountRate = new SesAccountSendRate(ses.account);
  const deps: UseCaseDeps = {
    contacts: new DynamoDbContactRepository(client, table),
    contactLists: new DynamoDbContactListRepository(client, table),
    broadcasts: new DynamoDbBroadcastRepository(client, table),
    runs: new DynamoDbBroadcastRunRepository(client, table),
    executions: new DynamoDbExecutionRepository(client, table),
    channels: new DynamoDbChannelRepository(client, table, secretBox(config)),
    channelPace: new DynamoDbChannelPaceStore(client, table),
    processedEvents: new DynamoDbProcessedEventStore(client, table),
    deliveries: new DynamoDbDeliveryStatusRepository(client, table),
    receiptQueue: new SqsReceiptQueue(sqs, config.RECEIPTS_QUEUE_URL ?? ''),
    receiptWebhooks: { whatsapp: new WhatsAppReceiptWebhook() },
    testSends: new DynamoDbTestSendRepository(client, table),
    senders: new DefaultChannelSenderFactory({
      // In AWS the log channel prints contacts' addresses masked; locally developers need them readable.
      log: { dataDir: config.DATA_DIR, maskContacts: config.AWS_LAMBDA_FUNCTION_NAME !== undefined },
      webhook: { timeoutMs: config.WEBHOOK_TIMEOUT_MS, guard: outboundUrls },
      whatsapp: { baseUrl: config.WHATSAPP_API_BASE_URL },
      sms: {
        region: config.AWS_REGION,
        ...(config.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2
          ? { endpoint: config.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 }
          : {}),
      },
      ses: { client: ses.send, configurationSetName: config.SES_CONFIGURATION_SET_NAME },
    }),
    channelCaps: new ProviderChannelCaps({ sesMaxSendRate: () => sesAccountRate.maxSendRate() }),
    outboundUrls,
    ...(config.DEFAULT_CHANNEL === 'log' ? { defaultChannel: stageLogChannel() } : {}),
    unsubscribeLinks: unsubscribeLinks(config, secrets),
    queue,
    scheduler: buildScheduler(config, queue, hooks),
    clock: { now: () => new Date() },
    ids: { newId: () => randomUUID() },
    delivery: deliverySettings(config),
  };
  return hooks.decorate ? hooks.decorate(deps) : deps;
}

/**
 * EventBridge Scheduler where the CDK configured it (the functions with `manageSchedules`); the local runtime's
 * timers where it injected them (local/local-scheduler.ts, never part of a Lambda bundle). Anywhere else, a
 * scheduler that refuses, naming what is missing, rather than timers that would die with the invocation.
 */
function buildScheduler(config: Config, queue: MessageQueue, hooks: RuntimeHooks): BroadcastScheduler {
  if (config.SCHEDULE_GROUP_NAME && config.SCHEDULE_ROLE_ARN && config.SCHEDULE_TARGET_QUEUE_ARN) {
    return new EventBridgeBroadcastScheduler(
      // A few attempts for throttling (CreateSchedule has a TPS quota); the sweeper covers what still fails.
      createSchedulerClient({ region: config.AWS_REGION, maxAttempts: 5 }),
      {
        groupName: config.SCHEDULE_GROUP_NAME,
        roleArn: config.SCHEDULE_ROLE_ARN,
        targetQueueArn: config.SCHEDULE_TARGET_QUEUE_ARN,
        ...(config.SCHEDULE_DLQ_ARN ? { deadLetterQueueArn: config.SCHEDULE_DLQ_ARN } : {}),
        maxEventAgeSeconds: config.MAX_LATENESS_SECONDS,
      },
    );
  }
  if (hooks.scheduler && !config.AWS_LAMBDA_FUNCTION_NAME) return hooks.scheduler(queue);
  const refuse = async () => {
    throw new Error(
      config.AWS_LAMBDA_FUNCTION_NAME
        ? `${config.AWS_LAMBDA_FUNCTION_NAME} may not manage schedules: give it manageSchedules in infra/function-catalog.ts`
        : 'no broadcast scheduler: set SCHEDULE_GROUP_NAME (EventBridge Scheduler) or run under the local runtime',
    );
  };
  return { schedule: refuse, unschedule: refuse };
}

/** How long an SES call may take, and its connection alone (past which nothing was sent). */
const SES_REQUEST_TIMEOUT_MS = 10_000;
const SES_CONNECTION_TIMEOUT_MS = 3_000;

/**
 * The SES v2 clients of the process, each built on first use (most functions never send e-mail): one for sends, one
 * SDK attempt per call (SendEmail has no idempotency key: the pipeline decides what may be retried), and one for
 * GetAccount, which the SDK may retry.
 */
function sesClients(config: Config, hooks: RuntimeHooks): { send: () => SESv2Client; account: () => SESv2Client } {
  const lazily = (maxAttempts: number) => {
    let client: SESv2Client | undefined;
    return () => {
      if (!client) {
        client = createSesClient({
          region: config.AWS_REGION,
          endpoint: config.AWS_ENDPOINT_URL_SESV2,
          maxAttempts,
          requestTimeoutMs: SES_REQUEST_TIMEOUT_MS,
          connectionTimeoutMs: SES_CONNECTION_TIMEOUT_MS,
        });
        hooks.onSesClient?.(client);
      }
      return client;
    };
  };
  return { send: lazily(1), account: lazily(3) };
}

/**
 * What seals channel credentials at rest: the stage's KMS key where the stack gave one (CHANNEL_SECRETS_KEY_ARN, on the
 * functions that write or read credentials), its answers kept a few minutes (the sender opens the same credentials
 * chunk after chunk); in AWS without it, a box that refuses, naming what is missing; locally, AES-256-GCM under
 * LOCAL_SECRET_KEY, or under a key of this process when none is set (`npm start` always sets one).
 */
function secretBox(config: Config): SecretBox {
  if (config.CHANNEL_SECRETS_KEY_ARN) {
    const kms = new KmsSecretBox(
      createKmsClient({ region: config.AWS_REGION, maxAttempts: 5 }),
      config.CHANNEL_SECRETS_KEY_ARN,
    );
    return new CachingSecretBox(kms, { ttlMs: OPENED_SECRET_TTL_MS, maxEntries: OPENED_SECRETS_MAX });
  }
  if (config.AWS_LAMBDA_FUNCTION_NAME) return unavailableSecretBox(config.AWS_LAMBDA_FUNCTION_NAME);
  return new LocalSecretBox(config.LOCAL_SECRET_KEY ? parseLocalSecretKey(config.LOCAL_SECRET_KEY) : processLocalKey());
}

/** How long an opened credential is reused: a rotated credential is a new sealed value, so this never serves a stale one. */
const OPENED_SECRET_TTL_MS = 5 * 60_000;
const OPENED_SECRETS_MAX = 1000;

let processKey: Buffer | undefined;

/** Without LOCAL_SECRET_KEY: one random key for the life of this process (runtime resets keep it). */
function processLocalKey(): Buffer {
  processKey ??= randomBytes(32);
  return processKey;
}

/** In a Lambda deployed without the key: any use is a deployment bug, said loudly. Reads that withhold need no key. */
function unavailableSecretBox(functionName: string): SecretBox {
  const fail = async (): Promise<never> => {
    throw new Error(
      `${functionName} may not seal or open channel credentials: give it channelCredentials in infra/function-catalog.ts`,
    );
  };
  return { algorithm: 'none', seal: fail, open: fail };
}

/** Links signed with the key read at cold start (AWS), else with UNSUBSCRIBE_SECRET or its local default. */
function unsubscribeLinks(config: Config, secrets: ColdStartSecrets): UnsubscribeLinks {
  const key = secrets.unsubscribeSecret ?? config.UNSUBSCRIBE_SECRET;
  return key ? new HmacUnsubscribeLinks(key, config.PUBLIC_BASE_URL) : unavailableUnsubscribeLinks();
}

/**
 * The server-side request forgery guard of webhook URLs, shared by the channel use cases (create, update) and the
 * webhook sender (each send). In AWS: https only, and internal addresses refused unless ALLOW_PRIVATE_WEBHOOK_URLS.
 */
function outboundUrlGuard(config: Config, hooks: RuntimeHooks): OutboundUrlGuard {
  const inAws = config.AWS_LAMBDA_FUNCTION_NAME !== undefined;
  return new OutboundUrlGuard({
    allowPrivate: config.ALLOW_PRIVATE_WEBHOOK_URLS ?? !inAws,
    requireHttps: inAws,
    ...(hooks.resolveHost && !inAws ? { resolve: hooks.resolveHost } : {}),
  });
}

/** Domain events go to the stage's bus where the CDK named one (EVENT_BUS_NAME); else to events.jsonl and the log. */
export function buildEventPublisher(config: Config): EventPublisher {
  if (config.EVENT_BUS_NAME) {
    return new EventBridgeEventPublisher(createEventBridgeClient({ region: config.AWS_REGION }), {
      eventBusName: config.EVENT_BUS_NAME,
      source: config.EVENT_SOURCE,
    });
  }
  return new LocalEventPublisher({ source: config.EVENT_SOURCE, dataDir: config.DATA_DIR });
}

const publishers = new WeakMap<object, EventPublisher>();

/** The event publisher of the current runtime (rebuilt with it after resetRuntime). */
export function getEventPublisher(): { config: Config; publisher: EventPublisher } {
  const current = getRuntime();
  let publisher = publishers.get(current);
  if (!publisher) {
    const built = buildEventPublisher(current.config);
    publisher = hooks.decorateEventPublisher ? hooks.decorateEventPublisher(built) : built;
    publishers.set(current, publisher);
  }
  return { config: current.config, publisher };
}

/**
 * Test and chaos hooks (never set in Lambda): reach the DynamoDB client to inject throttling, or wrap
 * dependencies (a channel that dies after the provider accepted a message).
 */
export interface RuntimeHooks {
  onDynamoDbClient?: (client: DynamoDBDocumentClient) => void;
  /** Every SQS client: the runtime's own and the local event sources' (benchmarks count their requests). */
  onSqsClient?: (client: SQSClient) => void;
  /** Every SES v2 client, when it is built (tests mock or count its calls). */
  onSesClient?: (client: SESv2Client) => void;
  decorate?: (deps: UseCaseDeps) => UseCaseDeps;
  /** Wraps the event publisher of event-publisher (the scenario tests keep what it published). */
  decorateEventPublisher?: (publisher: EventPublisher) => EventPublisher;
  /** The local runtime's stand-in for EventBridge Scheduler, injected so that no Lambda bundle carries it. */
  scheduler?: (queue: MessageQueue) => BroadcastScheduler;
  /** Name resolution of the outbound URL guard (tests: a host name that answers what the test says). */
  resolveHost?: HostResolver;
}

let hooks: RuntimeHooks = {};

/** The hooks in force, for the local runtime's own clients. */
export function runtimeHooks(): RuntimeHooks {
  return hooks;
}

export function setRuntimeHooks(next: RuntimeHooks): void {
  hooks = next;
  resetRuntime();
}

export function deliverySettings(config: Config): DeliverySettings {
  return {
    maxSendAttempts: config.MAX_SEND_ATTEMPTS,
    retryBaseMs: config.RETRY_BASE_SECONDS * 1000,
    claimLeaseMs: config.CLAIM_LEASE_SECONDS * 1000,
    autoPause: {
      window: config.AUTO_PAUSE_WINDOW,
      minSends: config.AUTO_PAUSE_MIN_SENDS,
      failureRate: config.AUTO_PAUSE_FAILURE_RATE,
    },
    sweepIdleMs: config.SWEEP_IDLE_SECONDS * 1000,
    pacerWatchGraceMs: config.PACER_WATCH_GRACE_SECONDS * 1000,
    maxSweeps: config.MAX_SWEEPS,
    firstChunkAtStart: config.FIRST_CHUNK_AT_START,
    planSegments: config.PLAN_SEGMENTS,
    maxLatenessMs: config.MAX_LATENESS_SECONDS * 1000,
    maxRatePerMinute: config.MAX_RATE_PER_MINUTE,
  };
}

export interface Runtime {
  config: Config;
  deps: UseCaseDeps;
}

let runtime: Runtime | undefined;
let preparing: Promise<Runtime> | undefined;
/** Moved on by every reset: a runtime prepared from the environment before a reset is not kept after it. */
let generation = 0;
let secretsProvider: ReturnType<typeof createSecretsProvider> | undefined;

/**
 * The runtime, built on first use so that importing a handler does nothing until its first invocation. Where the
 * configuration names secrets to read at cold start (UNSUBSCRIBE_SECRET_ARN), it must have been prepared first
 * (prepareRuntime, which the handler stack awaits): a synchronous build cannot wait for Secrets Manager.
 */
export function getRuntime(): Runtime {
  if (!runtime) {
    const config = loadConfig();
    if (config.UNSUBSCRIBE_SECRET_ARN) {
      throw new Error('the runtime reads its unsubscribe key at cold start: await prepareRuntime() first');
    }
    runtime = { config, deps: buildDeps(config, hooks) };
  }
  return runtime;
}

/**
 * The runtime, its cold-start secrets read first: the unsubscribe signing key from Secrets Manager where the stack
 * gave its ARN (Powertools Parameters, cached). One read however many invocations wait for it; a failed read fails
 * them, and the next invocation tries again.
 */
export function prepareRuntime(): Promise<Runtime> {
  if (runtime) return Promise.resolve(runtime);
  const started = generation;
  preparing ??= (async () => {
    const config = loadConfig();
    const secrets: ColdStartSecrets = {};
    if (config.UNSUBSCRIBE_SECRET_ARN) {
      secretsProvider ??= createSecretsProvider({ region: config.AWS_REGION });
      secrets.unsubscribeSecret = await readUnsubscribeSigningKey(secretsProvider, config.UNSUBSCRIBE_SECRET_ARN);
    }
    const built = { config, deps: buildDeps(config, hooks, secrets) };
    if (started !== generation) return built;
    runtime ??= built;
    return runtime;
  })().finally(() => {
    if (started === generation) preparing = undefined;
  });
  return preparing;
}

// Every handler that builds the runtime (and so imports this module) prepares it before its first invocation.
beforeFirstInvocation(prepareRuntime);

/** For tests and the local runtime: forget the cached runtime so the next call reads the environment again. */
export function resetRuntime(): void {
  runtime = undefined;
  preparing = undefined;
  generation++;
}

/** In a Lambda deployed without the signing key: any use is a deployment bug, said loudly. */
function unavailableUnsubscribeLinks(): UnsubscribeLinks {
  const fail = (): never => {
    throw new Error(
      'this function has no unsubscribe key (UNSUBSCRIBE_SECRET_ARN): grant it unsubscribeLinks in infra',
    );
  };
  return { linkFor: fail, verify: fail };
}
