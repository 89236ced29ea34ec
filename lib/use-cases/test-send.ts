import { RateLimitedError, UnprocessableError } from '../domain/errors.js';
import { judgeContact } from '../domain/send-decision.js';
import type { SendResult } from '../domain/send-outcome.js';
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
import { compiledTemplateOf } from './compiled-templates.js';
import { getContact } from './contact-queries.js';
import type { UseCaseDeps } from './deps.js';
import { resolveChannelToSend } from './resolve-channel.js';

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
 *    (opted out, no address for the channel, a missing variable) is a 422 `broadcast.test_send_skipped` naming the
 *    reason, and nothing is sent or counted;
 * 2. admission: the per-broadcast sliding window (at most 10 a minute) takes this test send and the history records
 *    it as `sending`, in one conditional write, before anything is sent; beyond the limit, 429 with Retry-After;
 * 3. one attempt through the channel, no retry: its answer (accepted with the provider's id, or the failure) is
 *    recorded and returned. An admitted test send counts against the limit however the channel answers.
 */
export async function sendTestMessage(
  deps: TestSendDeps,
  tenantId: string,
  broadcastId: string,
  contactId: string,
): Promise<TestSend> {
  const broadcast = await getBroadcast(deps, tenantId, broadcastId);
  const contact = await getContact(deps, tenantId, contactId);
  const channel = await resolveChannelToSend(deps, tenantId, broadcast);
  const sender = deps.senders.senderFor(channel);
  const compiled = compiledTemplateOf(broadcast);
  const link = deps.unsubscribeLinks.linkFor({ tenantId, contactId: contact.id, broadcastId: broadcast.id });
  const renderedAt = deps.clock.now();
  const judged = judgeContact(contact, {
    requiredAddress: channel.requiredAddress,
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
  const outbound = composeTestMessage(broadcast, id, judged.contact, judged.rendered);
  const admitted = await admit(deps, {
    id,
    tenantId,
    broadcastId: broadcast.id,
    contactId: contact.id,
    channelId: channel.id,
    status: 'sending',
    message: recordedMessage(outbound.message),
  });
  const outcome = testSendOutcomeOf(await attempt(sender, outbound));
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

async function attempt(sender: ChannelSender, outbound: OutboundMessage): Promise<SendResult> {
  try {
    return { outcome: await sender.send(outbound) };
  } catch (thrown) {
    return { thrown };
  }
}
