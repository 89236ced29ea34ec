/**
 * Child process of `npm run bench` (see support/child.ts), never run by hand. BENCH_ROLE:
 * - `pipeline`: the local runtime (local SQS, the event sources running the real handlers, the HTTP API) on
 *   the parent's DynamoDB Local, with the AWS meter on its clients and on the HTTP routes' durations. With
 *   BENCH_NO_STREAM=1 it does not relay the table's stream (another process does: a second runtime that only takes
 *   the providers' webhooks, so they are metered apart from the sends);
 * - `baseline`: the seed's BroadcastExecutionWorker (baseline/, a comparison baseline only) on the same table;
 * - `ceiling`: the least work per message any pipeline keeping the service's record does (phases/send-and-record-alone.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OutboundUrlGuard } from '../../lib/adapters/channels/outbound-url-guard.js';
import { WebhookChannel } from '../../lib/adapters/channels/webhook-channel.js';
import { EVENTS_FILE } from '../../lib/adapters/events/local-event-publisher.js';
import { buildDeps } from '../../lib/composition-root.js';
import { loadConfig } from '../../lib/config.js';
import type { UseCaseDeps } from '../../lib/use-cases/deps.js';
import type { LocalRuntime } from '../../local/local-runtime.js';
import type { SqsEventSourceStats } from '../../local/sqs-event-source.js';
import { SeedBroadcastExecutionWorker } from './baseline/seed-broadcast-worker.js';
import { sendAndRecordAlone } from './phases/send-and-record-alone.js';
import { AwsMeter } from './support/aws-meter.js';
import type { ChildMessage, ChildReport, ParentMessage } from './support/child.js';
import { SINK_SECRET, startRuntime } from './support/environment.js';
import { timeHttpFunctions } from './support/http-timings.js';

const role = process.env.BENCH_ROLE;
// The parent gone (interrupted, killed): nothing is left to report to.
process.on('disconnect', () => process.exit(0));
const endpoint = required('BENCH_DYNAMODB_ENDPOINT');
const tableName = required('BENCH_TABLE');
const meter = new AwsMeter();
let domainEvents = 0;
let rssAtStartMb = 0;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

function report(extra: Partial<ChildReport> = {}): ChildReport {
  return {
    meter: meter.snapshot(),
    domainEvents,
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    rssAtStartMb,
    ...extra,
  };
}

function delta(after: SqsEventSourceStats, before: SqsEventSourceStats): SqsEventSourceStats {
  const out = { ...after };
  for (const key of Object.keys(after) as (keyof SqsEventSourceStats)[]) {
    if (key !== 'inFlight' && key !== 'peakConcurrency') out[key] = after[key] - before[key];
  }
  return out;
}

/** When each message was handed to its channel adapter, by broadcast (see ChildReport.handedToChannel). */
let handedToChannel: Record<string, number[]> = {};

function recordingHandOvers(deps: UseCaseDeps): UseCaseDeps {
  const senders = deps.senders;
  return {
    ...deps,
    senders: {
      senderFor: (channel) => {
        const sender = senders.senderFor(channel);
        return {
          honoursIdempotencyKey: sender.honoursIdempotencyKey,
          send: (message) => {
            if (meter.enabled) {
              const times = handedToChannel[message.broadcastId] ?? [];
              times.push(Date.now());
              handedToChannel[message.broadcastId] = times;
            }
            return sender.send(message);
          },
        };
      },
    },
  };
}

async function runPipeline(): Promise<void> {
  timeHttpFunctions((fn, ms, busyMs) => meter.httpInvocation(fn, ms, busyMs));
  const runtime: LocalRuntime = await startRuntime({
    endpoint,
    tableName,
    env: {},
    sendConcurrency: Number(process.env.SEND_CONCURRENCY ?? 4),
    hooks: {
      onDynamoDbClient: (client) => meter.instrumentDynamoDb(client),
      onSqsClient: (client) => meter.instrumentSqs(client),
      decorate: recordingHandOvers,
    },
  });
  const relaysStream = process.env.BENCH_NO_STREAM !== '1';
  if (!relaysStream) await runtime.stream.stop();
  // The domain events the event publisher (functions/event-publisher.ts, fed by the table's stream) puts on
  // EventBridge in AWS: locally, one line each in DATA_DIR/events.jsonl.
  const eventsFile = join(required('DATA_DIR'), EVENTS_FILE);
  const eventLines = () => (existsSync(eventsFile) ? readFileSync(eventsFile, 'utf8').split('\n').length - 1 : 0);
  let eventLinesAtStart = 0;
  const consumerStats = () => ({
    pipeline: runtime.consumers.pipeline.stats(),
    send: runtime.consumers.send.stats(),
    receipts: runtime.consumers.receipts.stats(),
    events: runtime.consumers.events.stats(),
  });
  let before = consumerStats();
  process.on('message', (message: ParentMessage) => {
    void (async () => {
      switch (message.type) {
        case 'start':
          meter.reset();
          handedToChannel = {};
          eventLinesAtStart = eventLines();
          before = consumerStats();
          rssAtStartMb = mb(process.memoryUsage().rss);
          meter.enabled = true;
          send({ type: 'started' });
          return;
        case 'finish':
          // A receipts or events batch whose writes are done may still be deleting its messages: let it settle first.
          for (let i = 0; i < 200 && settling(runtime) > 0; i++) await sleep(50);
          meter.enabled = false;
          // Every change committed so far has reached the event publisher.
          if (relaysStream) await runtime.stream.drain(60_000);
          domainEvents = eventLines() - eventLinesAtStart;
          send({
            type: 'report',
            report: report({
              handedToChannel,
              consumers: {
                pipeline: delta(runtime.consumers.pipeline.stats(), before.pipeline),
                send: delta(runtime.consumers.send.stats(), before.send),
                receipts: delta(runtime.consumers.receipts.stats(), before.receipts),
                events: delta(runtime.consumers.events.stats(), before.events),
              },
            }),
          });
          return;
        case 'stop':
          await runtime.stop();
          process.exit(0);
      }
    })().catch((error: unknown) => send({ type: 'error', message: String((error as Error)?.stack ?? error) }));
  });
  send({ type: 'ready', url: runtime.url });
}

function settling(runtime: LocalRuntime): number {
  return runtime.consumers.receipts.stats().inFlight + runtime.consumers.events.stats().inFlight;
}

/** The baseline and ceiling roles: one loop in this process, on the same repositories and webhook adapter. */
async function runLoop(): Promise<void> {
  let client: DynamoDBDocumentClient | undefined;
  const config = loadConfig({ TABLE_NAME: tableName, DYNAMODB_ENDPOINT: endpoint, DEFAULT_CHANNEL: 'none' });
  const deps = buildDeps(config, {
    onDynamoDbClient: (c) => {
      client = c;
      meter.instrumentDynamoDb(c);
    },
  });
  const sender = new WebhookChannel(
    { url: required('BENCH_SINK_URL'), secret: SINK_SECRET },
    // The sink is on this machine: private addresses allowed, as under `npm start`.
    {
      timeoutMs: Number(process.env.WEBHOOK_TIMEOUT_MS ?? 10_000),
      guard: new OutboundUrlGuard({ allowPrivate: true, requireHttps: false }),
    },
  );
  const worker = new SeedBroadcastExecutionWorker({
    repositories: deps,
    client: client as DynamoDBDocumentClient,
    tableName,
    sender,
  });
  process.on('message', (message: ParentMessage) => {
    void (async () => {
      if (message.type === 'run-broadcast') {
        meter.reset();
        rssAtStartMb = mb(process.memoryUsage().rss);
        meter.enabled = true;
        const started = performance.now();
        const result =
          role === 'ceiling'
            ? await sendAndRecordAlone(deps, sender, message.tenantId, message.broadcastId)
            : await worker.executeBroadcast(message.tenantId, message.broadcastId);
        const durationMs = performance.now() - started;
        meter.enabled = false;
        send({ type: 'report', report: report({ baseline: { durationMs, ...result } }) });
      } else if (message.type === 'stop') process.exit(0);
    })().catch((error: unknown) => send({ type: 'error', message: String((error as Error)?.stack ?? error) }));
  });
  send({ type: 'ready' });
}

try {
  if (role === 'pipeline') await runPipeline();
  else if (role === 'baseline' || role === 'ceiling') await runLoop();
  else throw new Error(`BENCH_ROLE must be pipeline, baseline or ceiling, not ${role}`);
} catch (error) {
  send({ type: 'error', message: String((error as Error)?.stack ?? error) });
  process.exit(1);
}
