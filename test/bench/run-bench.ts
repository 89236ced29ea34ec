import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDocumentClient } from '../../lib/adapters/dynamodb/document-client.js';
import type { UseCaseDeps } from '../../lib/use-cases/deps.js';
import type { LocalRuntime } from '../../local/local-runtime.js';
import { maxInWindow, minInWindow } from '../support/send-windows.js';
import { WebhookSink } from '../support/webhook-sink.js';
import { outcomeWriteFloor } from './phases/outcome-write-floor.js';
import {
  type ProviderChannelFigures,
  type ProviderChannelType,
  providerChannelRun,
} from './phases/provider-channel-phase.js';
import { type WhatsAppRunFigures, type WhatsAppRunShape, whatsappRun } from './phases/whatsapp-phase.js';
import { type Child, type ChildReport, startChild } from './support/child.js';
import { FUNCTION_OF_QUEUE, lambdaUsage } from './support/child-usage.js';
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
import {
  type CostFigures,
  costFigures,
  EVENT_PUBLISHER_ASSUMED_MS,
  EVENT_PUBLISHER_BATCH_SIZE,
  eventPublisherUsage,
  PRICES,
  round,
} from './support/prices.js';
import { compare, machine, type Row, table } from './support/report.js';
import { checkAudience, seedContacts, seedList } from './support/seed-data.js';

/**
 * `npm run bench`: the figures of issue 6 section 1, ours beside the seed's reference algorithm (baseline/),
 * measured in one run on the local runtime. See docs/performance.md.
 */

const int = (name: string, fallback: number) => {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : Number.parseInt(value, 10);
};

const SIZES = {
  recipients: int('BENCH_RECIPIENTS', 10_000),
  largeRecipients: int('BENCH_LARGE_RECIPIENTS', 50_000),
  /** rate: one rated broadcast per rate (per minute), all at once. */
  rates: (process.env.BENCH_RATES ?? '60,1200,6000').split(',').map((r) => Number.parseInt(r, 10)),
  rateSeconds: int('BENCH_RATE_SECONDS', 180),
  /** Before the measured pair: both algorithms once on this many recipients, not measured (0: none). */
  warmupRecipients: int('BENCH_WARMUP_RECIPIENTS', 2000),
  latencySamples: int('BENCH_LATENCY_SAMPLES', 5),
  /** Extra figure: ours and the baseline when the provider takes PROVIDER_ANSWER_MS to answer. */
  providerLatencyRecipients: int('BENCH_PROVIDER_LATENCY_RECIPIENTS', 600),
  providerAnswerMs: int('BENCH_PROVIDER_ANSWER_MS', 50),
  /** channel_cap: three unlimited broadcasts of this many recipients each on one channel capped at capPerSecond. */
  capRecipients: int('BENCH_CAP_RECIPIENTS', 400),
  capPerSecond: int('BENCH_CAP_PER_SECOND', 20),
  /** whatsapp, cost: one template broadcast of this many recipients at WhatsApp's default cap (80/s), 3 receipts each. */
  whatsappRecipients: int('BENCH_WHATSAPP_RECIPIENTS', 2000),
  /** whatsapp, shared cap: three unlimited broadcasts of this many recipients each on a channel capped at this. */
  whatsappCapRecipients: int('BENCH_WHATSAPP_CAP_RECIPIENTS', 300),
  whatsappCapPerSecond: int('BENCH_WHATSAPP_CAP_PER_SECOND', 20),
  /** How long the Graph API stand-in takes to answer a send. */
  whatsappAnswerMs: int('BENCH_WHATSAPP_ANSWER_MS', 0),
  /** Statuses per webhook post (Meta may batch them; 1 is the costliest case: one request, one queue message each). */
  receiptsPerPost: int('BENCH_RECEIPTS_PER_POST', 1),
  /** Webhook posts in flight at once, as Meta's senders would make them. */
  receiptPosters: int('BENCH_RECEIPT_POSTERS', 8),
  /** email_ses and sms: one unlimited broadcast of this many recipients on a channel capped at channelCapPerSecond. */
  channelRecipients: int('BENCH_CHANNEL_RECIPIENTS', 2000),
  channelCapPerSecond: int('BENCH_CHANNEL_CAP_PER_SECOND', 100),
  /** Provider events (one delivery event per message) posted at once to the local EventBridge stand-in. */
  eventPosters: int('BENCH_EVENT_POSTERS', 8),
};

/** Service settings for this run (lib/config.ts); none of them changes the work done per message. */
const SERVICE_ENV: Record<string, string> = {
  SEND_CONCURRENCY: process.env.SEND_CONCURRENCY ?? '4',
  WEBHOOK_TIMEOUT_MS: process.env.WEBHOOK_TIMEOUT_MS ?? '2000',
  RETRY_BASE_SECONDS: '1',
  CLAIM_LEASE_SECONDS: '10',
  SWEEP_IDLE_SECONDS: '30',
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
};

/** What the seed's worker is billed at: it resolves the whole audience into memory before its loop. */
const SEED_WORKER_MEMORY_MB = 1024;
/**
 * For iterating on one part: e.g. BENCH_PHASES=ours,baseline, or BENCH_PHASES=whatsapp. Default: all. Only the
 * audiences of the phases run are seeded.
 */
const PHASES = new Set(
  (process.env.BENCH_PHASES ?? 'ours,baseline,ceiling,floor,provider,rate,large,cap,whatsapp,email_ses,sms').split(','),
);

interface Context {
  endpoint: string;
  tableName: string;
  sink: WebhookSink;
  api: Api;
  observer: UseCaseDeps;
  runtime: LocalRuntime;
}

interface PipelineRun {
  recipients: number;
  elapsedMs: number;
  /** From execute until the planner had written every execution (ours only). */
  planningMs?: number;
  executeMs: number;
  report: ChildReport;
  cost: CostFigures;
  duplicates: number;
  delivered: number;
}

const log = (line: string) => console.log(`[bench ${seconds(performance.now())}s] ${line}`);

export async function runBench(): Promise<void> {
  const began = performance.now();
  const out = resolve(process.env.BENCH_OUT ?? 'bench-results.json');
  const errors: string[] = [];
  const results: Record<string, unknown> = {
    generated_at: new Date().toISOString(),
    machine: machine(),
    settings: { sizes: SIZES, service_env: SERVICE_ENV },
    prices: PRICES,
  };
  log(`settings for speed (no faults are injected here): ${JSON.stringify(SERVICE_ENV)}`);

  const db = await startDynamoDb();
  const sink = await WebhookSink.start({ secret: SINK_SECRET, keepRequests: false });
  const tableName = `bench-${randomUUID()}`;
  Object.assign(process.env, SERVICE_ENV);
  const runtime = await startRuntime({
    endpoint: db.endpoint,
    tableName,
    env: SERVICE_ENV,
    sendConcurrency: Math.max(Number(SERVICE_ENV.SEND_CONCURRENCY), RATE_SEND_CONCURRENCY),
  });
  // This runtime serves the set-up calls and the rate and latency runs. Its table-stream relay (domain events) would
  // read every record the measured children write, a second time, on the same 2 cores: the children have their own.
  await runtime.stream.stop();
  const seedClient = createDocumentClient({ tableName, endpoint: db.endpoint, region: 'us-east-1', maxAttempts: 8 });
  try {
    const api = await tenantApi(runtime.url);
    await webhookChannel(api, sink.url);
    const ctx: Context = {
      endpoint: db.endpoint,
      tableName,
      sink,
      api,
      observer: observerDeps(db.endpoint, tableName),
      runtime,
    };

    // Audiences: one pool of contacts; the lists are prefixes of it. Only the lists of the phases that run.
    const audiences = {
      cost: { phases: ['ours', 'baseline', 'ceiling'], size: SIZES.recipients, name: `bench ${SIZES.recipients}` },
      warmup: {
        phases: SIZES.warmupRecipients > 0 ? ['ours', 'baseline'] : [],
        size: SIZES.warmupRecipients,
        name: 'bench warm-up',
      },
      large: { phases: ['large'], size: SIZES.largeRecipients, name: `bench ${SIZES.largeRecipients}` },
      ...Object.fromEntries(
        SIZES.rates.map((r) => [`rate${r}`, { phases: ['rate'], size: rateAudience(r), name: `bench rate ${r}` }]),
      ),
      latency: { phases: ['rate'], size: 10, name: 'bench latency' },
      provider: {
        phases: ['provider'],
        size: SIZES.providerLatencyRecipients,
        name: `bench ${SIZES.providerLatencyRecipients}`,
      },
      cap: { phases: ['cap'], size: SIZES.capRecipients, name: `bench cap ${SIZES.capRecipients}` },
      whatsapp: { phases: ['whatsapp'], size: SIZES.whatsappRecipients, name: 'bench whatsapp' },
      whatsappCap: { phases: ['whatsapp'], size: SIZES.whatsappCapRecipients, name: 'bench whatsapp cap' },
      channels: { phases: ['email_ses', 'sms'], size: SIZES.channelRecipients, name: 'bench channels' },
    };
    const wanted = Object.values(audiences).filter((a) => a.phases.some((p) => PHASES.has(p)));
    const poolSize = Math.max(0, ...wanted.map((a) => a.size));
    let t = performance.now();
    const contacts = await seedContacts(seedClient, tableName, api.tenantId, poolSize);
    const list = async ({ phases, size, name }: { phases: string[]; size: number; name: string }) => {
      if (!phases.some((p) => PHASES.has(p))) return '';
      const ids = contacts.slice(0, size);
      const id = await seedList(seedClient, tableName, api, ids, name);
      await checkAudience(api, id, ids);
      return id;
    };
    const rateLists: { rate: number; listId: string }[] = [];
    for (const rate of SIZES.rates) {
      rateLists.push({
        rate,
        listId: await list({ phases: ['rate'], size: rateAudience(rate), name: `bench rate ${rate}` }),
      });
    }
    const lists = {
      cost: await list(audiences.cost),
      warmup: await list(audiences.warmup),
      large: await list(audiences.large),
      latency: await list(audiences.latency),
      provider: await list(audiences.provider),
      cap: await list(audiences.cap),
      whatsapp: await list(audiences.whatsapp),
      whatsappCap: await list(audiences.whatsappCap),
      channels: await list(audiences.channels),
    };
    log(`seeded ${poolSize} contacts and ${wanted.length} lists in ${seconds(performance.now() - t)} s`);

    if (lists.warmup) {
      t = performance.now();
      await warmUp(ctx, lists.warmup);
      log(`warm-up, not measured: both algorithms on ${SIZES.warmupRecipients} (${seconds(performance.now() - t)} s)`);
    }

    // The seed's loop runs before ours and after it, and its speed is the two runs' together, so that the order of the
    // runs favours neither side (a later run finds the table and its stream grown; the first two runs came out equal).
    const seedRun = async (when: string) => {
      t = performance.now();
      const run = await phase(errors, 'baseline', () => loopRun(ctx, lists.cost, SIZES.recipients, 'baseline'));
      log(
        `seed baseline ${SIZES.recipients}, ${when}: ${run ? `${seconds(run.elapsedMs)} s` : outcome('baseline')} (${seconds(performance.now() - t)} s)`,
      );
      return run;
    };
    const baselineBefore = await seedRun('before ours');

    // cost + throughput + memory at 10k: one run of the pipeline in a child process of its own.
    t = performance.now();
    const ours = await phase(errors, 'ours', () => pipelineRun(ctx, lists.cost, SIZES.recipients));
    log(
      `ours ${SIZES.recipients}: ${ours ? `${seconds(ours.elapsedMs)} s` : outcome('ours')} (${seconds(performance.now() - t)} s)`,
    );

    const baselineAfter = await seedRun('after ours');
    const baseline = bothSeedRuns(baselineBefore, baselineAfter);

    t = performance.now();
    const ceiling = await phase(errors, 'ceiling', () => loopRun(ctx, lists.cost, SIZES.recipients, 'ceiling'));
    log(
      `send and record alone ${SIZES.recipients}: ${ceiling ? `${seconds(ceiling.elapsedMs)} s` : outcome('ceiling')} (${seconds(performance.now() - t)} s)`,
    );

    t = performance.now();
    const floor = await phase(errors, 'floor', () => outcomeWriteFloor(ctx.endpoint, ctx.tableName, SIZES.recipients));
    log(
      `the outcome writes alone: ${floor ? `${floor.writes_per_second}/s` : outcome('floor')} (${seconds(performance.now() - t)} s)`,
    );

    t = performance.now();
    const provider = await phase(errors, 'provider', () => providerLatencyRun(ctx, lists.provider));
    log(`with a provider answering in ${SIZES.providerAnswerMs} ms (${seconds(performance.now() - t)} s)`);

    t = performance.now();
    const rateAndLatency = await phase(errors, 'rate', () => rateRun(ctx, rateLists, lists.latency));
    log(`rate + latency (${seconds(performance.now() - t)} s)`);

    t = performance.now();
    const large = await phase(errors, 'large', () => pipelineRun(ctx, lists.large, SIZES.largeRecipients));
    log(
      `ours ${SIZES.largeRecipients}: ${large ? `${seconds(large.elapsedMs)} s` : outcome('large')} (${seconds(performance.now() - t)} s)`,
    );

    t = performance.now();
    const cap = await phase(errors, 'cap', () => channelCapRun(ctx, lists.cap));
    log(
      `channel cap: ${cap ? `${cap.utilisation_at_steady_state} of the cap at steady state` : outcome('cap')} (${seconds(performance.now() - t)} s)`,
    );

    t = performance.now();
    const whatsapp = await phase(errors, 'whatsapp', () => whatsappPhase(ctx, lists.whatsapp, lists.whatsappCap));
    log(
      `whatsapp: ${whatsapp ? `$${whatsapp.cost_per_million_usd} per million recipients with ${whatsapp.cost.receipts_per_message} receipts each; shared cap of ${SIZES.whatsappCapPerSecond}/s: at most ${whatsapp.max_in_any_1s_window} in a second, ${whatsapp.utilisation_at_steady_state} used` : outcome('whatsapp')} (${seconds(performance.now() - t)} s)`,
    );
    for (const run of whatsapp ? [whatsapp.cost, whatsapp.shared_cap] : []) {
      if (!run.exactness.exact) {
        errors.push(`whatsapp: the receipt counters are not exact: ${JSON.stringify(run.exactness)}`);
      }
    }

    const channels: Partial<Record<ProviderChannelType, ProviderChannelFigures>> = {};
    for (const type of ['email_ses', 'sms'] as const) {
      t = performance.now();
      const figures = await phase(errors, type, () => channelPhase(ctx, type, lists.channels));
      if (figures) channels[type] = figures;
      log(
        `${type}: ${figures ? `$${figures.cost_per_million_usd} per million recipients with one delivery event each` : outcome(type)} (${seconds(performance.now() - t)} s)`,
      );
      if (figures && !figures.exact) {
        errors.push(`${type}: ${figures.delivered_counted} of ${figures.messages} counted delivered`);
      }
    }

    const throughput = (run: { recipients: number; elapsedMs: number } | undefined) =>
      run ? round(run.recipients / (run.elapsedMs / 1000), 1) : null;
    Object.assign(results, {
      cost: ours ? { recipients: ours.recipients, ...ours.cost, detail: costDetail(ours) } : null,
      hottest_partition_write_share: ours ? hottestShare(ours.report) : null,
      throughput: {
        messages_per_second: throughput(ours),
        recipients: SIZES.recipients,
        planning_s: ours?.planningMs === undefined ? null : seconds(ours.planningMs),
        planning_recipients_per_second: planningRate(ours),
        ratio_to_baseline: ratio(throughput(ours), throughput(baseline)),
        // The most any pipeline that records each outcome could send here (phases/outcome-write-floor.ts).
        outcome_writes_alone: floor ?? null,
        outcome_writes_alone_ratio_to_baseline: ratio(floor?.writes_per_second, throughput(baseline)),
        // Read, render, send and record each message, nothing else (phases/send-and-record-alone.ts): the ceiling of a
        // pipeline that writes an item per recipient, on this machine.
        send_and_record_alone: throughput(ceiling),
        send_and_record_alone_ratio_to_baseline: ratio(throughput(ceiling), throughput(baseline)),
        share_of_send_and_record_alone: ratio(throughput(ours), throughput(ceiling)),
      },
      throughput_with_provider_latency: provider
        ? {
            provider_answer_ms: SIZES.providerAnswerMs,
            recipients: SIZES.providerLatencyRecipients,
            messages_per_second: throughput(provider.ours),
            baseline_messages_per_second: throughput(provider.baseline),
          }
        : null,
      rate: rateAndLatency?.rate ?? null,
      channel_cap: cap ?? null,
      whatsapp: whatsapp ?? null,
      email_ses: channels.email_ses ?? null,
      sms: channels.sms ?? null,
      cost_per_channel_usd_per_million: {
        webhook: ours?.cost.usd_per_million_recipients ?? null,
        whatsapp_with_3_receipts: whatsapp?.cost_per_million_usd ?? null,
        email_ses_with_delivery_event: channels.email_ses?.cost_per_million_usd ?? null,
        sms_with_delivery_event: channels.sms?.cost_per_million_usd ?? null,
      },
      latency_ms: rateAndLatency?.latency ?? null,
      memory_mb: {
        peak_rss_10k: ours?.report.peakRssMb ?? null,
        peak_rss_50k: large?.report.peakRssMb ?? null,
        rss_when_the_broadcast_started_10k: ours?.report.rssAtStartMb ?? null,
        rss_when_the_broadcast_started_50k: large?.report.rssAtStartMb ?? null,
        peak_ratio_50k_to_10k: ratio(large?.report.peakRssMb ?? null, ours?.report.peakRssMb ?? null),
      },
      baseline: baseline
        ? {
            what: 'the seed BroadcastExecutionWorker + RateLimiter (test/bench/baseline/), same DynamoDB Local and sink',
            cost: { recipients: baseline.recipients, ...baseline.cost, detail: costDetail(baseline) },
            hottest_partition_write_share: hottestShare(baseline.report),
            throughput: {
              messages_per_second: throughput(baseline),
              recipients: SIZES.recipients,
              before_and_after_ours: [throughput(baselineBefore), throughput(baselineAfter)],
            },
            memory_mb: {
              peak_rss_10k: baseline.report.peakRssMb,
              rss_when_the_broadcast_started_10k: baseline.report.rssAtStartMb,
            },
          }
        : null,
      large_run: large
        ? {
            recipients: large.recipients,
            messages_per_second: throughput(large),
            planning_s: large.planningMs === undefined ? null : seconds(large.planningMs),
            planning_recipients_per_second: planningRate(large),
            cost: large.cost,
            hottest_partition_write_share: hottestShare(large.report),
          }
        : null,
      sanity: {
        ours: ours && { delivered: ours.delivered, duplicates: ours.duplicates },
        baseline: baseline && { delivered: baseline.delivered, duplicates: baseline.duplicates },
        large: large && { delivered: large.delivered, duplicates: large.duplicates },
      },
    });
    results.targets = issue14Targets(results);
    const rows = comparisonRows(results, ours, baseline, large, provider, cap, whatsapp, channels);
    results.comparison = compare(rows);
    results.duration_s = seconds(performance.now() - began);
    results.load_average_at_end = loadavg().map((n) => round(n, 2));
    results.errors = errors;
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log('');
    console.log(table(rows));
    console.log('');
    console.log('issue 14 targets (a miss is reported, not an error):');
    for (const t of results.targets as Target[]) {
      console.log(
        `  ${t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${t.measured ?? 'not measured'}`,
      );
    }
    console.log('');
    console.log(`prices as of ${PRICES.as_of} (${PRICES.region}, on-demand, arm64); wrote ${out}`);
    console.log(
      `took ${results.duration_s} s; load average at start ${JSON.stringify((results.machine as { load_average_at_start: number[] }).load_average_at_start)}, at end ${JSON.stringify(results.load_average_at_end)}`,
    );
    if (errors.length > 0) {
      console.log(`ERRORS:\n${errors.join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    seedClient.destroy();
    await runtime.stop();
    await sink.stop();
    await db.stop();
  }
}

function planningRate(run: PipelineRun | undefined): number | null {
  return run?.planningMs === undefined ? null : round(run.recipients / (run.planningMs / 1000), 1);
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a == null || b == null || b === 0 ? null : round(a / b, 3);
}

interface Target {
  target: string;
  measured: number | null;
  pass: boolean | null;
}

/** One rated broadcast's figures in `rate.per_rate`. */
interface RateFigure {
  rate_limit_per_minute: number;
  sends: number;
  max_in_any_60s_window: number;
  min_in_steady_60s_window: number | null;
  min_share_of_rate: number | null;
  max_ok: boolean;
  min_ok: boolean | null;
}

/** The targets of issue 14, each with what this run measured (null: its phase did not run). */
function issue14Targets(results: Record<string, unknown>): Target[] {
  const get = (path: string): number | null => {
    let at: unknown = results;
    for (const key of path.split('.')) at = at == null ? undefined : (at as Record<string, unknown>)[key];
    return typeof at === 'number' ? at : null;
  };
  const check = (target: string, measured: number | null, ok: (n: number) => boolean): Target => ({
    target,
    measured,
    pass: measured === null ? null : ok(measured),
  });
  const rate = results.rate as { per_rate: RateFigure[] } | null;
  return [
    check('throughput.ratio_to_baseline >= 4 (10k)', get('throughput.ratio_to_baseline'), (n) => n >= 4),
    check(
      'large_run.messages_per_second >= throughput.messages_per_second (50k vs 10k)',
      ratio(get('large_run.messages_per_second'), get('throughput.messages_per_second')),
      (n) => n >= 1,
    ),
    check('latency_ms.execute_to_first_send median <= 500', get('latency_ms.execute_to_first_send'), (n) => n <= 500),
    check(
      'latency_ms.scheduled_time_to_first_send median <= 500',
      get('latency_ms.scheduled_time_to_first_send'),
      (n) => n <= 500,
    ),
    ...(rate?.per_rate ?? []).flatMap((r) => [
      check(
        `rate ${r.rate_limit_per_minute}/min: max_in_any_60s_window <= ${r.rate_limit_per_minute}`,
        r.max_in_any_60s_window,
        (n) => n <= r.rate_limit_per_minute,
      ),
      check(
        `rate ${r.rate_limit_per_minute}/min: min_in_steady_60s_window >= ${r.rate_limit_per_minute * MIN_SHARE_TARGET}`,
        r.min_in_steady_60s_window,
        (n) => n >= r.rate_limit_per_minute * MIN_SHARE_TARGET,
      ),
    ]),
    check('cost.usd_per_million_recipients <= 1.20', get('cost.usd_per_million_recipients'), (n) => n <= 1.2),
    check('memory_mb.peak_ratio_50k_to_10k <= 1.1', get('memory_mb.peak_ratio_50k_to_10k'), (n) => n <= 1.1),
  ];
}

function rateAudience(rate: number): number {
  // Enough to send for the whole measured period and a little beyond.
  return Math.ceil((rate * SIZES.rateSeconds * 1.15) / 60);
}

/**
 * Senders of the runtime that runs the rated broadcasts (and the latency samples): a rated chunk holds its sender
 * until its slot (up to a second: SQS delays are whole seconds), and the three rates make about 11 chunks a second.
 * AWS runs as many senders as the queue needs, up to the stage's `sendConcurrency` (50 in prod, infra/stages.ts).
 */
const RATE_SEND_CONCURRENCY = 16;

/** For the progress lines: a phase that returned nothing failed, unless BENCH_PHASES left it out. */
function outcome(name: string): string {
  return PHASES.has(name) ? 'failed' : 'skipped';
}

async function phase<T>(errors: string[], name: string, run: () => Promise<T>): Promise<T | undefined> {
  if (!PHASES.has(name)) {
    log(`${name}: skipped (BENCH_PHASES)`);
    return undefined;
  }
  try {
    return await run();
  } catch (error) {
    errors.push(`${name}: ${String((error as Error)?.stack ?? error)}`);
    log(`${name} FAILED: ${String((error as Error)?.message ?? error)}`);
    return undefined;
  }
}

function childEnv(ctx: Context): Record<string, string> {
  return {
    ...SERVICE_ENV,
    BENCH_DYNAMODB_ENDPOINT: ctx.endpoint,
    BENCH_TABLE: ctx.tableName,
    BENCH_SINK_URL: ctx.sink.url,
  };
}

/** One broadcast through the real pipeline, run by a child process of its own; the parent only watches. */
async function pipelineRun(ctx: Context, listId: string, recipients: number): Promise<PipelineRun> {
  const broadcast = await createBroadcast(ctx.api, listId);
  const child = await startChild('pipeline', childEnv(ctx));
  try {
    const api = await tenantApi(child.url as string, ctx.api.tenantId);
    child.send({ type: 'start' });
    await child.next('started');
    const started = performance.now();
    await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
    const executeMs = performance.now() - started;
    const deadline = started + Math.max(120_000, recipients * 20);
    let planningMs: number | undefined;
    for (;;) {
      const [state, run] = await Promise.all([
        ctx.observer.broadcasts.findById(ctx.api.tenantId, broadcast.id),
        planningMs === undefined ? ctx.observer.runs.get(ctx.api.tenantId, broadcast.id) : undefined,
      ]);
      if (planningMs === undefined && run?.planDone) planningMs = performance.now() - started;
      if (state?.status === 'completed') break;
      if (performance.now() > deadline) throw new Error(`broadcast ${broadcast.id} still ${state?.status}`);
      await sleep(50);
    }
    const elapsedMs = performance.now() - started;
    child.send({ type: 'finish' });
    const { report } = await child.next('report');
    const run = await ctx.observer.runs.get(ctx.api.tenantId, broadcast.id);
    if (run?.sent !== recipients) throw new Error(`counted ${run?.sent} sent of ${recipients}`);
    const consumers = report.consumers;
    if (!consumers) throw new Error('no event-source stats');
    const lambda = [
      lambdaUsage(report, 'broadcast-pipeline', consumers.pipeline.invocations),
      lambdaUsage(report, 'broadcast-send', consumers.send.invocations),
      { functionName: 'broadcasts-api', invocations: 1, billedMs: Math.ceil(executeMs) },
      eventPublisherUsage(report.meter.dynamodb.itemWritesThatReachThePublisher, elapsedMs),
    ];
    const cost = costFigures({
      recipients,
      dynamodbWriteUnits: report.meter.dynamodb.writeUnits,
      dynamodbReadUnits: report.meter.dynamodb.readUnits,
      sqsBilledRequests: report.meter.sqs.billedRequestsExcludingEmptyReceives,
      lambda,
      eventbridgeEvents: report.domainEvents,
      schedulerInvocations: 0,
      apiGatewayRequests: 1,
    });
    return {
      recipients,
      elapsedMs,
      ...(planningMs === undefined ? {} : { planningMs }),
      executeMs,
      report,
      cost,
      ...deliveryFigures(ctx, broadcast.id),
    };
  } finally {
    await child.stop();
  }
}

/** What the sink got of the broadcast; its traffic is forgotten then, its figures taken. */
function deliveryFigures(ctx: Context, broadcastId: string): { delivered: number; duplicates: number } {
  const figures = {
    delivered: ctx.sink.of(broadcastId).accepted,
    duplicates: ctx.sink.duplicateContacts(broadcastId).length,
  };
  ctx.sink.forget(broadcastId);
  return figures;
}

/**
 * Both algorithms once, not measured, before the measured runs. DynamoDB Local is a JVM: the first run after the
 * seeding pays the JIT compilation of the request paths it is the first to use (measured with Flight Recorder: about
 * 8 s of compilation in the first 25 s of the 10k run, on a machine both runs need whole), while the run after it
 * finds them compiled. Whichever went first was measured on a colder server.
 */
async function warmUp(ctx: Context, listId: string): Promise<void> {
  if (PHASES.has('ours')) await pipelineRun(ctx, listId, SIZES.warmupRecipients);
  if (PHASES.has('baseline')) await loopRun(ctx, listId, SIZES.warmupRecipients, 'baseline');
}

/**
 * The seed's loop before and after ours as one: its cost and memory from the run after (the same per recipient in
 * both), its time the mean of the two, and what the sink saw of the worse of the two (a duplicate in either shows).
 */
function bothSeedRuns(before: PipelineRun | undefined, after: PipelineRun | undefined): PipelineRun | undefined {
  if (!before || !after) return after ?? before;
  return {
    ...after,
    elapsedMs: (before.elapsedMs + after.elapsedMs) / 2,
    delivered: Math.min(before.delivered, after.delivered),
    duplicates: Math.max(before.duplicates, after.duplicates),
  };
}

/**
 * One run of a loop in a child of its own: the seed's worker (`baseline`), or the least work per message any pipeline
 * keeping the record does (`ceiling`, phases/send-and-record-alone.ts).
 */
async function loopRun(
  ctx: Context,
  listId: string,
  recipients: number,
  role: 'baseline' | 'ceiling',
): Promise<PipelineRun> {
  const broadcast = await createBroadcast(ctx.api, listId);
  const child = await startChild(role, childEnv(ctx));
  try {
    child.send({ type: 'run-broadcast', tenantId: ctx.api.tenantId, broadcastId: broadcast.id });
    const { report } = await child.next('report');
    const run = report.baseline;
    if (run?.sent !== recipients) throw new Error(`${role} sent ${run?.sent} of ${recipients}`);
    const cost = costFigures({
      recipients,
      dynamodbWriteUnits: report.meter.dynamodb.writeUnits,
      dynamodbReadUnits: report.meter.dynamodb.readUnits,
      sqsBilledRequests: 0,
      // One long invocation doing the whole loop, at 1,024 MB (it holds the whole audience in memory), plus the
      // execute call.
      lambda: [
        {
          functionName: 'seed-broadcast-worker',
          invocations: 1,
          billedMs: Math.ceil(run.durationMs),
          memoryMb: SEED_WORKER_MEMORY_MB,
        },
        { functionName: 'broadcasts-api', invocations: 1, billedMs: 50 },
      ],
      // The seed's aggregate records broadcast.started and broadcast.completed; its worker publishes nothing per message.
      eventbridgeEvents: 2,
      schedulerInvocations: 0,
      apiGatewayRequests: 1,
    });
    return {
      recipients,
      elapsedMs: run.durationMs,
      executeMs: 0,
      report,
      cost,
      ...deliveryFigures(ctx, broadcast.id),
    };
  } finally {
    await child.stop();
  }
}

/** Ours and the baseline on the same list while every webhook answer takes SIZES.providerAnswerMs. */
async function providerLatencyRun(ctx: Context, listId: string) {
  ctx.sink.policy = { answerDelayMs: SIZES.providerAnswerMs };
  try {
    const ours = await pipelineRun(ctx, listId, SIZES.providerLatencyRecipients);
    const baseline = await loopRun(ctx, listId, SIZES.providerLatencyRecipients, 'baseline');
    return { ours, baseline };
  } finally {
    ctx.sink.policy = {};
  }
}

/** One rated broadcast per rate, all at once, for SIZES.rateSeconds; meanwhile, the latency samples. */
async function rateRun(ctx: Context, rateLists: readonly { rate: number; listId: string }[], latencyListId: string) {
  const rated = [];
  for (const { rate, listId } of rateLists) {
    rated.push({ rate, broadcast: await createBroadcast(ctx.api, listId, { rateLimit: rate }) });
  }
  const t0 = Date.now();
  for (const { broadcast } of rated) await ctx.api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
  const latency = await latencyRun(ctx, latencyListId);
  const end = t0 + SIZES.rateSeconds * 1000;
  await sleep(Math.max(0, end - Date.now()));
  const perRate = [];
  for (const { rate, broadcast } of rated) {
    // Stop it (a short test run may have completed already).
    await ctx.api.request('POST', `/api/v1/broadcasts/${broadcast.id}/cancel`);
    const times = ctx.sink.of(broadcast.id).requestTimes.filter((at) => at < end);
    ctx.sink.forget(broadcast.id);
    // Steady: from a minute after the start (the first slot comes a second or so after execute) to the end.
    const min = minInWindow(times, 60_000, t0 + 60_000, end);
    const max = maxInWindow(times, 60_000);
    perRate.push({
      rate_limit_per_minute: rate,
      sends: times.length,
      max_in_any_60s_window: max,
      min_in_steady_60s_window: min,
      min_share_of_rate: min === null ? null : round(min / rate, 4),
      max_ok: max <= rate,
      min_ok: min === null ? null : min >= rate * MIN_SHARE_TARGET,
    });
  }
  return {
    rate: {
      duration_s: SIZES.rateSeconds,
      per_rate: perRate,
      note: `every sliding 60 s window (exact: the fewest is found just after a send) wholly inside [execute + 60 s, execute + ${SIZES.rateSeconds} s), at the receiver; 60/min cannot reach 99 % under a sliding window (59 of 60 is the best: lib/domain/pacing.ts)`,
    },
    latency,
  };
}

/** Issue 14: every steady 60-second window at 99 % of the rate at least. */
const MIN_SHARE_TARGET = 0.99;

async function latencyRun(ctx: Context, listId: string) {
  const executeSamples: number[] = [];
  for (let i = 0; i < SIZES.latencySamples; i++) {
    const broadcast = await createBroadcast(ctx.api, listId);
    const started = Date.now();
    await ctx.api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
    await ctx.sink.waitForAccepted(broadcast.id, 1, 60_000);
    executeSamples.push((ctx.sink.of(broadcast.id).firstRequestAt as number) - started);
    await waitForStatus(ctx.observer, ctx.api.tenantId, broadcast.id, (s) => s === 'completed', 60_000);
  }
  // Scheduled: each a few seconds ahead; given up on when nothing starts it (no local scheduler yet).
  const scheduled: { id: string; at: number }[] = [];
  const first = Date.now() + 8000;
  for (let i = 0; i < SIZES.latencySamples; i++) {
    const at = first + i * 2000;
    const broadcast = await createBroadcast(ctx.api, listId, { scheduledFor: new Date(at).toISOString() });
    scheduled.push({ id: broadcast.id, at });
  }
  const scheduledSamples: number[] = [];
  let scheduledNote: string | undefined;
  for (const { id, at } of scheduled) {
    try {
      await ctx.sink.waitForAccepted(id, 1, Math.max(1000, at + 25_000 - Date.now()));
      scheduledSamples.push((ctx.sink.of(id).firstRequestAt as number) - at);
    } catch {
      const broadcast = await ctx.observer.broadcasts.findById(ctx.api.tenantId, id);
      scheduledNote = `a broadcast scheduled for ${new Date(at).toISOString()} was still '${broadcast?.status}' 25 s later: nothing starts scheduled broadcasts in the local runtime (issue 4's scheduler is not built yet)`;
      break;
    }
  }
  for (const { id } of scheduled) {
    await ctx.api.request('POST', `/api/v1/broadcasts/${id}/unschedule`);
  }
  return {
    execute_to_first_send: median(executeSamples),
    execute_to_first_send_samples: executeSamples,
    scheduled_time_to_first_send: scheduledNote ? null : median(scheduledSamples),
    scheduled_time_to_first_send_samples: scheduledSamples,
    ...(scheduledNote ? { scheduled_time_to_first_send_note: scheduledNote } : {}),
    note: `median of ${SIZES.latencySamples}, on 10-contact broadcasts, measured while the rated broadcasts of \`rate\` were running`,
  };
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function hottestShare(report: ChildReport): number | null {
  const share = report.meter.dynamodb.hottestPartition?.share;
  return share === undefined ? null : round(share, 4);
}

function costDetail(run: PipelineRun) {
  const m = run.report.meter;
  return {
    requests_by_operation: m.requests,
    dynamodb_write_units: m.dynamodb.writeUnits,
    dynamodb_read_units: m.dynamodb.readUnits,
    dynamodb_refused_conditional_writes: m.dynamodb.refusedConditionalWrites,
    dynamodb_units_by_operation: m.dynamodb.unitsByOperation,
    dynamodb_item_writes: m.dynamodb.totalItemWrites,
    dynamodb_partitions_written: m.dynamodb.distinctPartitionsWritten,
    hottest_partition: m.dynamodb.hottestPartition
      ? {
          key: m.dynamodb.hottestPartition.pk.replace(/^T#[^#]+#/, 'T#{tenant}#').replace(/[0-9a-f-]{36}/g, '{id}'),
          writes: m.dynamodb.hottestPartition.writes,
        }
      : null,
    sqs_billed_requests: m.sqs.billedRequestsExcludingEmptyReceives,
    sqs_empty_receives_not_billed_here: m.sqs.emptyReceives,
    lambda_invocations: run.report.consumers
      ? {
          'pipeline-worker': run.report.consumers.pipeline.invocations,
          sender: run.report.consumers.send.invocations,
          'broadcasts-api': 1,
          'event-publisher (estimated)': eventPublisherUsage(m.dynamodb.itemWritesThatReachThePublisher, run.elapsedMs)
            .invocations,
          event_publisher_note: `estimated from the ${m.dynamodb.itemWritesThatReachThePublisher} stream records its filter lets through: a batch per second of the run, at least one per ${EVENT_PUBLISHER_BATCH_SIZE} records, ${EVENT_PUBLISHER_ASSUMED_MS} ms each`,
        }
      : { 'baseline-worker (one long invocation)': 1, 'broadcasts-api': 1 },
    measured_invocation_ms: Object.fromEntries(
      Object.entries(m.invocations).map(([queue, d]) => [
        FUNCTION_OF_QUEUE[queue] ?? queue,
        { measured: d.count, mean_ms: round(d.totalMs / Math.max(1, d.count), 1), max_ms: round(d.maxMs, 1) },
      ]),
    ),
    ...(run.report.baseline ? { baseline_worker_ms: round(run.report.baseline.durationMs, 0) } : {}),
    domain_events: run.report.domainEvents,
    lambda_gb_seconds: round(run.cost.lambda_gb_seconds_per_recipient * run.recipients, 3),
    usd_per_million_recipients_by_service: run.cost.usd_per_million_recipients_by_service,
  };
}

/** The cost figures compared side by side, in the table's order; lower is better for each. */
const COMPARED_COST_FIGURES = [
  'dynamodb_write_units_per_recipient',
  'dynamodb_read_units_per_recipient',
  'sqs_requests_per_recipient',
  'lambda_invocations_per_recipient',
  'lambda_gb_seconds_per_recipient',
  'eventbridge_events_per_recipient',
  'usd_per_million_recipients',
] as const satisfies readonly (keyof CostFigures)[];

function comparisonRows(
  results: Record<string, unknown>,
  ours: PipelineRun | undefined,
  baseline: PipelineRun | undefined,
  large: PipelineRun | undefined,
  provider: { ours: PipelineRun; baseline: PipelineRun } | undefined,
  cap: ChannelCapFigures | undefined,
  whatsapp: WhatsAppFigures | undefined,
  channels: Partial<Record<ProviderChannelType, ProviderChannelFigures>>,
): Row[] {
  const c = ours?.cost;
  const b = baseline?.cost;
  const v = (n: number | undefined) => (n === undefined ? null : n);
  const rate = results.rate as { per_rate: RateFigure[] } | null;
  const throughputFigures = results.throughput as {
    planning_recipients_per_second: number | null;
    ratio_to_baseline: number | null;
    outcome_writes_alone: { writes_per_second: number } | null;
    outcome_writes_alone_ratio_to_baseline: number | null;
    send_and_record_alone: number | null;
    send_and_record_alone_ratio_to_baseline: number | null;
    share_of_send_and_record_alone: number | null;
  };
  const largeRun = results.large_run as { planning_recipients_per_second: number | null } | null;
  const memory = results.memory_mb as { peak_ratio_50k_to_10k: number | null };
  const latency = results.latency_ms as {
    execute_to_first_send: number | null;
    scheduled_time_to_first_send: number | null;
  } | null;
  const throughputOf = (r: PipelineRun | undefined) => (r ? round(r.recipients / (r.elapsedMs / 1000), 1) : null);
  return [
    ...COMPARED_COST_FIGURES.map((key) => ({
      figure: `cost.${key}`,
      ours: v(c?.[key]),
      baseline: v(b?.[key]),
      lowerIsBetter: true,
      ...(key === 'usd_per_million_recipients' ? { unit: ' $' } : {}),
    })),
    {
      figure: 'hottest_partition_write_share',
      ours: ours ? hottestShare(ours.report) : null,
      baseline: baseline ? hottestShare(baseline.report) : null,
      lowerIsBetter: true,
    },
    { figure: 'throughput.messages_per_second', ours: throughputOf(ours), baseline: throughputOf(baseline) },
    {
      figure: `throughput_with_provider_latency (${SIZES.providerAnswerMs} ms answers)`,
      ours: throughputOf(provider?.ours),
      baseline: throughputOf(provider?.baseline),
    },
    {
      figure: 'memory_mb.peak_rss_10k',
      ours: ours?.report.peakRssMb ?? null,
      baseline: baseline?.report.peakRssMb ?? null,
      lowerIsBetter: true,
    },
    { figure: 'memory_mb.peak_rss_50k', ours: large?.report.peakRssMb ?? null },
    { figure: 'memory_mb.peak_ratio_50k_to_10k', ours: memory.peak_ratio_50k_to_10k },
    {
      figure: 'throughput.ratio_to_baseline',
      ours: throughputFigures.ratio_to_baseline,
    },
    {
      figure: 'throughput.send_and_record_alone (msg/s; read, render, send, write: nothing else)',
      ours: throughputFigures.send_and_record_alone,
    },
    {
      figure: 'throughput.send_and_record_alone_ratio_to_baseline',
      ours: throughputFigures.send_and_record_alone_ratio_to_baseline,
    },
    {
      figure: 'throughput.share_of_send_and_record_alone (ours / it)',
      ours: throughputFigures.share_of_send_and_record_alone,
    },
    {
      figure: 'throughput.outcome_writes_alone (writes/s)',
      ours: throughputFigures.outcome_writes_alone?.writes_per_second ?? null,
    },
    {
      figure: 'throughput.outcome_writes_alone_ratio_to_baseline',
      ours: throughputFigures.outcome_writes_alone_ratio_to_baseline,
    },
    {
      figure: 'throughput.planning_recipients_per_second (10k)',
      ours: throughputFigures.planning_recipients_per_second,
    },
    {
      figure: 'large_run.planning_recipients_per_second (50k)',
      ours: largeRun?.planning_recipients_per_second ?? null,
    },
    ...(rate?.per_rate ?? []).flatMap((r) => [
      {
        figure: `rate.max_in_any_60s_window (limit ${r.rate_limit_per_minute})`,
        ours: r.max_in_any_60s_window,
      },
      {
        figure: `rate.min_in_steady_60s_window (99 %: ${r.rate_limit_per_minute * MIN_SHARE_TARGET})`,
        ours: r.min_in_steady_60s_window,
      },
    ]),
    { figure: 'latency_ms.execute_to_first_send', ours: latency?.execute_to_first_send ?? null },
    { figure: 'latency_ms.scheduled_time_to_first_send', ours: latency?.scheduled_time_to_first_send ?? null },
    {
      figure: `channel_cap.max_in_any_1s_window (cap ${SIZES.capPerSecond})`,
      ours: cap?.max_in_any_1s_window ?? null,
    },
    { figure: 'channel_cap.utilisation_at_steady_state', ours: cap?.utilisation_at_steady_state ?? null },
    {
      figure: 'channel_cap.dynamodb_write_units_per_message',
      ours: cap?.dynamodb_write_units_per_message ?? null,
      lowerIsBetter: true,
    },
    ...whatsappRows(whatsapp),
    ...(['email_ses', 'sms'] as const).flatMap((type) => channelRows(type, channels[type])),
  ];
}

function whatsappRows(w: WhatsAppFigures | undefined): Row[] {
  const row = (figure: string, value: number | null | undefined, unit?: string): Row => ({
    figure: `whatsapp.${figure}`,
    ours: value ?? null,
    ...(unit ? { unit } : {}),
  });
  const c = w?.cost;
  const by = c?.cost_per_million_usd_by_service;
  return [
    row(
      `cost_per_million_usd (${SIZES.whatsappRecipients} at the default 80/s, ${c?.receipts_per_message ?? 3} receipts each)`,
      c?.cost_per_million_usd,
      ' $',
    ),
    row('  of which the sends', c?.sends.cost_per_million_messages_usd, ' $'),
    row('  of which the receipts', c?.receipts.cost_per_million_messages_usd, ' $'),
    row('  dynamodb', by?.dynamodb, ' $'),
    row('  sqs', by?.sqs, ' $'),
    row('  lambda', by?.lambda, ' $'),
    row('  api_gateway', by?.api_gateway, ' $'),
    row('dynamodb_write_units_per_message (sends + receipts)', c?.dynamodb_write_units_per_message),
    row('dynamodb_read_units_per_message (sends + receipts)', c?.dynamodb_read_units_per_message),
    row('receipt_counter_mismatches', c && w ? c.exactness.mismatches + w.shared_cap.exactness.mismatches : null),
    row(
      `shared_cap.max_in_any_1s_window (3 broadcasts, cap ${SIZES.whatsappCapPerSecond}, at the stand-in)`,
      w?.max_in_any_1s_window,
    ),
    row(
      'shared_cap.max_in_any_1s_window_handed_to_the_channel',
      w?.shared_cap.max_in_any_1s_window_handed_to_the_channel,
    ),
    row('shared_cap.utilisation_at_steady_state', w?.utilisation_at_steady_state),
    row('shared_cap.cost_per_million_usd (small chunks at 20/s)', w?.shared_cap.cost_per_million_usd, ' $'),
  ];
}

function channelRows(type: ProviderChannelType, f: ProviderChannelFigures | undefined): Row[] {
  const by = f?.cost_per_million_usd_by_service;
  const row = (figure: string, value: number | null | undefined, unit?: string): Row => ({
    figure: `${type}.${figure}`,
    ours: value ?? null,
    ...(unit ? { unit } : {}),
  });
  return [
    row(
      `cost_per_million_usd (${SIZES.channelRecipients} at ${SIZES.channelCapPerSecond}/s, 1 delivery event each)`,
      f?.cost_per_million_usd,
      ' $',
    ),
    row('  of which the sends', f?.sends.cost_per_million_messages_usd, ' $'),
    row('  of which the delivery events', f?.events.cost_per_million_messages_usd, ' $'),
    row('  dynamodb', by?.dynamodb, ' $'),
    row('dynamodb_write_units_per_message', f?.dynamodb_write_units_per_message),
    row('dynamodb_read_units_per_message', f?.dynamodb_read_units_per_message),
  ];
}

/** The whatsapp phase's figures: the cost run, and the shared-cap run. */
interface WhatsAppFigures {
  /** From the cost run, with its three receipts per message. */
  cost_per_million_usd: number;
  /** From the shared-cap run. */
  max_in_any_1s_window: number;
  utilisation_at_steady_state: number | null;
  cost: WhatsAppRunFigures;
  shared_cap: WhatsAppRunFigures;
}

async function whatsappPhase(ctx: Context, costListId: string, capListId: string): Promise<WhatsAppFigures> {
  const common: Omit<WhatsAppRunShape, 'broadcasts' | 'recipientsEach' | 'capPerSecond' | 'staggerMs'> = {
    sendConcurrency: CAP_SEND_CONCURRENCY,
    answerMs: SIZES.whatsappAnswerMs,
    receiptPosters: SIZES.receiptPosters,
    statusesPerPost: SIZES.receiptsPerPost,
  };
  const phaseCtx = { api: ctx.api, observer: ctx.observer, childEnv: childEnv(ctx) };
  const cost = await whatsappRun(phaseCtx, costListId, {
    ...common,
    broadcasts: 1,
    recipientsEach: SIZES.whatsappRecipients,
    capPerSecond: undefined,
    staggerMs: 0,
  });
  log(`whatsapp cost run: $${cost.cost_per_million_usd} per million (${cost.sending_s} s sending)`);
  const sharedCap = await whatsappRun(phaseCtx, capListId, {
    ...common,
    broadcasts: 3,
    recipientsEach: SIZES.whatsappCapRecipients,
    capPerSecond: SIZES.whatsappCapPerSecond,
    staggerMs: CAP_STAGGER_MS,
  });
  return {
    cost_per_million_usd: cost.cost_per_million_usd,
    max_in_any_1s_window: sharedCap.max_in_any_1s_window,
    utilisation_at_steady_state: sharedCap.utilisation_at_steady_state,
    cost,
    shared_cap: sharedCap,
  };
}

function channelPhase(ctx: Context, type: ProviderChannelType, listId: string): Promise<ProviderChannelFigures> {
  return providerChannelRun({ api: ctx.api, observer: ctx.observer, childEnv: childEnv(ctx) }, type, listId, {
    recipients: SIZES.channelRecipients,
    capPerSecond: SIZES.channelCapPerSecond,
    sendConcurrency: CAP_SEND_CONCURRENCY,
    eventPosters: SIZES.eventPosters,
  });
}

interface ChannelCapFigures {
  cap_per_second: number;
  broadcasts: number;
  recipients_each: number;
  started_apart_s: number;
  send_concurrency: number;
  messages: number;
  duplicates: number;
  /** Measured where the messages arrive: the receiver's clock (its own stalls included, on a busy machine). */
  max_in_any_1s_window: number;
  /** Measured where the sender hands each message to the channel adapter: the service's own pace. */
  max_in_any_1s_window_handed_to_the_channel: number;
  steady_window_s: number | null;
  utilisation_at_steady_state: number | null;
  /** Per broadcast, from its execute call to its first message at the receiver. */
  first_message_after_start_ms: number[];
  /** Per broadcast, its messages per second while all of them were sending. */
  messages_per_second_each_at_steady_state: number[];
  duration_s: number;
  dynamodb_write_units_per_message: number;
  dynamodb_read_units_per_message: number;
  /** Writes (refused conditional ones included) of the channel's pace items: timeline reservations, throttles, claims. */
  channel_pace_writes_per_message: number;
  /** The same three broadcasts on the same channel without a cap (chunks of 50, no pace items), for comparison. */
  uncapped: { dynamodb_write_units_per_message: number; dynamodb_read_units_per_message: number; duration_s: number };
  /** What the cap adds per message: its pace writes, and the smaller chunks' share of the per-chunk writes. */
  extra_dynamodb_write_units_per_message: number;
  sender_invocations_per_message: number | null;
  detail: Record<string, unknown>;
  note: string;
}

const CAP_STAGGER_MS = 3000;
const CAP_SEND_CONCURRENCY = 10;

/**
 * Three unlimited broadcasts started CAP_STAGGER_MS apart on one webhook channel capped at SIZES.capPerSecond, run by
 * a child process of its own (metered): the most messages the receiver saw in any sliding one-second window, how much
 * of the cap was used while all three were sending, how soon each got its first message, and what it cost, beside
 * the same three broadcasts on the channel without a cap.
 */
async function channelCapRun(ctx: Context, listId: string): Promise<ChannelCapFigures> {
  // Senders wait for the channel's timeline (up to MAX_CAP_HOLD_MS per chunk): more of them at once than the
  // other phases use, as a stage serving capped channels would set (infra/stages.ts, sendConcurrency).
  const child = await startChild('pipeline', { ...childEnv(ctx), SEND_CONCURRENCY: String(CAP_SEND_CONCURRENCY) });
  try {
    const api = await tenantApi(child.url as string, ctx.api.tenantId);
    const free = await threeBroadcasts(ctx, child, api, listId, undefined);
    const capped = await threeBroadcasts(ctx, child, api, listId, SIZES.capPerSecond);
    const { traffic, startedAt, report, messages } = capped;
    const all = traffic.flatMap((t) => t.requestTimes).sort((a, b) => a - b);
    // Steady state: from 5 s after the last one started until 1 s before the first one ran out of messages.
    const from = (startedAt.at(-1) as number) + 5000;
    const to = Math.min(...traffic.map((t) => t.requestTimes.at(-1) ?? 0)) - 1000;
    const steadyS = to > from ? (to - from) / 1000 : null;
    const inSteady = (times: readonly number[]) => times.filter((at) => at >= from && at < to).length;
    const m = report.meter;
    const perMessage = (n: number, run: { messages: number }) => round(n / run.messages, 3);
    const senderInvocations = report.consumers?.send.invocations;
    return {
      cap_per_second: SIZES.capPerSecond,
      broadcasts: traffic.length,
      recipients_each: SIZES.capRecipients,
      started_apart_s: CAP_STAGGER_MS / 1000,
      send_concurrency: CAP_SEND_CONCURRENCY,
      messages,
      duplicates: capped.duplicates,
      max_in_any_1s_window: maxInWindow(all, 1000),
      max_in_any_1s_window_handed_to_the_channel: maxInWindow(Object.values(report.handedToChannel ?? {}).flat(), 1000),
      steady_window_s: steadyS === null ? null : round(steadyS, 1),
      utilisation_at_steady_state: steadyS === null ? null : round(inSteady(all) / steadyS / SIZES.capPerSecond, 3),
      first_message_after_start_ms: traffic.map((t, i) => (t.firstRequestAt ?? Number.NaN) - (startedAt[i] as number)),
      messages_per_second_each_at_steady_state:
        steadyS === null ? [] : traffic.map((t) => round(inSteady(t.requestTimes) / steadyS, 2)),
      duration_s: seconds(capped.durationMs),
      dynamodb_write_units_per_message: perMessage(m.dynamodb.writeUnits, capped),
      dynamodb_read_units_per_message: perMessage(m.dynamodb.readUnits, capped),
      channel_pace_writes_per_message: perMessage(m.dynamodb.channelPaceItemWrites, capped),
      uncapped: {
        dynamodb_write_units_per_message: perMessage(free.report.meter.dynamodb.writeUnits, free),
        dynamodb_read_units_per_message: perMessage(free.report.meter.dynamodb.readUnits, free),
        duration_s: seconds(free.durationMs),
      },
      extra_dynamodb_write_units_per_message: round(
        m.dynamodb.writeUnits / capped.messages - free.report.meter.dynamodb.writeUnits / free.messages,
        3,
      ),
      sender_invocations_per_message: senderInvocations === undefined ? null : perMessage(senderInvocations, capped),
      detail: {
        requests_by_operation: m.requests,
        dynamodb_units_by_operation: m.dynamodb.unitsByOperation,
        dynamodb_refused_conditional_writes: m.dynamodb.refusedConditionalWrites,
        channel_pace_item_writes: m.dynamodb.channelPaceItemWrites,
        sender: report.consumers?.send ?? null,
        uncapped_requests_by_operation: free.report.meter.requests,
      },
      note: `the three broadcasts send to the same ${SIZES.capRecipients} contacts; utilisation is the receiver's count while all three were sending, over the cap; the timeline runs at 93 % of the cap (lib/domain/channel-pace.ts, CAP_GUARD), the most it can reach`,
    };
  } finally {
    await child.stop();
  }
}

/** Three unlimited broadcasts to the list on a webhook channel to the sink (capped when `cap` is given), metered. */
async function threeBroadcasts(ctx: Context, child: Child, api: Api, listId: string, cap: number | undefined) {
  const channel = await ctx.api.ok('POST', '/api/v1/channels', {
    name: cap === undefined ? 'Bench sink, no cap' : 'Bench capped sink',
    type: 'webhook',
    config: { url: ctx.sink.url, secret: SINK_SECRET },
    ...(cap === undefined ? {} : { max_messages_per_second: cap }),
  });
  const broadcasts = [
    await createBroadcast(ctx.api, listId, { channelId: channel.id }),
    await createBroadcast(ctx.api, listId, { channelId: channel.id }),
    await createBroadcast(ctx.api, listId, { channelId: channel.id }),
  ];
  child.send({ type: 'start' });
  await child.next('started');
  const startedAt: number[] = [];
  for (const [i, broadcast] of broadcasts.entries()) {
    if (i > 0 && cap !== undefined) await sleep(CAP_STAGGER_MS);
    startedAt.push(Date.now());
    await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
  }
  const total = broadcasts.length * SIZES.capRecipients;
  const deadline = Date.now() + Math.max(120_000, (total / (cap ?? 100)) * 4000);
  for (const broadcast of broadcasts) {
    await waitForStatus(ctx.observer, ctx.api.tenantId, broadcast.id, (s) => s === 'completed', deadline - Date.now());
  }
  const durationMs = Date.now() - (startedAt[0] as number);
  child.send({ type: 'finish' });
  const { report } = await child.next('report');
  const traffic = broadcasts.map((b) => ({ ...ctx.sink.of(b.id) }));
  const messages = traffic.reduce((sum, t) => sum + t.accepted, 0);
  const duplicates = broadcasts.reduce((sum, b) => sum + ctx.sink.duplicateContacts(b.id).length, 0);
  if (messages !== total || duplicates > 0) throw new Error(`${messages} of ${total} messages, ${duplicates} twice`);
  for (const b of broadcasts) ctx.sink.forget(b.id);
  return { traffic, startedAt, durationMs, report, messages, duplicates };
}
