import { setTimeout as sleep } from 'node:timers/promises';
import { readEmailTags } from '../../../lib/domain/email-tags.js';
import type { ExecutionReference } from '../../../lib/domain/execution-reference.js';
import { parseProviderReference } from '../../../lib/domain/provider-tags.js';
import type { UseCaseDeps } from '../../../lib/use-cases/deps.js';
import { LOCAL_EVENTS_PATH } from '../../../local/local-events.js';
import { type EventTarget, sesEvent, smsEvent } from '../../support/provider-events.js';
import { SesV2StandIn } from '../../support/ses-v2-stand-in.js';
import { SmsStandIn } from '../../support/sms-stand-in.js';
import { startChild } from '../support/child.js';
import { addUsage, type PerMessageCost, perMessage, usageOf } from '../support/child-usage.js';
import { type Api, createBroadcast, seconds, TEMPLATE, tenantApi, waitForStatus } from '../support/environment.js';
import { costFigures, round } from '../support/prices.js';

export type ProviderChannelType = 'email_ses' | 'sms';

export interface ProviderChannelShape {
  recipients: number;
  /** The channel's max_messages_per_second (SES: also the stand-in account's MaxSendRate). */
  capPerSecond: number;
  sendConcurrency: number;
  /** Provider events posted at once to the local EventBridge stand-in. */
  eventPosters: number;
}

export interface ProviderChannelContext {
  api: Api;
  observer: UseCaseDeps;
  childEnv: Record<string, string>;
}

export interface ProviderChannelFigures {
  channel: ProviderChannelType;
  recipients: number;
  cap_per_second: number;
  send_concurrency: number;
  message: string;
  messages: number;
  /** Sends that failed (none expected; a provider call past its timeout on a loaded machine). */
  failed_sends: number;
  duplicates: number;
  delivery_events: number;
  /** Our AWS share, the sends and one delivery event each, per million messages (the provider's fees apart). */
  cost_per_million_usd: number;
  cost_per_million_usd_by_service: Record<string, number>;
  dynamodb_write_units_per_message: number;
  dynamodb_read_units_per_message: number;
  sqs_requests_per_message: number;
  lambda_invocations_per_message: number;
  sends: PerMessageCost;
  events: PerMessageCost;
  delivered_counted: number;
  exact: boolean;
  sending_s: number;
  events_s: number;
  detail: Record<string, unknown>;
  note: string;
}

/** A message the provider accepted, and what its delivery event must name. */
interface Accepted {
  target: EventTarget;
  recipient: string;
}

interface Provider {
  env: Record<string, string>;
  channel: Record<string, unknown>;
  messageTemplate: Record<string, unknown>;
  message: string;
  accepted(): Accepted[];
  malformed(): number;
  deliveryEvent(accepted: Accepted): object;
  stop(): Promise<void>;
}

const SES_CONFIGURATION_SET = 'bench-events';
const SES_FROM = 'news@acme.example';
const SMS_ORIGINATION = '+12065550100';
const SMS_CONFIGURATION_SET = 'broadcast-sms';
/** One GSM-7 part whatever the name (a link would make it two or three). */
const SMS_TEXT = 'Hi {{contact.name}}! 20% off today only. Reply STOP to opt out';
/** Dummy credentials: the stand-ins check a SigV4 signature's shape, not the key. */
const AWS_DUMMY = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

async function sesProvider(shape: ProviderChannelShape): Promise<Provider> {
  const ses = await SesV2StandIn.start({
    verifiedIdentities: ['acme.example'],
    configurationSets: [SES_CONFIGURATION_SET],
    maxSendRate: shape.capPerSecond,
  });
  const accepted = () =>
    ses.accepted.flatMap((email): Accepted[] => {
      const tags = readEmailTags(Object.fromEntries(Object.entries(email.tags).map(([k, v]) => [k, [v]])));
      if (!tags.tenantId || !tags.reference) return [];
      return [
        {
          target: { tenantId: tags.tenantId, reference: tags.reference, messageId: email.messageId },
          recipient: email.to[0] ?? '',
        },
      ];
    });
  return {
    env: { ...AWS_DUMMY, AWS_ENDPOINT_URL_SESV2: ses.endpoint, SES_CONFIGURATION_SET_NAME: SES_CONFIGURATION_SET },
    channel: { type: 'email_ses', config: { from_address: SES_FROM, from_name: 'Acme Store' } },
    messageTemplate: { type: 'text', subject: '{{contact.name}}, your offer', content: TEMPLATE },
    message: 'a text e-mail: a one-line subject with the name, the body with the name and the unsubscribe link',
    accepted,
    malformed: () => ses.requests.filter((r) => r.outcome === 'malformed').length,
    deliveryEvent: (a) =>
      sesEvent('delivery', { ...a.target, address: a.recipient }, (detail) => {
        detail.mail.tags['ses:configuration-set'] = [SES_CONFIGURATION_SET];
      }),
    stop: () => ses.stop(),
  };
}

async function smsProvider(): Promise<Provider> {
  const sms = await SmsStandIn.start({
    originationIdentities: [SMS_ORIGINATION],
    configurationSets: [SMS_CONFIGURATION_SET],
  });
  const accepted = () =>
    sms.accepted.flatMap((text): Accepted[] => {
      const reference: ExecutionReference | undefined = parseProviderReference(text.context.bc_ref);
      const tenantId = text.context.bc_tenant;
      if (!tenantId || !reference) return [];
      return [{ target: { tenantId, reference, messageId: text.messageId }, recipient: text.destination }];
    });
  return {
    env: { ...AWS_DUMMY, AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: sms.endpoint },
    channel: {
      type: 'sms',
      config: {
        origination_identity: SMS_ORIGINATION,
        message_type: 'PROMOTIONAL',
        configuration_set_name: SMS_CONFIGURATION_SET,
      },
    },
    messageTemplate: { type: 'text', content: SMS_TEXT },
    message: `one GSM-7 part: "${SMS_TEXT}"`,
    accepted,
    malformed: () => sms.malformed().length,
    deliveryEvent: (a) => smsEvent('TEXT_DELIVERED', { ...a.target, address: a.recipient }),
    stop: () => sms.stop(),
  };
}

/**
 * One unlimited broadcast on an `email_ses` or `sms` channel capped at shape.capPerSecond, through the real pipeline
 * to the provider's stand-in, then one delivery event per accepted message, as the provider publishes it, through
 * `POST /local/events` (the stage's EventBridge rule) to the events queue and the provider events worker, until the
 * broadcast's stats count every message delivered. One child process, metered twice: the sends, then the events.
 */
export async function providerChannelRun(
  ctx: ProviderChannelContext,
  type: ProviderChannelType,
  listId: string,
  shape: ProviderChannelShape,
): Promise<ProviderChannelFigures> {
  const provider = type === 'email_ses' ? await sesProvider(shape) : await smsProvider();
  try {
    const child = await startChild('pipeline', {
      ...ctx.childEnv,
      ...provider.env,
      SEND_CONCURRENCY: String(shape.sendConcurrency),
    });
    try {
      const channel = await ctx.api.ok('POST', '/api/v1/channels', {
        name: `Bench ${type}`,
        ...provider.channel,
        max_messages_per_second: shape.capPerSecond,
      });
      const broadcast = await createBroadcast(ctx.api, listId, {
        channelId: channel.id,
        messageTemplate: provider.messageTemplate,
      });
      const api = await tenantApi(child.url as string, ctx.api.tenantId);

      child.send({ type: 'start' });
      await child.next('started');
      const started = Date.now();
      await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
      const timeout = Math.max(120_000, (shape.recipients / (shape.capPerSecond * 0.93)) * 3000);
      await waitForStatus(ctx.observer, ctx.api.tenantId, broadcast.id, (s) => s === 'completed', timeout);
      const completed = Date.now();
      child.send({ type: 'finish' });
      const sends = (await child.next('report')).report;

      const accepted = provider.accepted();
      const duplicates = accepted.length - new Set(accepted.map((a) => a.target.reference.contactId)).size;
      // A send may fail on a loaded machine (a provider call past its timeout is never retried): it is counted
      // `failed`, gets no event, and is left out of the messages the cost is shared by.
      const outcome = await ctx.api.ok('GET', `/api/v1/broadcasts/${broadcast.id}/stats`);
      const sentAndFailed = Number(outcome.sent) + Number(outcome.failed);
      if (
        accepted.length !== Number(outcome.sent) ||
        sentAndFailed !== shape.recipients ||
        duplicates > 0 ||
        provider.malformed() > 0
      ) {
        throw new Error(
          `${type}: ${accepted.length} accepted with a reference, ${outcome.sent} sent and ${outcome.failed} failed of ${shape.recipients}, ${duplicates} twice, ${provider.malformed()} malformed`,
        );
      }

      child.send({ type: 'start' });
      await child.next('started');
      const eventsStarted = Date.now();
      const queued = await postEvents(
        `${child.url}${LOCAL_EVENTS_PATH}`,
        accepted.map((a) => provider.deliveryEvent(a)),
        shape.eventPosters,
      );
      const delivered = await deliveredCount(ctx.api, broadcast.id, accepted.length);
      const eventsDone = Date.now();
      child.send({ type: 'finish' });
      const events = (await child.next('report')).report;

      const messages = accepted.length;
      const sendUsage = usageOf(sends, messages, completed - started);
      // EventBridge's SendMessage of each event to the events queue: billed to us, made by no metered client here.
      const eventUsage = usageOf(events, messages, eventsDone - eventsStarted, queued);
      const total = costFigures(addUsage(sendUsage, eventUsage));
      const worker = events.consumers?.events;
      return {
        channel: type,
        recipients: shape.recipients,
        cap_per_second: shape.capPerSecond,
        send_concurrency: shape.sendConcurrency,
        message: provider.message,
        messages,
        failed_sends: Number(outcome.failed),
        duplicates,
        delivery_events: queued,
        cost_per_million_usd: total.usd_per_million_recipients,
        cost_per_million_usd_by_service: total.usd_per_million_recipients_by_service,
        dynamodb_write_units_per_message: total.dynamodb_write_units_per_recipient,
        dynamodb_read_units_per_message: total.dynamodb_read_units_per_recipient,
        sqs_requests_per_message: total.sqs_requests_per_recipient,
        lambda_invocations_per_message: total.lambda_invocations_per_recipient,
        sends: perMessage(costFigures(sendUsage)),
        events: perMessage(costFigures(eventUsage)),
        delivered_counted: delivered,
        exact: delivered === messages,
        sending_s: seconds(completed - started),
        events_s: seconds(eventsDone - eventsStarted),
        detail: {
          sends: {
            requests_by_operation: sends.meter.requests,
            dynamodb_units_by_operation: sends.meter.dynamodb.unitsByOperation,
            channel_pace_item_writes: sends.meter.dynamodb.channelPaceItemWrites,
            sender: sends.consumers?.send ?? null,
            lambda: sendUsage.lambda,
            domain_events: sends.domainEvents,
          },
          events: {
            requests_by_operation: events.meter.requests,
            dynamodb_units_by_operation: events.meter.dynamodb.unitsByOperation,
            events_worker: worker ?? null,
            events_worker_mean_batch: worker
              ? round(worker.messagesReceived / Math.max(1, worker.invocations), 1)
              : null,
            sqs_send_by_eventbridge: queued,
            lambda: eventUsage.lambda,
            domain_events: events.domainEvents,
          },
        },
        note: `one unlimited broadcast of ${shape.recipients} on a ${type} channel capped at ${shape.capPerSecond}/s, ${shape.sendConcurrency} senders; then one delivery event per message posted to POST /local/events (${shape.eventPosters} at once), which routes it by the stage's rule to the events queue; EventBridge itself costs nothing for the provider's events on the default bus, its SendMessage to the queue is counted as one SQS request each; the provider's own fees are not included`,
      };
    } finally {
      await child.stop();
    }
  } finally {
    await provider.stop();
  }
}

/** Posts every event, `posters` at once; answers how many the local rules put on the events queue. */
async function postEvents(url: string, events: readonly object[], posters: number): Promise<number> {
  let next = 0;
  let queued = 0;
  const poster = async () => {
    for (let event = events[next++]; event; event = events[next++]) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      const body = (await response.json()) as { delivered?: { target?: string }[] };
      if (response.status !== 202 || body.delivered?.[0]?.target !== 'events-queue') {
        throw new Error(`POST ${LOCAL_EVENTS_PATH}: ${response.status} ${JSON.stringify(body)}`);
      }
      queued++;
    }
  };
  await Promise.all(Array.from({ length: posters }, poster));
  return queued;
}

/** The broadcast's `delivered` once it reaches `expected` (or stops moving for 40 s: a redelivery after 30 s). */
async function deliveredCount(api: Api, broadcastId: string, expected: number): Promise<number> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const stats = await api.ok('GET', `/api/v1/broadcasts/${broadcastId}/stats`);
    const delivered = Number(stats.delivered ?? 0);
    if (delivered >= expected) return delivered;
    if (delivered !== last) {
      last = delivered;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > 40_000) {
      return delivered;
    }
    await sleep(250);
  }
}
