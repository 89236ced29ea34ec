import { setTimeout as sleep } from 'node:timers/promises';
import { parseExecutionReference } from '../../lib/domain/execution-reference.js';
import {
  aBroadcast,
  allExecutions,
  anAudience,
  expectSettledRun,
  type PipelineRuntime,
  startPipelineRuntime,
  statsOf,
  waitForCompletion,
  waitForStats,
} from '../support/pipeline-harness.js';
import { WhatsAppGraphStandIn } from '../support/whatsapp-graph-stand-in.js';

/**
 * A broadcast on a WhatsApp channel, through the whole local runtime (DynamoDB Local, local SQS, every handler) to
 * the Graph API stand-in: the access token expires mid-way (an operator rotated it, Meta revoked it). The broadcast
 * must pause with the code instead of failing the rest of its audience, and once the channel has the new token and
 * the broadcast is resumed, everyone gets exactly one message (docs/design.md section 8, invariants 1 to 3).
 */

const SCENARIO_MS = 180_000;
const OLD_TOKEN = 'EAAG-old-token-0123456789';
const NEW_TOKEN = 'EAAG-new-token-9876543210';

let standIn: WhatsAppGraphStandIn;
let pipeline: PipelineRuntime;

beforeAll(async () => {
  standIn = await WhatsAppGraphStandIn.start({ accessToken: OLD_TOKEN });
  pipeline = await startPipelineRuntime({ env: { WHATSAPP_API_BASE_URL: standIn.baseUrl } });
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
  await standIn?.stop();
}, 120_000);

describe('a WhatsApp token that expires mid-broadcast', () => {
  it(
    'pauses the broadcast with the code, fails nobody, and after the fix and resume everyone gets one message',
    async () => {
      // Prepare: 200 contacts at 600 a minute; the token stops working once 50 messages are accepted.
      const api = await pipeline.newTenant();
      const channel = await api.ok('POST', '/api/v1/channels', {
        name: 'WhatsApp',
        type: 'whatsapp',
        config: {
          phone_number_id: standIn.phoneNumberId,
          access_token: OLD_TOKEN,
          app_secret: 'app-secret-0123456789',
          verify_token: 'verify-token-0123',
        },
        is_default: true,
      });
      const audience = await anAudience(api, 200);
      const broadcast = await aBroadcast(api, audience.listId, { rate_limit: 600, content: 'Hi {{contact.name}}!' });
      const expired = standIn.waitFor(
        (graph) => {
          if (graph.accepted.length >= 50) graph.accessToken = NEW_TOKEN;
          return graph.accessToken === NEW_TOKEN;
        },
        120_000,
        '50 accepted messages',
      );

      // Act 1: run until the channel breaks.
      await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
      await expired;
      await waitForStats(api, broadcast.id, (s) => s.status === 'paused', 'paused', 120_000);
      // What was at the channel when it paused (deliveries that had looked at the status just before) is recorded
      // as it ends: wait until every acceptance is on record and no request has come for two seconds.
      let requestsSeen = -1;
      const sentOnRecord = await eventually(
        async () => {
          const seen = requestsSeen;
          requestsSeen = standIn.requests.length;
          await sleep(2000);
          const sent = (await allExecutions(api, broadcast.id, 'sent')).length;
          return { sent, quiet: seen === standIn.requests.length };
        },
        ({ sent, quiet }) => quiet && sent === standIn.accepted.length,
        'every accepted message recorded as sent, and no request for two seconds',
      ).then(({ sent }) => sent);
      const requestsAtPause = standIn.requests.length;
      await sleep(3000);

      // Assess 1: paused with the code; nobody failed; the sent ones are exactly the ones Meta accepted; nothing
      // was sent while paused; the refused contacts are pending as they were, no attempt spent.
      const paused = await api.ok('GET', `/api/v1/broadcasts/${broadcast.id}`);
      expect(paused.status).toBe('paused');
      expect(paused.status_reason).toMatch(/^channel_error: whatsapp 190: Error validating access token/);
      expect(sentOnRecord).toBeGreaterThanOrEqual(50);
      expect(sentOnRecord).toBeLessThan(200);
      expect(standIn.requests.length).toBe(requestsAtPause);
      expect(standIn.accepted.length).toBe(sentOnRecord);
      expect(await allExecutions(api, broadcast.id, 'failed')).toEqual([]);
      expect(await statsOf(api, broadcast.id)).toMatchObject({ failed: 0, skipped: 0 });
      const pending = await allExecutions(api, broadcast.id, 'pending');
      expect(pending).toHaveLength(200 - sentOnRecord);
      expect(pending.every((e) => e.attempts === 0 && e.error === null)).toBe(true);
      const refused = standIn.requests.filter((r) => r.outcome === 'unauthorized');
      expect(refused.length).toBeGreaterThan(0);

      // Act 2: the operator puts the new token on the channel and resumes.
      await api.ok('PUT', `/api/v1/channels/${channel.id}`, {
        name: 'WhatsApp',
        type: 'whatsapp',
        config: { phone_number_id: standIn.phoneNumberId, access_token: NEW_TOKEN },
        is_default: true,
      });
      await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/resume`);
      await waitForCompletion(api, broadcast.id);

      // Assess 2: every contact sent exactly once, each execution naming the message Meta accepted for it.
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds);
      expect(run.tally).toEqual({ sent: 200 });
      expect(standIn.malformed()).toEqual([]);
      expect(standIn.accepted).toHaveLength(200);
      expect(new Set(standIn.accepted.map((m) => m.to)).size).toBe(200);
      const byExecution = new Map(run.executions.map((e) => [e.id, e]));
      for (const message of standIn.accepted) {
        const reference = parseExecutionReference(message.reference);
        const execution = reference && byExecution.get(reference.executionId);
        expect(execution).toMatchObject({ status: 'sent', message_id: message.id, attempts: 1 });
        expect(reference?.broadcastId).toBe(broadcast.id);
      }
      // The old token was refused, never accepted; every acceptance after the pause came with the new one.
      expect(refused.every((r) => r.headers.authorization === `Bearer ${OLD_TOKEN}`)).toBe(true);
      const afterResume = standIn.requests.slice(requestsAtPause);
      expect(afterResume.every((r) => r.headers.authorization === `Bearer ${NEW_TOKEN}`)).toBe(true);
      const details = await api.ok('GET', `/api/v1/broadcasts/${broadcast.id}`);
      expect({ status: details.status, status_reason: details.status_reason }).toEqual({
        status: 'completed',
        status_reason: null,
      });
    },
    SCENARIO_MS,
  );
});

/** Polls `read` until `done` holds for what it read; fails naming `what` after `timeoutMs`. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not ${what} after ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await sleep(250);
  }
}
