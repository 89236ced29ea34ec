import { setTimeout as sleep } from 'node:timers/promises';
import { PLAN_SEGMENTS } from '../../lib/domain/plan-segments.js';
import {
  countOutcome,
  diff,
  invariantFigures,
  type ScenarioSettings,
  SERVICE_ENV,
  startChaosStage,
} from './support/chaos-stage.js';
import { seconds, waitForStatus } from './support/environment.js';
import { FaultInjector, PLANNER_KILL_RATES, SENDER_KILLS_OFF } from './support/faults.js';

/**
 * Scenario `planner_crash` of `npm run chaos`: the segments' planners die mid-segment, between a page's executions
 * and its commit, or right after the commit, and keep the lease of the page they were on. The segment then waits
 * for the pacer's planner watch (PLANNER_STALL_MS) to queue it again. DynamoDB throttling and SQS duplicate
 * deliveries stay on; the webhook answers every request and the senders are left alone, so what breaks is the
 * planner's.
 */

const ENV = { ...SERVICE_ENV, PLAN_SEGMENTS: String(PLAN_SEGMENTS) };
const FAULTS = {
  planner_kill_rates_per_commit: PLANNER_KILL_RATES,
  sqs_duplicate_delivery_rate: 0.05,
  dynamodb_throttle_rate_per_call: 0.02,
};

export async function plannerCrash({ endpoint, recipients, timeoutMs, log }: ScenarioSettings) {
  log(`settings for speed: ${JSON.stringify(ENV)}; queue visibility timeouts 6 s`);
  log(`faults: ${JSON.stringify(FAULTS)}`);
  const faults = new FaultInjector({
    throttleRate: FAULTS.dynamodb_throttle_rate_per_call,
    senderKillRates: SENDER_KILLS_OFF,
    plannerKillRates: PLANNER_KILL_RATES,
  });
  const stage = await startChaosStage({
    endpoint,
    recipients,
    env: ENV,
    faults,
    duplicateDeliveryRate: FAULTS.sqs_duplicate_delivery_rate,
    sinkPolicy: {},
    listName: 'chaos-planner',
  });
  const { runtime, sink, api, observer, broadcastId } = stage;
  try {
    log(`seeded ${recipients} contacts; executing broadcast ${broadcastId} with planners dying mid-segment`);
    const before = { pipeline: runtime.consumers.pipeline.stats(), send: runtime.consumers.send.stats() };
    faults.on = true;
    const started = performance.now();
    await api.ok('POST', `/api/v1/broadcasts/${broadcastId}/execute`);
    const traffic = sink.of(broadcastId);
    await waitForStatus(observer, api.tenantId, broadcastId, (s) => s === 'completed', timeoutMs, 250);
    const durationMs = performance.now() - started;
    faults.on = false;
    log(`completed in ${seconds(durationMs)} s; planner kills: ${JSON.stringify(faults.plannerKills)}`);
    // Settle: redelivered duplicates may still be in flight for a moment after the last count.
    await sleep(3000);

    const outcome = await countOutcome(stage, traffic);
    const figures = invariantFigures(outcome, durationMs);
    const run = await observer.runs.get(api.tenantId, broadcastId);
    const segments = await Promise.all(
      Array.from({ length: run?.planSegments ?? 0 }, (_, s) => observer.runs.planSegment(api.tenantId, broadcastId, s)),
    );
    const consumers = {
      pipeline: diff(runtime.consumers.pipeline.stats(), before.pipeline),
      send: diff(runtime.consumers.send.stats(), before.send),
    };
    return {
      generated_at: new Date().toISOString(),
      settings: { service_env: ENV, queue_visibility_timeout_s: 6, faults: FAULTS },
      recipients,
      plan_segments: run?.planSegments,
      injected_faults: {
        planner_killed: faults.plannerKills,
        planner_killed_total: Object.values(faults.plannerKills).reduce((a, b) => a + b, 0),
        planner_killed_by_segment: faults.plannerKillsBySegment(),
        sqs_duplicate_delivery: consumers.pipeline.duplicatesDelivered + consumers.send.duplicatesDelivered,
        dynamodb_throttled: faults.throttled,
      },
      ...figures.counts,
      detail: {
        ...figures.detail,
        duplicate_contacts: outcome.duplicates.slice(0, 20),
        lost_contacts: outcome.lost.slice(0, 20),
        redundant_sends_deduplicated_by_idempotency_key: traffic.repeatsOfAcceptedKeys,
        webhook_requests: traffic.requestTimes.length,
        bad_signatures: sink.badSignatureCount,
        // Each kill, and how long its segment waited for its next page (the planner watch: PLANNER_STALL_MS).
        planner_kills: faults.plannerKillLog.map((kill) => ({
          point: kill.point,
          segment: kill.segment,
          page: kill.page,
          last_page: kill.done,
          at_s: seconds(kill.atMs - started),
          next_page_committed_after_s: kill.recoveredAfterMs === undefined ? null : seconds(kill.recoveredAfterMs),
        })),
        plan_segments_at_end: segments.map(({ segment, pages, chunks, pending, skipPages, done, lease }) => ({
          segment,
          pages,
          chunks,
          pending,
          skip_pages: skipPages,
          done,
          lease_held: lease !== undefined,
        })),
        event_sources: consumers,
      },
    };
  } finally {
    await stage.stop();
  }
}
