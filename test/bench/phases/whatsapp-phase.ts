import { setTimeout as sleep } from 'node:timers/promises';
import { parseExecutionReference } from '../../../lib/domain/execution-reference.js';
import type { UseCaseDeps } from '../../../lib/use-cases/deps.js';
import type { SqsEventSourceStats } from '../../../local/sqs-event-source.js';
import { maxInWindow } from '../../support/send-windows.js';
import { WhatsAppGraphStandIn } from '../../support/whatsapp-graph-stand-in.js';
import type { InvocationDurations } from '../support/aws-meter.js';
import { type Child, type ChildReport, startChild } from '../support/child.js';
import { addUsage, httpBilledMs, type PerMessageCost, perMessage, usageOf } from '../support/child-usage.js';
import { type Api, createBroadcast, seconds, tenantApi, waitForStatus } from '../support/environment.js';
import { costFigures, round } from '../support/prices.js';
import { RECEIPT_DELAY_MS, ReceiptFollower } from '../support/receipt-follower.js';

const WA = {
  accessToken: 'EAAG-bench-0123456789abcdef',
  appSecret: 'bench-meta-app-secret-0123456789',
  verifyToken: 'bench-verify-token',
  template: 'bench_promo',
} as const;

export interface WhatsAppRunShape {
  /** Unlimited broadcasts sharing the channel, started `staggerMs` apart, each to the whole list. */
  broadcasts: number;
  recipientsEach: number;
  staggerMs: number;
  /** The channel's max_messages_per_second; undefined: none set, WhatsApp's default applies (80/s). */
  capPerSecond: number | undefined;
  sendConcurrency: number;
  /** How long the Graph stand-in takes to answer a send. */
  answerMs: number;
  receiptPosters: number;
  statusesPerPost: number;
}

export interface WhatsAppPhaseContext {
  api: Api;
  observer: UseCaseDeps;
  childEnv: Record<string, string>;
}

export interface WhatsAppRunFigures {
  broadcasts: number;
  recipients_each: number;
  cap_per_second: number;
  cap_source: 'channel' | 'whatsapp default';
  send_concurrency: number;
  stand_in_answer_ms: number;
  message: string;
  messages: number;
  duplicates: number;
  receipts_per_message: number;
  statuses_per_webhook_post: number;
  webhook_posts: number;
  webhook_posts_refused: number;
  /** Everything our AWS account pays: the sends and their three receipts, per million messages. */
  cost_per_million_usd: number;
  cost_per_million_usd_by_service: Record<string, number>;
  dynamodb_write_units_per_message: number;
  dynamodb_read_units_per_message: number;
  sqs_requests_per_message: number;
  lambda_invocations_per_message: number;
  api_gateway_requests_per_message: number;
  sends: PerMessageCost;
  receipts: PerMessageCost & { per_receipt: Record<string, number> };
  exactness: {
    stand_in: { accepted: number; delivered: number; read: number };
    stats: { delivered: number; read: number; delivery_failed: number };
    mismatches: number;
    exact: boolean;
  };
  /** At the stand-in: when each send arrived (its own clock, in the bench's process). */
  max_in_any_1s_window: number;
  /** Where the sender handed each message to the WhatsApp adapter. */
  max_in_any_1s_window_handed_to_the_channel: number;
  steady_window_s: number | null;
  /** Sends at the stand-in while every broadcast was sending, over the cap. */
  utilisation_at_steady_state: number | null;
  messages_per_second_each_at_steady_state: number[];
  first_message_after_start_ms: number[];
  sending_s: number;
  /** From the last broadcast's completion until the counters showed every receipt applied. */
  receipts_tail_s: number;
  detail: Record<string, unknown>;
  note: string;
}

/** WhatsApp's own cap when a channel sets none (lib/domain/channel.ts, DEFAULT_MAX_MESSAGES_PER_SECOND). */
const WHATSAPP_DEFAULT_CAP = 80;

/**
 * Unlimited template broadcasts (the contact's name as the template's parameter) sharing one WhatsApp channel,
 * sent through the real pipeline to the Graph API stand-in, which has Meta's side post three signed status
 * webhooks per accepted message (sent, delivered, read) to the channel's public webhook route while the broadcasts
 * run. Two child processes on the same table, each metered: one runs the sends (execute, pipeline, sender), the
 * other takes Meta's posts (the webhook route, the receipts queue and worker), as the separate Lambda functions they
 * are in AWS, so the receipts' cost is counted apart from the sends'.
 */
export async function whatsappRun(
  ctx: WhatsAppPhaseContext,
  listId: string,
  shape: WhatsAppRunShape,
): Promise<WhatsAppRunFigures> {
  const graph = await WhatsAppGraphStandIn.start({
    accessToken: WA.accessToken,
    // Only this template exists: a send that does not fit it (name, language, its one named parameter) is refused.
    templates: { [WA.template]: { languages: ['en_US'], body: ['name'] } },
    ...(shape.answerMs > 0 ? { latencyMs: shape.answerMs } : {}),
  });
  const children: Child[] = [];
  try {
    const env = {
      ...ctx.childEnv,
      SEND_CONCURRENCY: String(shape.sendConcurrency),
      WHATSAPP_API_BASE_URL: graph.baseUrl,
    };
    const sender = await startChild('pipeline', env);
    children.push(sender);
    // The webhook's runtime: its table-stream relay would read every record a second time (the sender's has it).
    const receiver = await startChild('pipeline', { ...env, BENCH_NO_STREAM: '1' });
    children.push(receiver);
    const channel = await ctx.api.ok('POST', '/api/v1/channels', {
      name: `Bench WhatsApp ${shape.capPerSecond ?? 'default'}`,
      type: 'whatsapp',
      config: {
        phone_number_id: graph.phoneNumberId,
        access_token: WA.accessToken,
        app_secret: WA.appSecret,
        verify_token: WA.verifyToken,
      },
      ...(shape.capPerSecond === undefined ? {} : { max_messages_per_second: shape.capPerSecond }),
    });
    const cap = shape.capPerSecond ?? WHATSAPP_DEFAULT_CAP;
    const broadcasts: { id: string }[] = [];
    for (let i = 0; i < shape.broadcasts; i++) {
      broadcasts.push(
        await createBroadcast(ctx.api, listId, {
          channelId: channel.id,
          messageTemplate: { type: 'template', template_id: WA.template, variables: { name: 'contact.name' } },
        }),
      );
    }
    const follower = new ReceiptFollower(graph, {
      callbackUrl: `${receiver.url}/api/v1/webhooks/whatsapp/${channel.id}`,
      appSecret: WA.appSecret,
      posters: shape.receiptPosters,
      statusesPerPost: shape.statusesPerPost,
    });
    for (const child of children) child.send({ type: 'start' });
    for (const child of children) await child.next('started');
    const api = await tenantApi(sender.url as string, ctx.api.tenantId);

    follower.start();
    const startedAt: number[] = [];
    for (const [i, broadcast] of broadcasts.entries()) {
      if (i > 0) await sleep(shape.staggerMs);
      startedAt.push(Date.now());
      await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
    }
    const started = startedAt[0] as number;
    const expectedMessages = shape.broadcasts * shape.recipientsEach;
    const deadline = Date.now() + Math.max(120_000, (expectedMessages / (cap * 0.93)) * 3000);
    for (const broadcast of broadcasts) {
      await waitForStatus(
        ctx.observer,
        ctx.api.tenantId,
        broadcast.id,
        (s) => s === 'completed',
        deadline - Date.now(),
      );
    }
    const completed = Date.now();
    sender.send({ type: 'finish' });
    const sends = (await sender.next('report')).report;

    await follower.finish();
    const expected = {
      accepted: graph.accepted.length,
      delivered: follower.idsWith('delivered', 'read').size,
      read: follower.idsWith('read').size,
    };
    // Every receipt applied: the counters reach what was posted (a receipt that beat its send's record comes back
    // after the receipts queue's visibility timeout, 30 s locally).
    const stats = await settledStats(ctx, broadcasts, expected);
    const settled = Date.now();
    receiver.send({ type: 'finish' });
    const receipts = (await receiver.next('report')).report;

    const messages = graph.accepted.length;
    const duplicates = messages - new Set(graph.accepted.map((m) => m.reference ?? m.id)).size;
    if (messages !== expectedMessages || duplicates > 0) {
      throw new Error(`${messages} of ${expectedMessages} messages accepted, ${duplicates} twice`);
    }
    if (graph.malformed().length > 0) {
      throw new Error(`${graph.malformed().length} malformed sends: ${graph.malformed()[0]?.problems.join('; ')}`);
    }
    const posted = follower.posts;
    const statusesPosted = posted.reduce((sum, p) => sum + p.statuses.length, 0);

    // The cap: where the sends arrived (per broadcast), and where the sender handed them over.
    const broadcastOf = new Map(graph.accepted.map((m) => [m.id, parseExecutionReference(m.reference)?.broadcastId]));
    const arrivals = graph.requests.filter((r) => r.outcome === 'accepted' && r.messageId !== undefined);
    const all = arrivals.map((r) => r.at).sort((a, b) => a - b);
    const each = broadcasts.map((b) =>
      arrivals
        .filter((r) => broadcastOf.get(r.messageId as string) === b.id)
        .map((r) => r.at)
        .sort((a, b2) => a - b2),
    );
    // Steady state: from 5 s after the last start until 1 s before the first broadcast ran out of messages.
    const from = (startedAt.at(-1) as number) + 5000;
    const to = Math.min(...each.map((times) => times.at(-1) ?? 0)) - 1000;
    const steadyS = to > from ? (to - from) / 1000 : null;
    const inSteady = (times: readonly number[]) => times.filter((at) => at >= from && at < to).length;

    // Cost: the sends' usage, the receipts' usage, and both.
    const sendUsage = usageOf(sends, messages, completed - started);
    const receiptUsage = usageOf(receipts, messages, settled - started);
    const total = costFigures(addUsage(sendUsage, receiptUsage));
    const perReceipt = costFigures({ ...receiptUsage, recipients: statusesPosted });
    const mismatches =
      Math.abs(stats.delivered - expected.delivered) + Math.abs(stats.read - expected.read) + stats.delivery_failed;
    const receiptsWorker = receipts.consumers?.receipts;
    const webhook = receipts.meter.httpInvocations['whatsapp-webhook'];
    return {
      broadcasts: shape.broadcasts,
      recipients_each: shape.recipientsEach,
      cap_per_second: cap,
      cap_source: shape.capPerSecond === undefined ? 'whatsapp default' : 'channel',
      send_concurrency: shape.sendConcurrency,
      stand_in_answer_ms: shape.answerMs,
      message: `template ${WA.template} (en_US), one named body parameter: the contact's name`,
      messages,
      duplicates,
      receipts_per_message: round(statusesPosted / messages, 3),
      statuses_per_webhook_post: shape.statusesPerPost,
      webhook_posts: posted.length,
      webhook_posts_refused: posted.filter((p) => p.responseStatus !== 200).length,
      cost_per_million_usd: total.usd_per_million_recipients,
      cost_per_million_usd_by_service: total.usd_per_million_recipients_by_service,
      dynamodb_write_units_per_message: total.dynamodb_write_units_per_recipient,
      dynamodb_read_units_per_message: total.dynamodb_read_units_per_recipient,
      sqs_requests_per_message: total.sqs_requests_per_recipient,
      lambda_invocations_per_message: total.lambda_invocations_per_recipient,
      api_gateway_requests_per_message: total.api_gateway_requests_per_recipient,
      sends: perMessage(costFigures(sendUsage)),
      receipts: {
        ...perMessage(costFigures(receiptUsage)),
        per_receipt: {
          dynamodb_write_units: perReceipt.dynamodb_write_units_per_recipient,
          dynamodb_read_units: perReceipt.dynamodb_read_units_per_recipient,
          sqs_requests: perReceipt.sqs_requests_per_recipient,
          lambda_invocations: perReceipt.lambda_invocations_per_recipient,
          lambda_gb_seconds: perReceipt.lambda_gb_seconds_per_recipient,
          usd_per_million_receipts: perReceipt.usd_per_million_recipients,
        },
      },
      exactness: {
        stand_in: expected,
        stats,
        mismatches,
        exact: mismatches === 0 && expected.delivered === messages && expected.read === messages,
      },
      max_in_any_1s_window: maxInWindow(all, 1000),
      max_in_any_1s_window_handed_to_the_channel: maxInWindow(
        broadcasts.flatMap((b) => sends.handedToChannel?.[b.id] ?? []),
        1000,
      ),
      steady_window_s: steadyS === null ? null : round(steadyS, 1),
      utilisation_at_steady_state: steadyS === null ? null : round(inSteady(all) / steadyS / cap, 3),
      messages_per_second_each_at_steady_state:
        steadyS === null ? [] : each.map((times) => round(inSteady(times) / steadyS, 2)),
      first_message_after_start_ms: each.map((times, i) => (times[0] ?? Number.NaN) - (startedAt[i] as number)),
      sending_s: seconds(completed - started),
      receipts_tail_s: seconds(settled - completed),
      detail: detailOf(sends, receipts, sendUsage, receiptUsage, receiptsWorker, webhook),
      note: `${shape.broadcasts} unlimited broadcast(s) of ${shape.recipientsEach} recipients on one WhatsApp channel capped at ${cap}/s (${shape.capPerSecond === undefined ? "WhatsApp's default" : 'the channel'}), started ${shape.staggerMs / 1000} s apart; the stand-in answers every send${shape.answerMs > 0 ? ` after ${shape.answerMs} ms` : ' at once'} and posts sent, delivered and read ${RECEIPT_DELAY_MS.sent / 1000}, ${RECEIPT_DELAY_MS.delivered / 1000} and ${RECEIPT_DELAY_MS.read / 1000} s after accepting a message, ${shape.statusesPerPost} status per post, ${shape.receiptPosters} posts in flight; each webhook post is one API Gateway request and one invocation, billed at the route's busy time shared out among its calls; locally the receipts worker takes whatever is queued (up to 100), while in AWS its batching window would fill batches and need fewer invocations and counter writes`,
    };
  } finally {
    for (const child of children) await child.stop();
    await graph.stop();
  }
}

async function settledStats(
  ctx: WhatsAppPhaseContext,
  broadcasts: readonly { id: string }[],
  expected: { delivered: number; read: number },
): Promise<{ delivered: number; read: number; delivery_failed: number }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const each = await Promise.all(broadcasts.map((b) => ctx.api.ok('GET', `/api/v1/broadcasts/${b.id}/stats`)));
    const sum = (field: 'delivered' | 'read' | 'delivery_failed') =>
      each.reduce((total, s) => total + Number(s[field] ?? 0), 0);
    const stats = { delivered: sum('delivered'), read: sum('read'), delivery_failed: sum('delivery_failed') };
    if ((stats.delivered === expected.delivered && stats.read === expected.read) || Date.now() > deadline) return stats;
    await sleep(250);
  }
}

function detailOf(
  sends: ChildReport,
  receipts: ChildReport,
  sendUsage: ReturnType<typeof usageOf>,
  receiptUsage: ReturnType<typeof usageOf>,
  receiptsWorker: SqsEventSourceStats | undefined,
  webhook: InvocationDurations | undefined,
): Record<string, unknown> {
  return {
    sends: {
      requests_by_operation: sends.meter.requests,
      dynamodb_units_by_operation: sends.meter.dynamodb.unitsByOperation,
      channel_pace_item_writes: sends.meter.dynamodb.channelPaceItemWrites,
      sender: sends.consumers?.send ?? null,
      lambda: sendUsage.lambda,
      api_gateway_requests: sendUsage.apiGatewayRequests,
      domain_events: sends.domainEvents,
    },
    receipts: {
      requests_by_operation: receipts.meter.requests,
      dynamodb_units_by_operation: receipts.meter.dynamodb.unitsByOperation,
      dynamodb_refused_conditional_writes: receipts.meter.dynamodb.refusedConditionalWrites,
      receipts_worker: receiptsWorker ?? null,
      receipts_worker_mean_batch: receiptsWorker
        ? round(receiptsWorker.messagesReceived / Math.max(1, receiptsWorker.invocations), 1)
        : null,
      webhook_route_ms: webhook
        ? {
            calls: webhook.count,
            mean_wall: round(webhook.totalMs / Math.max(1, webhook.count), 1),
            max_wall: round(webhook.maxMs, 1),
            billed_each: round(httpBilledMs(webhook) / Math.max(1, webhook.count), 1),
          }
        : null,
      lambda: receiptUsage.lambda,
      api_gateway_requests: receiptUsage.apiGatewayRequests,
      sqs_empty_receives_not_billed_here: receipts.meter.sqs.emptyReceives,
    },
  };
}
