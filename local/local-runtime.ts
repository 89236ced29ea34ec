import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { handler as eventPublisher } from '../functions/event-publisher.js';
import { handler as pipelineWorker } from '../functions/pipeline-worker.js';
import { handler as providerEventsWorker } from '../functions/provider-events-worker.js';
import { handler as receiptsWorker } from '../functions/receipts-worker.js';
import { handler as sender } from '../functions/sender.js';
import { handler as sweeper } from '../functions/sweeper.js';
import { passesEventSourceFilter } from '../lib/adapters/dynamodb/stream/derive-domain-events.js';
import { createSqsClient } from '../lib/adapters/sqs/sqs-client.js';
import { getRuntime, resetRuntime, runtimeHooks, setRuntimeHooks } from '../lib/composition-root.js';
import { logger } from '../lib/observability/logger.js';
import { DashboardAssets } from './dashboard-assets.js';
import { ensureTable, type RunningDynamoDb, startDynamoDbLocal } from './dynamodb-local.js';
import {
  type DynamoDbStreamHandler,
  type RunningDynamoDbStreamPoller,
  startDynamoDbStreamPoller,
} from './dynamodb-stream-poller.js';
import { startLocalApi } from './http-server.js';
import { LocalScheduler } from './local-scheduler.js';
import { localSecretKey } from './local-secret-key.js';
import type { LocalSettings } from './local-settings.js';
import { reportArrivals } from './sqs-arrivals.js';
import { type RunningSqsEventSource, type SqsLambdaHandler, startSqsEventSource } from './sqs-event-source.js';
import { invocationContext, parseQueueArn } from './sqs-lambda-event.js';
import { type LocalSqsOptions, type RunningLocalSqs, startLocalSqs } from './sqs-local.js';
import type { LocalQueueName } from './sqs-queues.js';

export { type LocalSettings, loadLocalSettings } from './local-settings.js';

export interface LocalRuntime {
  url: string;
  settings: LocalSettings;
  dynamoDbEndpoint: string;
  sqs: RunningLocalSqs;
  consumers: {
    pipeline: RunningSqsEventSource;
    send: RunningSqsEventSource;
    receipts: RunningSqsEventSource;
    events: RunningSqsEventSource;
  };
  /** EventBridge Scheduler's stand-in: one timer per scheduled broadcast, and the periodic sweeper. */
  scheduler: LocalScheduler;
  /** The table's stream, relayed to the event publisher (domain events). */
  stream: RunningDynamoDbStreamPoller;
  stop(): Promise<void>;
}

/** Fault injection for the tests that prove the pipeline's invariants; never set by npm start. */
export interface LocalRuntimeFaults {
  duplicateDeliveryRate?: number;
  /** Queue settings (e.g. shorter visibility timeouts, so a failed chunk comes back sooner). */
  sqs?: LocalSqsOptions;
}

/**
 * Everything `npm start` runs: DynamoDB Local (unless DYNAMODB_ENDPOINT names another one), the table,
 * the local SQS server with the pipeline, send, receipts and events queues and their DLQs, the event sources that invoke
 * the pipeline worker, the sender, the receipts worker and the provider events worker as Lambda would, the local scheduler (timers that put start messages on
 * the pipeline queue, re-armed from the table, and the sweeper every SCHEDULE_SWEEP_SECONDS) and the HTTP API
 * in front of the same handlers as in AWS. stop() ends all it started.
 */
export async function startLocalRuntime(
  settings: LocalSettings,
  faults: LocalRuntimeFaults = {},
): Promise<LocalRuntime> {
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stack.reverse()) await stop();
  };
  try {
    let endpoint = settings.DYNAMODB_ENDPOINT;
    if (!endpoint) {
      if (settings.DATA_DIR) mkdirSync(settings.DATA_DIR, { recursive: true });
      const dynamoDb: RunningDynamoDb = await startDynamoDbLocal(
        settings.DATA_DIR ? { dataDir: settings.DATA_DIR } : {},
      );
      stack.push(() => dynamoDb.stop());
      endpoint = dynamoDb.endpoint;
    }
    await ensureTable(endpoint, settings.TABLE_NAME);
    // The outbox relay (DynamoDB Streams -> event-publisher), started before anything writes: events.jsonl in commit order.
    const stream = await startDynamoDbStreamPoller({
      endpoint,
      tableName: settings.TABLE_NAME,
      handler: eventPublisher as unknown as DynamoDbStreamHandler,
      // The stage's filter, read from the configuration at each record: the environment is completed below.
      filter: (record) =>
        passesEventSourceFilter(record, { perMessageEvents: getRuntime().config.DOMAIN_EVENTS_PER_MESSAGE }),
    });
    stack.push(() => stream.stop());
    const sqs = await startLocalSqs(faults.sqs);
    stack.push(() => sqs.stop());
    // POST /local/events puts SES and SMS events on the events queue, as the stage's EventBridge rules do.
    const eventsClient = createSqsClient({ region: sqs.region, endpoint: sqs.endpoint, maxAttempts: 3 });
    stack.push(async () => eventsClient.destroy());
    const api = await startLocalApi({
      dashboard: new DashboardAssets(),
      events: { sqs: eventsClient, eventsQueueUrl: sqs.queueUrls.events, region: sqs.region },
      port: settings.PORT,
      host: settings.HOST,
      jwt: {
        secret: settings.LOCAL_JWT_SECRET,
        issuer: settings.LOCAL_JWT_ISSUER,
        audience: settings.LOCAL_JWT_AUDIENCE,
      },
    });
    const server: Server = api.server;
    stack.push(() => closeServer(server));

    Object.assign(process.env, {
      DYNAMODB_ENDPOINT: endpoint,
      TABLE_NAME: settings.TABLE_NAME,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      PIPELINE_QUEUE_URL: sqs.queueUrls.pipeline,
      SEND_QUEUE_URL: sqs.queueUrls.send,
      RECEIPTS_QUEUE_URL: sqs.queueUrls.receipts,
      ...(settings.DATA_DIR ? { DATA_DIR: settings.DATA_DIR } : {}),
    });
    // Local defaults a laptop wants: the built-in log channel, links to this server, and a claim lease
    // shorter than the local send queue's 30 s visibility timeout.
    process.env.DEFAULT_CHANNEL ??= 'log';
    process.env.PUBLIC_BASE_URL ??= api.url;
    process.env.CLAIM_LEASE_SECONDS ??= '20';
    // Channel credentials are sealed at rest locally too: under the key kept in DATA_DIR, else one of this process.
    process.env.LOCAL_SECRET_KEY ??= localSecretKey(settings.DATA_DIR);
    const running: Partial<Record<LocalQueueName, RunningSqsEventSource>> = {};
    const hooks = runtimeHooks();
    setRuntimeHooks({
      ...hooks,
      scheduler: (queue) => new LocalScheduler(queue),
      onSqsClient: (sqsClient) => {
        hooks.onSqsClient?.(sqsClient);
        reportArrivals(sqsClient, (queueUrl) => {
          for (const source of Object.values(running)) if (source.queueUrl === queueUrl) source.messageArrived();
        });
      },
    });
    // Another runtime started later in this process (tests) must not wake this one's pollers.
    stack.push(async () => {
      const { onSqsClient: _ours, ...rest } = runtimeHooks();
      setRuntimeHooks(hooks.onSqsClient ? { ...rest, onSqsClient: hooks.onSqsClient } : rest);
    });
    resetRuntime();
    getRuntime();

    const client: SQSClient = createSqsClient({ region: sqs.region, endpoint: sqs.endpoint, maxAttempts: 8 });
    stack.push(async () => client.destroy());
    runtimeHooks().onSqsClient?.(client);
    // One consumer per queue, sized as infra/function-catalog.ts consumes it (Lambda's batching window aside):
    // receipts and provider events (POST /local/events) in batches.
    const consumers = [
      { queue: 'pipeline', functionName: 'pipeline-worker', handler: pipelineWorker, batchSize: 10, maxConcurrency: 4 },
      {
        queue: 'send',
        functionName: 'sender',
        handler: sender,
        batchSize: 1,
        maxConcurrency: settings.SEND_CONCURRENCY,
      },
      {
        queue: 'receipts',
        functionName: 'receipts-worker',
        handler: receiptsWorker,
        batchSize: 100,
        maxConcurrency: 2,
      },
      {
        queue: 'events',
        functionName: 'provider-events-worker',
        handler: providerEventsWorker,
        batchSize: 100,
        maxConcurrency: 2,
      },
    ] as const;
    for (const { queue, handler, ...consumer } of consumers) {
      const source = await startSqsEventSource({
        client,
        handler: handler as unknown as SqsLambdaHandler,
        ...consumer,
        ...(faults.duplicateDeliveryRate ? { duplicateDeliveryRate: faults.duplicateDeliveryRate } : {}),
        ...sqs.consumers[queue],
      });
      stack.push(() => source.stop());
      running[queue] = source;
    }

    // Started last, stopped first: its start messages need the queue, and its sweeps the table.
    const { config, deps } = getRuntime();
    const scheduler = deps.scheduler;
    if (!(scheduler instanceof LocalScheduler)) {
      throw new Error('the local runtime needs the local scheduler: unset SCHEDULE_GROUP_NAME');
    }
    stack.push(() => scheduler.stop());
    const { region, accountId } = parseQueueArn(sqs.queues.pipeline.arn);
    const rearmed = await scheduler.start({
      broadcasts: deps.broadcasts,
      sweepEveryMs: config.SCHEDULE_SWEEP_SECONDS * 1000,
      sweep: () => sweeper({}, invocationContext({ functionName: 'sweeper', region, accountId, timeoutMs: 60_000 })),
    });
    if (rearmed > 0) logger.info('local scheduler: re-armed the scheduled broadcasts found in the table', { rearmed });
    return {
      url: api.url,
      settings,
      dynamoDbEndpoint: endpoint,
      sqs,
      consumers: running as Record<(typeof consumers)[number]['queue'], RunningSqsEventSource>,
      scheduler,
      stream,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}
