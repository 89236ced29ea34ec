import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../lib/adapters/dynamodb/document-client.js';
import type { BroadcastExecution } from '../../../lib/domain/broadcast-execution.js';
import type { UseCaseDeps } from '../../../lib/use-cases/deps.js';
import type { LocalRuntime } from '../../../local/local-runtime.js';
import { allExecutions } from '../../support/pipeline.js';
import { type BroadcastTraffic, type SinkPolicy, WebhookSink } from '../../support/webhook-sink.js';
import {
  type Api,
  createBroadcast,
  observerDeps,
  SINK_SECRET,
  seconds,
  startRuntime,
  tenantApi,
  webhookChannel,
} from './environment.js';
import type { FaultInjector } from './faults.js';
import { checkAudience, seedContacts, seedList } from './seed-data.js';

/**
 * What every scenario of `npm run chaos` stands on: a table of its own on the shared DynamoDB Local, the local
 * runtime with the scenario's faults hooked in, a webhook receiver, a seeded list and a broadcast on it; and, once
 * the broadcast completed, the invariants counted from the execution records, the stats and the receiver.
 */

/** Shortened for a run that ends in minutes; each named in the output. */
export const SERVICE_ENV: Record<string, string> = {
  SEND_CONCURRENCY: process.env.SEND_CONCURRENCY ?? '4',
  RETRY_BASE_SECONDS: '1',
  WEBHOOK_TIMEOUT_MS: '500',
  CLAIM_LEASE_SECONDS: '3',
  SWEEP_IDLE_SECONDS: '10',
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
};
/** Failed messages come back after 6 s (not 30-60 s); the claim lease (3 s) stays shorter, as it must. */
export const QUEUES = { queues: { pipeline: { visibilityTimeoutSeconds: 6 }, send: { visibilityTimeoutSeconds: 6 } } };

/** What a scenario is given: the shared DynamoDB Local, the audience size, its time limit, where to log. */
export interface ScenarioSettings {
  endpoint: string;
  recipients: number;
  timeoutMs: number;
  log: (line: string) => void;
}

const TERMINAL = new Set(['sent', 'failed', 'skipped']);

export interface ChaosStage {
  runtime: LocalRuntime;
  sink: WebhookSink;
  api: Api;
  observer: UseCaseDeps;
  contacts: string[];
  broadcastId: string;
  stop(): Promise<void>;
}

export interface StageOptions {
  endpoint: string;
  recipients: number;
  env: Record<string, string>;
  faults: FaultInjector;
  duplicateDeliveryRate: number;
  sinkPolicy: SinkPolicy;
  listName: string;
}

export async function startChaosStage(options: StageOptions): Promise<ChaosStage> {
  const { endpoint, faults } = options;
  const restoreEnv = envRestorer(options.env);
  const sink = await WebhookSink.start({ secret: SINK_SECRET, keepRequests: false, policy: options.sinkPolicy });
  const tableName = `chaos-${randomUUID()}`;
  const runtime = await startRuntime({
    endpoint,
    tableName,
    env: options.env,
    sendConcurrency: Number(options.env.SEND_CONCURRENCY),
    hooks: { onDynamoDbClient: (client) => faults.throttle(client), decorate: (deps) => faults.decorate(deps) },
    faults: { duplicateDeliveryRate: options.duplicateDeliveryRate, sqs: QUEUES },
  });
  const seedClient: DynamoDBDocumentClient = createDocumentClient({
    tableName,
    endpoint,
    region: 'us-east-1',
    maxAttempts: 8,
  });
  const stop = async () => {
    faults.on = false;
    seedClient.destroy();
    await runtime.stop();
    await sink.stop();
    restoreEnv();
  };
  try {
    // The API retries a 5xx: the faults reach the HTTP handlers too (throttling), as they would in AWS.
    const api = await tenantApi(runtime.url, undefined, 8);
    const observer = observerDeps(endpoint, tableName);
    await webhookChannel(api, sink.url);
    const contacts = await seedContacts(seedClient, tableName, api.tenantId, options.recipients);
    const listId = await seedList(seedClient, tableName, api, contacts, options.listName);
    await checkAudience(api, listId, contacts);
    const broadcast = await createBroadcast(api, listId);
    return { runtime, sink, api, observer, contacts, broadcastId: broadcast.id, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Sets `env` on the process (the runtime reads its config from it) and returns what puts it back. */
function envRestorer(env: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  return () => {
    for (const [key, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/** The invariants of docs/design.md section 8 counted on a completed broadcast, and what explains them. */
export async function countOutcome(stage: ChaosStage, traffic: BroadcastTraffic) {
  const { api, observer, sink, broadcastId, contacts } = stage;
  const stats = await api.ok('GET', `/api/v1/broadcasts/${broadcastId}/stats`);
  const executions = await allExecutions(observer, api.tenantId, broadcastId);
  const byContact = new Map<string, BroadcastExecution[]>();
  for (const e of executions) byContact.set(e.contactId, [...(byContact.get(e.contactId) ?? []), e]);
  const lost = contacts.filter((id) => !(byContact.get(id) ?? []).some((e) => TERMINAL.has(e.status)));
  const tally: Record<string, number> = {};
  for (const e of executions) {
    const key = e.reason ? `${e.status}:${e.reason}` : e.status;
    tally[key] = (tally[key] ?? 0) + 1;
  }
  const count = (status: string) => executions.filter((e) => e.status === status).length;
  const expected: Record<string, number> = {
    total_contacts: contacts.length,
    sent: count('sent'),
    failed: count('failed'),
    skipped: count('skipped'),
    pending: 0,
    sending: 0,
  };
  const mismatches = Object.entries(expected)
    .filter(([key, value]) => stats[key] !== value)
    .map(([key, value]) => ({ counter: key, stats: stats[key], records: value }));
  const accepted = new Set(traffic.keysByContact.keys());
  const sentIds = new Set(executions.filter((e) => e.status === 'sent').map((e) => e.contactId));
  return {
    stats,
    byContact,
    lost,
    tally,
    mismatches,
    duplicates: sink.duplicateContacts(broadcastId),
    sinkVersusRecords: {
      recorded_sent_but_never_accepted: [...sentIds].filter((id) => !accepted.has(id)).length,
      accepted_but_not_recorded_sent: [...accepted].filter((id) => !sentIds.has(id)).length,
    },
  };
}

/** The invariants' counts and the records behind them, as every scenario reports them. */
export function invariantFigures(outcome: Awaited<ReturnType<typeof countOutcome>>, durationMs: number) {
  return {
    counts: {
      duplicates: outcome.duplicates.length,
      lost: outcome.lost.length,
      counter_mismatches: outcome.mismatches.length,
      duration_s: seconds(durationMs),
    },
    detail: {
      stats: outcome.stats,
      executions_by_outcome: outcome.tally,
      executions_per_contact_above_one: [...outcome.byContact.values()].filter((list) => list.length > 1).length,
      counter_mismatch_details: outcome.mismatches,
      sink_versus_records: outcome.sinkVersusRecords,
    },
  };
}

/** Counters that grew since `before` (gauges kept as they are). */
export function diff<T extends object>(after: T, before: T): T {
  const out = { ...after } as Record<string, unknown>;
  for (const [key, value] of Object.entries(after)) {
    const was = (before as Record<string, unknown>)[key];
    if (typeof value === 'number' && typeof was === 'number' && key !== 'inFlight' && key !== 'peakConcurrency') {
      out[key] = value - was;
    }
  }
  return out as T;
}
