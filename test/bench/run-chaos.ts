import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDocumentClient } from '../../lib/adapters/dynamodb/document-client.js';
import { getRuntime } from '../../lib/composition-root.js';
import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import { allExecutions } from '../support/pipeline.js';
import { pollUntil } from '../support/poll.js';
import { WebhookSink } from '../support/webhook-sink.js';
import {
  type Api,
  createBroadcast,
  observerDeps,
  SINK_SECRET,
  seconds,
  startDynamoDb,
  startRuntime,
  tenantApi,
  waitForStatus,
  webhookChannel,
} from './support/environment.js';
import { FaultInjector, KILL_RATES } from './support/faults.js';
import { machine } from './support/report.js';
import { checkAudience, seedContacts, seedList } from './support/seed-data.js';

/**
 * `npm run chaos` (issue 6, section 2): one broadcast on the local runtime with every fault at once, then
 * the invariants of docs/design.md section 8 counted: duplicates, lost contacts, counters that disagree with the
 * execution records.
 */

const RECIPIENTS = Number.parseInt(process.env.CHAOS_RECIPIENTS ?? '20000', 10);
const TIMEOUT_MS = Number.parseInt(process.env.CHAOS_TIMEOUT_SECONDS ?? '780', 10) * 1000;

/** Shortened for a run that ends in minutes; each named in the output. */
const SERVICE_ENV: Record<string, string> = {
  SEND_CONCURRENCY: process.env.SEND_CONCURRENCY ?? '4',
  RETRY_BASE_SECONDS: '1',
  WEBHOOK_TIMEOUT_MS: '500',
  CLAIM_LEASE_SECONDS: '3',
  SWEEP_IDLE_SECONDS: '10',
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
};
/** Failed messages come back after 6 s (not 30-60 s); the claim lease (3 s) stays shorter, as it must. */
const QUEUES = { queues: { pipeline: { visibilityTimeoutSeconds: 6 }, send: { visibilityTimeoutSeconds: 6 } } };
const FAULTS = {
  webhook_500_share_of_first_attempts: 0.1,
  webhook_timeout_share_of_first_attempts: 0.02,
  sqs_duplicate_delivery_rate: 0.05,
  dynamodb_throttle_rate_per_call: 0.02,
  sender_kill_rates_per_call: KILL_RATES,
};

const TERMINAL = new Set(['sent', 'failed', 'skipped']);
const log = (line: string) => console.log(`[chaos ${seconds(performance.now())}s] ${line}`);

export async function runChaos(): Promise<void> {
  const out = resolve(process.env.CHAOS_OUT ?? 'chaos-results.json');
  log(`settings for speed: ${JSON.stringify(SERVICE_ENV)}; queue visibility timeouts 6 s`);
  log(`faults: ${JSON.stringify(FAULTS)}`);
  const db = await startDynamoDb();
  const sink = await WebhookSink.start({
    secret: SINK_SECRET,
    keepRequests: false,
    policy: {
      failFirstAttemptShare: FAULTS.webhook_500_share_of_first_attempts,
      hangFirstAttemptShare: FAULTS.webhook_timeout_share_of_first_attempts,
      hangMs: 1500,
      seed: randomUUID(),
    },
  });
  const faults = new FaultInjector();
  const tableName = `chaos-${randomUUID()}`;
  const runtime = await startRuntime({
    endpoint: db.endpoint,
    tableName,
    env: SERVICE_ENV,
    sendConcurrency: Number(SERVICE_ENV.SEND_CONCURRENCY),
    hooks: { onDynamoDbClient: (client) => faults.throttle(client), decorate: (deps) => faults.decorate(deps) },
    faults: { duplicateDeliveryRate: FAULTS.sqs_duplicate_delivery_rate, sqs: QUEUES },
  });
  const seedClient = createDocumentClient({ tableName, endpoint: db.endpoint, region: 'us-east-1', maxAttempts: 8 });
  try {
    // The API retries a 5xx: the faults reach the HTTP handlers too (throttling), as they would in AWS.
    const api = await tenantApi(runtime.url, undefined, 8);
    const observer = observerDeps(db.endpoint, tableName);
    await webhookChannel(api, sink.url);
    const contacts = await seedContacts(seedClient, tableName, api.tenantId, RECIPIENTS);
    const listId = await seedList(seedClient, tableName, api, contacts, 'chaos');
    await checkAudience(api, listId, contacts);
    const broadcast = await createBroadcast(api, listId);
    log(`seeded ${RECIPIENTS} contacts; executing broadcast ${broadcast.id} with every fault on`);

    const before = { pipeline: runtime.consumers.pipeline.stats(), send: runtime.consumers.send.stats() };
    faults.on = true;
    const started = performance.now();
    await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
    const traffic = sink.of(broadcast.id);
    const progress = () => traffic.accepted / RECIPIENTS;

    // One pause/resume at ~30 %, one opt-out at ~50 %.
    await pollUntil(() => progress() >= 0.3, { timeoutMs: TIMEOUT_MS, intervalMs: 100, what: 'reached 30 %' });
    const pause = await pauseAndResume(api, broadcast.id, traffic.requestTimes);
    log(
      `paused at ${Math.round(progress() * 100)} % for 5 s: ${pause.requests_later_than_2s_after_pause_returned} requests arrived later than 2 s after pause returned`,
    );
    await pollUntil(() => progress() >= 0.5, { timeoutMs: TIMEOUT_MS, intervalMs: 100, what: 'reached 50 %' });
    const optOut = await optOutOneContact(api, broadcast.id, contacts, traffic.keysByContact);
    log(`contact ${optOut.contact_id} opted out through its unsubscribe link at ${Math.round(progress() * 100)} %`);

    const remaining = TIMEOUT_MS - (performance.now() - started);
    await waitForStatus(observer, api.tenantId, broadcast.id, (s) => s === 'completed', remaining, 250);
    const durationMs = performance.now() - started;
    faults.on = false;
    log(`completed in ${seconds(durationMs)} s`);
    // Settle: redelivered duplicates may still be in flight for a moment after the last count.
    await sleep(3000);

    const stats = await api.ok('GET', `/api/v1/broadcasts/${broadcast.id}/stats`);
    const executions = await allExecutions(observer, api.tenantId, broadcast.id);
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
      total_contacts: RECIPIENTS,
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
    const sinkVersusRecords = {
      recorded_sent_but_never_accepted: [...sentIds].filter((id) => !accepted.has(id)).length,
      accepted_but_not_recorded_sent: [...accepted].filter((id) => !sentIds.has(id)).length,
    };
    const consumers = {
      pipeline: diff(runtime.consumers.pipeline.stats(), before.pipeline),
      send: diff(runtime.consumers.send.stats(), before.send),
    };
    const results = {
      generated_at: new Date().toISOString(),
      machine: machine(),
      settings: { service_env: SERVICE_ENV, queue_visibility_timeout_s: 6, faults: FAULTS },
      recipients: RECIPIENTS,
      injected_faults: {
        webhook_500: traffic.injectedFailures,
        webhook_timeout: traffic.injectedTimeouts,
        sender_killed: faults.kills,
        sender_killed_total: Object.values(faults.kills).reduce((a, b) => a + b, 0),
        sqs_duplicate_delivery: consumers.pipeline.duplicatesDelivered + consumers.send.duplicatesDelivered,
        dynamodb_throttled: faults.throttled,
        pause_resume: 1,
        opt_out: 1,
      },
      duplicates: sink.duplicateContacts(broadcast.id).length,
      lost: lost.length,
      counter_mismatches: mismatches.length,
      duration_s: seconds(durationMs),
      detail: {
        stats,
        executions_by_outcome: tally,
        executions_per_contact_above_one: [...byContact.values()].filter((list) => list.length > 1).length,
        counter_mismatch_details: mismatches,
        sink_versus_records: sinkVersusRecords,
        redundant_sends_deduplicated_by_idempotency_key: traffic.repeatsOfAcceptedKeys,
        webhook_requests: traffic.requestTimes.length,
        bad_signatures: sink.badSignatureCount,
        pause,
        opt_out: {
          ...optOut,
          final_status: (byContact.get(optOut.contact_id) ?? []).map(
            (e) => `${e.status}${e.reason ? `:${e.reason}` : ''}`,
          ),
        },
        event_sources: consumers,
      },
    };
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log('');
    console.log(
      JSON.stringify(
        {
          recipients: results.recipients,
          injected_faults: results.injected_faults,
          duplicates: results.duplicates,
          lost: results.lost,
          counter_mismatches: results.counter_mismatches,
          duration_s: results.duration_s,
        },
        null,
        2,
      ),
    );
    console.log(`outcomes: ${JSON.stringify(tally)}; wrote ${out}`);
    if (results.duplicates !== 0 || results.lost !== 0 || results.counter_mismatches !== 0) process.exitCode = 1;
  } finally {
    faults.on = false;
    seedClient.destroy();
    await runtime.stop();
    await sink.stop();
    await db.stop();
  }
}

/** Pauses for 5 s, counts the webhook requests that arrived well after pause returned, resumes. */
async function pauseAndResume(api: Api, broadcastId: string, requestTimes: readonly number[]) {
  await api.ok('POST', `/api/v1/broadcasts/${broadcastId}/pause`);
  const pausedAt = Date.now();
  await sleep(5000);
  const late = requestTimes.filter((at) => at > pausedAt + 2000).length;
  await api.ok('POST', `/api/v1/broadcasts/${broadcastId}/resume`);
  return {
    paused_for_s: 5,
    requests_within_2s_after_pause_returned: requestTimes.filter((at) => at > pausedAt && at <= pausedAt + 2000).length,
    requests_later_than_2s_after_pause_returned: late,
  };
}

/** The contact planned last (highest id: members are read in id order) opts out through its own link. */
async function optOutOneContact(
  api: Api,
  broadcastId: string,
  contacts: readonly string[],
  accepted: ReadonlyMap<string, unknown>,
) {
  const candidates = [...contacts].sort().reverse();
  const contactId = candidates.find((id) => !accepted.has(id)) as string;
  const link = getRuntime().deps.unsubscribeLinks.linkFor({ tenantId: api.tenantId, contactId, broadcastId });
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(link, { method: 'POST', headers: { accept: 'application/json' } });
    if (response.ok) break;
    if (attempt >= 8 || response.status < 500) throw new Error(`unsubscribe answered ${response.status}`);
    await sleep(200);
  }
  return {
    contact_id: contactId,
    opted_out_at: new Date().toISOString(),
    accepted_before_opt_out: accepted.has(contactId),
  };
}

function diff<T extends object>(after: T, before: T): T {
  const out = { ...after } as Record<string, unknown>;
  for (const [key, value] of Object.entries(after)) {
    const was = (before as Record<string, unknown>)[key];
    if (typeof value === 'number' && typeof was === 'number' && key !== 'inFlight' && key !== 'peakConcurrency') {
      out[key] = value - was;
    }
  }
  return out as T;
}
