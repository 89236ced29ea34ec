import { setTimeout as sleep } from 'node:timers/promises';
import { type Channel, channelCapPerSecond } from '../domain/channel.js';
import { MAX_CAP_HOLD_MS } from '../domain/channel-pace.js';
import { RateLimitedError, UnprocessableError } from '../domain/errors.js';
import { assertTemplateFitsChannel } from '../domain/message-template.js';
import { judgeContact } from '../domain/send-decision.js';
import type { SendResult } from '../domain/send-outcome.js';
import { smsPartsOfMessage } from '../domain/sms-message.js';
import { addressOf, suppressionKindFor } from '../domain/suppression.js';
import { renderContextFor, renderMessage } from '../domain/template-rendering.js';
import { composeTestMessage, recordedMessage, type TestSend, testSendOutcomeOf } from '../domain/test-send.js';
import {
  decideTestSend,
  retryAfterSeconds,
  TEST_SEND_LIMIT,
  TEST_SEND_WINDOW_MS,
  TEST_SENDS_PER_WINDOW,
} from '../domain/test-send-window.js';
import { logger } from '../observability/logger.js';
import type { ChannelSender, OutboundMessage } from '../ports/channel-sender.js';
import { type RetryPolicy, retry } from '../retry.js';
import { getBroadcast } from './broadcast-commands.js';
import { ChannelTimeline } from './channel-timeline.js';
import { compiledTemplateOf } from './compiled-templates.js';
import { getContact } from './contact-queries.js';
import type { UseCaseDeps } from './deps.js';
import { resolveChannel } from './resolve-channel.js';
import { suppressAddress } from './suppress-address.js';

export type TestSendDeps = Pick<
  UseCaseDeps,
  | 'broadcasts'
  | 'contacts'
  | 'channels'
  | 'defaultChannel'
  | 'senders'
  | 'unsubscribeLinks'
  | 'testSends'
  | 'clock'
  | 'ids'
  | 'channelPace'
>;

/**
 * Tries of an admission that lost the window to a concurrent one. Each lost try means another test send got in,
 * and no more than TEST_SENDS_PER_WINDOW get in per window, so within these tries a request is either admitted
 * or reads a full window (429): running out of them takes a clock gone wrong, and is answered as a 429 too.
 */
const ADMISSION_RETRY: RetryPolicy = { maxAttempts: TEST_SENDS_PER_WINDOW + 2, baseDelayMs: 10, maxDelayMs: 200 };

class WindowMovedError extends Error {}

/**
 * POST /broadcasts/:id/test-send: sends the broadcast's message to one of the tenant's contacts, now, through the
 * broadcast's channel, whatever the broadcast's status, and records it in the broadcast's test-send history; the
 * broadcast, its executions and its counters are never touched. In order:
 * 1. reads only: the broadcast and the contact (404 when either is not the tenant's), the channel (422 when the
 *    broadcast has none), and the judgement every send makes (send-decision.ts): a contact the broadcast would skip
 *    (opted out, no address for the channel, an address the channel must not use, a missing variable) is a 422 `broadcast.test_send_skipped` naming the
 *    reason, and nothing is sent or counted;
 * 2. admission: the per-broadcast sliding window (at most 10 a minute) takes this test send and the history records
 *    it as `sending`, in one conditional write, before anything is sent; beyond the limit, 429 with Retry-After;
 * 3. one attempt through the channel, no retry: its answer (accepted with the provider's id, or the failure) is
 *    recorded and returned. An admitted test send counts against the limit however the channel answers. A provider
 *    opt-out (an SMS number that sent STOP) suppresses that address of the contact, as a broadcast's send would.
 */
export async function sendTestMessage(
  deps: TestSendDeps,
  tenantId: string,
  broadcastId: string,
  contactId: string,
): Promise<TestSend> {
  const broadcast = await getBroadcast(deps, tenantId, broadcastId);
  const contact = await getContact(deps, tenantId, contactId);
  const channel = await resolveChannel(deps, tenantId, broadcast);
  assertTemplateFitsChannel(broadcast.messageTemplate, channel);
  const sender = deps.senders.senderFor(channel);
  const compiled = compiledTemplateOf(broadcast);
  const link = deps.unsubscribeLinks.linkFor({ tenantId, contactId: contact.id, broadcastId: broadcast.id });
  const renderedAt = deps.clock.now();
  const judged = judgeContact(contact, {
    requiredAddress: channel.requiredAddress,
    suppression: suppressionKindFor(channel),
    render: (c) => renderMessage(compiled, renderContextFor(c, broadcast, renderedAt, link)),
  });
  if ('skip' in judged) {
    const { reason, error } = judged.skip;
    throw new UnprocessableError(
      'broadcast.test_send_skipped',
      `the broadcast would send contact ${contact.id} nothing (${reason}${error ? `: ${error}` : ''}); nothing was sent`,
      [{ field: 'contact_id', message: reason }],
    );
  }
  const id = deps.ids.newId();
  const outbound = composeTestMessage(broadcast, id, judged.contact, judged.rendered, link);
  const admitted = await admit(deps, {
    id,
    tenantId,
    broadcastId: broadcast.id,
    contactId: contact.id,
    channelId: channel.id,
    status: 'sending',
    message: recordedMessage(outbound.message),
    ...(channel.type === 'sms' ? { smsParts: smsPartsOfMessage(outbound.message).parts } : {}),
  });
  // A capped channel's cap holds for test sends too: the send takes its instant on the channel's timeline.
  const onTime = await waitForChannelInstant(deps, channel);
  const result: SendResult | undefined = onTime ? await attempt(sender, outbound) : undefined;
  // An opt-out the provider keeps is true whoever sent: the broadcast's own sends skip that address from now on.
  if (result && 'outcome' in result && result.outcome.kind === 'opted_out') {
    const kind = result.outcome.suppression;
    const target = { tenantId, contactId: contact.id, address: addressOf(contact, kind) };
    await suppressAddress(deps, target, kind, 'carrier_opt_out');
  }
  const outcome = result
    ? testSendOutcomeOf(result)
    : ({
        status: 'failed',
        failure: 'transient',
        error: 'channel_busy: no room on the channel within its cap',
      } as const);
  const recorded = await deps.testSends.complete(admitted, outcome, deps.clock.now().toISOString());
  logger.info('test send', {
    tenantId,
    broadcastId: broadcast.id,
    testSendId: id,
    channelType: channel.type,
    status: recorded.status,
    ...(recorded.failure ? { failure: recorded.failure } : {}),
  });
  return recorded;
}

/** Takes a slot of the broadcast's window and records the test send as `sending`; RateLimitedError when full. */
async function admit(deps: TestSendDeps, draft: Omit<TestSend, 'createdAt' | 'updatedAt'>): Promise<TestSend> {
  return retry(
    async () => {
      const window = await deps.testSends.readWindow(draft.tenantId, draft.broadcastId);
      const now = deps.clock.now();
      const decision = decideTestSend(window.times, now.getTime(), TEST_SEND_LIMIT);
      if (!decision.admitted) throw rateLimited(decision.retryAfterMs);
      const testSend: TestSend = { ...draft, createdAt: now.toISOString(), updatedAt: now.toISOString() };
      if (await deps.testSends.admit(testSend, { readVersion: window.version, times: decision.times })) return testSend;
      throw new WindowMovedError();
    },
    {
      ...ADMISSION_RETRY,
      retryable: (error) => error instanceof WindowMovedError,
      exhausted: () => rateLimited(1000),
    },
  );
}

function rateLimited(retryAfterMs: number): RateLimitedError {
  const seconds = retryAfterSeconds(retryAfterMs);
  return new RateLimitedError(
    'broadcast.test_send_rate_limited',
    `at most ${TEST_SENDS_PER_WINDOW} test sends per broadcast in any ${TEST_SEND_WINDOW_MS / 1000} seconds; ` +
      `retry in ${seconds} s`,
    seconds,
  );
}

/** Tries this many times, a hold apart, for room on a capped channel before the test send fails as channel_busy. */
const CHANNEL_INSTANT_TRIES = 10;

/** Waits for one instant on the channel's timeline where it is capped; false when the channel stayed full. */
async function waitForChannelInstant(deps: TestSendDeps, channel: Channel): Promise<boolean> {
  const cap = channelCapPerSecond(channel);
  if (cap === undefined) return true;
  const timeline = new ChannelTimeline(deps, channel, cap, undefined);
  for (let tries = 0; tries < CHANNEL_INSTANT_TRIES; tries++) {
    const [instant] = await timeline.reserve(1);
    if (instant !== undefined) {
      const wait = instant - deps.clock.now().getTime();
      if (wait > 0) await sleep(Math.ceil(wait) + 1);
      return true;
    }
    await sleep(MAX_CAP_HOLD_MS);
  }
  return false;
}

async function attempt(sender: ChannelSender, outbound: OutboundMessage): Promise<SendResult> {
  try {
    return { outcome: await sender.send(outbound) };
  } catch (thrown) {
    return { thrown };
  }
}
