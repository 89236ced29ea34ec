import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { getRuntime } from '../../lib/composition-root.js';
import { pollUntil } from '../support/poll.js';
import {
  countOutcome,
  diff,
  invariantFigures,
  type ScenarioSettings,
  SERVICE_ENV,
  startChaosStage,
} from './support/chaos-stage.js';
import { type Api, seconds, waitForStatus } from './support/environment.js';
import { FaultInjector, KILL_RATES } from './support/faults.js';
import { machine } from './support/report.js';

/**
 * Scenario `every_fault` of `npm run chaos`: one broadcast with every fault at once (webhook errors and timeouts,
 * sender handlers killed, SQS duplicate deliveries, DynamoDB throttling), one pause/resume and one opt-out on the way.
 */

const FAULTS = {
  webhook_500_share_of_first_attempts: 0.1,
  webhook_timeout_share_of_first_attempts: 0.02,
  sqs_duplicate_delivery_rate: 0.05,
  dynamodb_throttle_rate_per_call: 0.02,
  sender_kill_rates_per_call: KILL_RATES,
};

export async function everyFault({ endpoint, recipients, timeoutMs, log }: ScenarioSettings) {
  log(`settings for speed: ${JSON.stringify(SERVICE_ENV)}; queue visibility timeouts 6 s`);
  log(`faults: ${JSON.stringify(FAULTS)}`);
  const faults = new FaultInjector();
  const stage = await startChaosStage({
    endpoint,
    recipients,
    env: SERVICE_ENV,
    faults,
    duplicateDeliveryRate: FAULTS.sqs_duplicate_delivery_rate,
    sinkPolicy: {
      failFirstAttemptShare: FAULTS.webhook_500_share_of_first_attempts,
      hangFirstAttemptShare: FAULTS.webhook_timeout_share_of_first_attempts,
      hangMs: 1500,
      seed: randomUUID(),
    },
    listName: 'chaos',
  });
  const { runtime, sink, api, observer, contacts, broadcastId } = stage;
  try {
    log(`seeded ${recipients} contacts; executing broadcast ${broadcastId} with every fault on`);
    const before = { pipeline: runtime.consumers.pipeline.stats(), send: runtime.consumers.send.stats() };
    faults.on = true;
    const started = performance.now();
    await api.ok('POST', `/api/v1/broadcasts/${broadcastId}/execute`);
    const traffic = sink.of(broadcastId);
    const progress = () => traffic.accepted / recipients;

    // One pause/resume at ~30 %, one opt-out at ~50 %.
    await pollUntil(() => progress() >= 0.3, { timeoutMs, intervalMs: 100, what: 'reached 30 %' });
    const pause = await pauseAndResume(api, broadcastId, traffic.requestTimes);
    log(
      `paused at ${Math.round(progress() * 100)} % for 5 s: ${pause.requests_later_than_2s_after_pause_returned} requests arrived later than 2 s after pause returned`,
    );
    await pollUntil(() => progress() >= 0.5, { timeoutMs, intervalMs: 100, what: 'reached 50 %' });
    const optOut = await optOutOneContact(api, broadcastId, contacts, traffic.keysByContact);
    log(`contact ${optOut.contact_id} opted out through its unsubscribe link at ${Math.round(progress() * 100)} %`);

    const remaining = timeoutMs - (performance.now() - started);
    await waitForStatus(observer, api.tenantId, broadcastId, (s) => s === 'completed', remaining, 250);
    const durationMs = performance.now() - started;
    faults.on = false;
    log(`completed in ${seconds(durationMs)} s`);
    // Settle: redelivered duplicates may still be in flight for a moment after the last count.
    await sleep(3000);

    const outcome = await countOutcome(stage, traffic);
    const figures = invariantFigures(outcome, durationMs);
    const consumers = {
      pipeline: diff(runtime.consumers.pipeline.stats(), before.pipeline),
      send: diff(runtime.consumers.send.stats(), before.send),
    };
    return {
      generated_at: new Date().toISOString(),
      machine: machine(),
      settings: { service_env: SERVICE_ENV, queue_visibility_timeout_s: 6, faults: FAULTS },
      recipients,
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
      ...figures.counts,
      detail: {
        ...figures.detail,
        redundant_sends_deduplicated_by_idempotency_key: traffic.repeatsOfAcceptedKeys,
        webhook_requests: traffic.requestTimes.length,
        bad_signatures: sink.badSignatureCount,
        pause,
        opt_out: {
          ...optOut,
          final_status: (outcome.byContact.get(optOut.contact_id) ?? []).map(
            (e) => `${e.status}${e.reason ? `:${e.reason}` : ''}`,
          ),
        },
        event_sources: consumers,
      },
    };
  } finally {
    await stage.stop();
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
