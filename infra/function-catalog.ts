import { BUNDLED_DOCS_ASSETS_DIR, DOCS_ASSET_FILES } from '../lib/http/docs-assets.js';
import type { HttpFunctionName } from '../lib/http/routes.js';
import type { ChannelCredentialsUse } from './constructs/channel-credentials.js';
import type { TableAccess } from './constructs/data.js';
import type { PipelineQueueName } from './constructs/delivery-pipeline.js';

/** What invokes a function. HTTP routes come from lib/http/routes.ts; the rest is wired by the stack. */
export type FunctionTrigger =
  | { readonly kind: 'http' }
  | {
      readonly kind: 'queue';
      readonly queue: PipelineQueueName;
      readonly batchSize: number;
      /** How long the event source gathers a batch; Lambda needs at least 1 s for a batchSize above 10. */
      readonly maxBatchingWindowSeconds?: number;
      /** Bounded parallelism: a number, or the stage's send concurrency (the sender). */
      readonly maxConcurrency: number | 'send-concurrency';
    }
  /** The periodic sweeper (EventBridge Scheduler `rate(...)`, every `sweepEveryMinutes`). */
  | { readonly kind: 'sweep' }
  /** The target of the automation rule (`trigger_broadcast` events on the stage's bus). */
  | { readonly kind: 'automation' }
  /**
   * The table's DynamoDB stream (the outbox of domain events): in order per item, retried on failure (partial batch
   * failures, bisecting), and after `retryAttempts` the batch's description goes to a DLQ instead of blocking the shard.
   */
  | {
      readonly kind: 'table-stream';
      readonly batchSize: number;
      readonly maxBatchingWindowSeconds: number;
      readonly retryAttempts: number;
    };

/** Least privilege, declared: a function gets exactly these grants (and the environment that goes with each). */
export interface FunctionAccess {
  readonly table?: TableAccess;
  readonly sendTo?: readonly PipelineQueueName[];
  /** Create/update/delete one-time schedules in the stage's group, passing the schedules' role. */
  readonly manageSchedules?: boolean;
  /** events:PutEvents on the stage's bus. */
  readonly publishEvents?: boolean;
  /** Signs or verifies unsubscribe links: may read the signing key, gets the stage's public base URL (issue 3). */
  readonly unsubscribeLinks?: boolean;
  /**
   * Sends e-mail through SES: `ses:SendEmail` on the stage's identities and configuration set, `ses:GetAccount` (the
   * account's sending rate, the default cap), and SES_CONFIGURATION_SET_NAME.
   */
  readonly sendEmail?: boolean;
  /**
   * `ses:GetAccount` alone: the SES account's sending rate, the default cap of an e-mail channel, for functions that
   * size a run on its channel's cap (starting one) or show the cap (implied by sendEmail).
   */
  readonly readSendQuota?: boolean;
  /** Sends SMS: `sms-voice:SendTextMessage` on the stage's origination identities and SMS configuration sets. */
  readonly sendSms?: boolean;
  /**
   * Seals channel credentials it is given (`seal`: kms:Encrypt) or opens stored ones for a send or a signature check
   * (`open`: kms:Decrypt), with the stage's key, for the stage's tenant only (issue 11). Reading a channel for anything
   * else needs neither: credentials are read withheld.
   */
  readonly channelCredentials?: ChannelCredentialsUse;
}

export interface FunctionSpec {
  readonly description: string;
  readonly trigger: FunctionTrigger;
  readonly access: FunctionAccess;
  readonly memorySize?: number;
  /** Seconds; not for queue consumers, whose timeout is their queue's (PIPELINE_QUEUES). @default 10 */
  readonly timeoutSeconds?: number;
  /**
   * Files of npm packages the handler reads at run time, copied beside the bundle into `into`: the bundle holds code
   * only. Paths are relative to the project root.
   */
  readonly packageFiles?: { readonly into: string; readonly files: readonly string[] };
}

export type FunctionCatalog = Readonly<Record<string, FunctionSpec>>;

/** Typed by HTTP_FUNCTIONS, so a new HTTP function in lib/http/routes.ts does not compile until it is declared here. */
const HTTP_FUNCTION_SPECS: Record<HttpFunctionName, FunctionSpec> = {
  // Liveness only: it touches no dependency, so it gets no grant at all.
  health: { description: 'GET /health', trigger: { kind: 'http' }, access: {} },
  unsubscribe: {
    description: 'Public unsubscribe links',
    trigger: { kind: 'http' },
    access: { table: 'read-write', unsubscribeLinks: true },
  },
  'contacts-api': { description: '/api/v1/contacts', trigger: { kind: 'http' }, access: { table: 'read-write' } },
  'contact-lists-api': {
    description: '/api/v1/contact-lists',
    trigger: { kind: 'http' },
    access: { table: 'read-write' },
  },
  'broadcasts-api': {
    description: '/api/v1/broadcasts',
    trigger: { kind: 'http' },
    // Preview and test send render the message, unsubscribe link included, and a test send goes out through the
    // broadcast's channel (e-mail or SMS too); execute, resume and cancel start pipeline steps (execute also plans and
    // releases the first chunk: lib/use-cases/set-run-going.ts); schedule, unschedule, cancel and execute create or
    // delete the broadcast's one-time schedule.
    access: {
      table: 'read-write',
      unsubscribeLinks: true,
      sendTo: ['pipeline', 'send'],
      manageSchedules: true,
      sendEmail: true,
      sendSms: true,
      // A test send goes out through the broadcast's channel.
      channelCredentials: 'open',
    },
    // A test send waits for its channel's answer (a webhook up to WEBHOOK_TIMEOUT_MS, 10 s by default), then records
    // it: room for both, inside API Gateway's 30 s.
    timeoutSeconds: 25,
  },
  // Seals the credentials it is given; reads channels with their credentials withheld, so it never opens one.
  'channels-api': {
    description: '/api/v1/channels',
    trigger: { kind: 'http' },
    access: { table: 'read-write', readSendQuota: true, channelCredentials: 'seal' },
  },
  // trigger_broadcast over HTTP: starts broadcasts (pipeline steps, and a run's first chunk) and unschedules the
  // scheduled ones it starts.
  'automation-api': {
    description: '/api/v1/automation/events',
    trigger: { kind: 'http' },
    access: { table: 'read-write', sendTo: ['pipeline', 'send'], manageSchedules: true, readSendQuota: true },
  },
  // Public: reads a channel (its tenant index, then the channel), opens its verify token and app secret to check Meta's
  // calls, and queues the receipts; writes nothing to the table.
  'whatsapp-webhook': {
    description: 'Public WhatsApp webhook: verification and delivery receipts',
    trigger: { kind: 'http' },
    access: { table: 'read', sendTo: ['receipts'], channelCredentials: 'open' },
  },
  // Public and static: the OpenAPI document (built from code) and the reference page's files. No grant at all.
  'api-docs': {
    description: 'GET /api/v1/openapi.json, GET /docs and its assets',
    trigger: { kind: 'http' },
    access: {},
    packageFiles: {
      into: BUNDLED_DOCS_ASSETS_DIR,
      files: Object.keys(DOCS_ASSET_FILES).map((file) => `node_modules/swagger-ui-dist/${file}`),
    },
  },
};

/**
 * The delivery, scheduling and automation workers of issues 3 and 4. Each queue has exactly one consumer (SQS hands
 * a message to one receiver, so two functions on one queue would steal each other's messages): if the pacer
 * becomes a function of its own, give it its own queue in PIPELINE_QUEUES rather than sharing `pipeline`.
 */
const WORKER_FUNCTION_SPECS: FunctionCatalog = {
  'pipeline-worker': {
    description:
      'Pipeline steps: start scheduled broadcasts, plan the audience in segments page by page, pace chunk releases',
    // One step per invocation: a step already works through pages of the audience. 24 at once: the 8 segment planners
    // (PLAN_SEGMENTS) of two broadcasts planning side by side, and 8 left for pacer ticks and scheduled starts, which
    // are short; a third broadcast's planners queue behind (each invocation plans for at most 20 s).
    trigger: { kind: 'queue', queue: 'pipeline', batchSize: 1, maxConcurrency: 24 },
    access: { table: 'read-write', sendTo: ['pipeline', 'send'], readSendQuota: true },
    // A step holds at most one page of 500 ids or contacts, and waits on DynamoDB most of its time.
    memorySize: 512,
  },
  sender: {
    description: 'Sends one chunk of executions through the channel; re-queues late and retried chunks',
    trigger: { kind: 'queue', queue: 'send', batchSize: 10, maxConcurrency: 'send-concurrency' },
    access: {
      table: 'read-write',
      unsubscribeLinks: true,
      sendTo: ['send'],
      sendEmail: true,
      sendSms: true,
      channelCredentials: 'open',
    },
  },
  'receipts-worker': {
    description: "Applies delivery receipts to executions and their broadcasts' delivery counters",
    // Up to 100 webhook calls per invocation, gathered for at most a second: one counter update per broadcast per
    // batch instead of one per receipt. A few at once: every invocation on a broadcast updates its one counters item.
    trigger: { kind: 'queue', queue: 'receipts', batchSize: 100, maxBatchingWindowSeconds: 1, maxConcurrency: 5 },
    // Changes executions' delivery fields and the counters item; never creates nor deletes anything else.
    access: { table: 'read-update' },
  },
  'provider-events-worker': {
    description: 'Applies SES and SMS delivery events: delivery statuses, bounce suppressions, complaint opt-outs',
    // As the receipts worker: up to 100 events per invocation, gathered for at most a second, a few at once.
    trigger: { kind: 'queue', queue: 'events', batchSize: 100, maxBatchingWindowSeconds: 1, maxConcurrency: 5 },
    // Delivery fields and counters (UpdateItem), suppressions (UpdateItem) and a complaint's opt-out, written as the
    // unsubscribe link writes it: a PutItem conditional on the contact as read, so it never creates one.
    access: { table: 'read-write' },
  },
  sweeper: {
    description: 'Starts overdue scheduled broadcasts; fails the far-too-late ones',
    trigger: { kind: 'sweep' },
    // Starts broadcasts as their start message would (a run's first chunk included); never touches schedules (a leftover
    // one is ignored).
    access: { table: 'read-write', sendTo: ['pipeline', 'send'], readSendQuota: true },
    timeoutSeconds: 60,
  },
  'event-publisher': {
    description: 'Publishes the domain events derived from the table stream to the stage bus',
    // Up to 100 records or 1 s per batch: a run's counters change once per chunk, so batches stay small and fresh.
    trigger: { kind: 'table-stream', batchSize: 100, maxBatchingWindowSeconds: 1, retryAttempts: 10 },
    // Reads only the stream (granted with the event source), never the table.
    access: { publishEvents: true },
    timeoutSeconds: 60,
  },
  'automation-trigger': {
    description: 'Applies trigger_broadcast automation events',
    trigger: { kind: 'automation' },
    // Starting a scheduled broadcast (override_schedule) deletes its one-time schedule; a start releases the run's
    // first chunk.
    access: { table: 'read-write', sendTo: ['pipeline', 'send'], manageSchedules: true, readSendQuota: true },
  },
};

export const FUNCTION_CATALOG: FunctionCatalog = { ...HTTP_FUNCTION_SPECS, ...WORKER_FUNCTION_SPECS };
