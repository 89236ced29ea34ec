import { setTimeout as sleep } from 'node:timers/promises';
import type { DomainEvent } from '../../lib/domain/events.js';
import {
  type Api,
  aTenantWithBroadcast,
  expectSettledRun,
  type PipelineRuntime,
  startPipelineRuntime,
  statsOf,
  waitForCompletion,
  waitForSettled,
} from '../support/pipeline-harness.js';

/**
 * docs/design.md section 8, invariants 1, 2, 3 and 5 while people act on a running broadcast: cancel, pause
 * and resume, a contact opting out. Rate-limited broadcasts (about one chunk a second) keep it running
 * long enough to act on.
 */

const SCENARIO_MS = 180_000;
const SEND_CONCURRENCY = 10;
/** Chunk size at 600/min and 1200/min (lib/domain/pacing.ts: about one chunk a second). */
const CHUNK_AT_600 = 10;
const CHUNK_AT_1200 = 20;

let pipeline: PipelineRuntime;

beforeAll(async () => {
  // No webhook timeouts under load: every request the sink sees is then one decision of the pipeline.
  pipeline = await startPipelineRuntime({ env: { WEBHOOK_TIMEOUT_MS: '5000' }, sendConcurrency: SEND_CONCURRENCY });
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
}, 120_000);

/** The published events of a broadcast but its progress (how many of those depends on the timing). */
function lifecycleEvents(events: readonly DomainEvent[]): string[] {
  return events.map((event) => event.name).filter((name) => name !== 'broadcast.progress');
}

async function aRunningSetup(size: number, rateLimit: number) {
  const sink = await pipeline.newSink();
  return { sink, ...(await aTenantWithBroadcast(pipeline, sink, size, { rate_limit: rateLimit })) };
}

describe('cancel mid-run', () => {
  it(
    'stops sending once cancel returns, beyond what was in flight; everyone not sent ends skipped "cancelled"',
    async () => {
      // Prepare
      const { api, sink, audience, broadcast } = await aRunningSetup(200, 600);
      await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
      await sink.waitFor((s) => s.requests.length >= 30, 120_000, '30 messages');

      // Act
      const cancelled = await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/cancel`);
      const atCancel = sink.requests.length;
      const settled = await waitForSettled(api, broadcast.id, 'cancelled');
      await sleep(3000);

      // Assess
      expect(cancelled.status).toBe('cancelled');
      expect(settled.status).toBe('cancelled');
      const afterCancel = sink.requests.length - atCancel;
      expect(afterCancel).toBeLessThanOrEqual(SEND_CONCURRENCY * CHUNK_AT_600);
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds, sink);
      const sent = run.tally.sent ?? 0;
      expect(sent).toBe(sink.acceptedCount());
      expect(sent).toBeLessThan(200);
      expect(run.tally).toEqual({ sent, skipped: 200 - sent, 'skipped:cancelled': 200 - sent });
      // Still cancelled, and quiet: nothing released before the cancel was sent later.
      expect((await statsOf(api, broadcast.id)).status).toBe('cancelled');
      expect(sink.requests.length - atCancel).toBe(afterCancel);
      expect(lifecycleEvents(await pipeline.published(broadcast.id))).toEqual([
        'broadcast.created',
        'broadcast.started',
        'broadcast.cancelled',
      ]);
    },
    SCENARIO_MS,
  );
});

describe('pause, then resume, mid-run', () => {
  it(
    'sends nothing new while paused beyond what was in flight, then completes: nobody duplicated, nobody lost',
    async () => {
      // Prepare
      const { api, sink, audience, broadcast } = await aRunningSetup(200, 1200);
      await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
      await sink.waitFor((s) => s.requests.length >= 40, 120_000, '40 messages');

      // Act: pause
      const paused = await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/pause`);
      const atPause = sink.requests.length;
      await sleep(2500);
      const settledWhilePaused = sink.requests.length;
      await sleep(3000);

      // Assess: the in-flight chunks ended, then silence.
      expect(paused.status).toBe('paused');
      expect(settledWhilePaused - atPause).toBeLessThanOrEqual(SEND_CONCURRENCY * CHUNK_AT_1200);
      expect(sink.requests.length).toBe(settledWhilePaused);
      const whilePaused = await statsOf(api, broadcast.id);
      expect(whilePaused.status).toBe('paused');
      expect(whilePaused.sent).toBe(settledWhilePaused);
      expect(whilePaused.sent).toBeLessThan(200);

      // Act: resume
      const resumed = await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/resume`);
      await waitForCompletion(api, broadcast.id);

      // Assess
      expect(resumed.status).toBe('running');
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds, sink);
      expect(run.tally).toEqual({ sent: 200 });
      expect(sink.acceptedCount()).toBe(200);
      const published = await pipeline.published(broadcast.id);
      expect(lifecycleEvents(published)).toEqual([
        'broadcast.created',
        'broadcast.started',
        'broadcast.paused',
        'broadcast.resumed',
        'broadcast.completed',
      ]);
      expect(published.filter((e) => e.name === 'broadcast.progress').at(-1)?.detail).toMatchObject({
        total: 200,
        sent: 200,
        progress: 100,
      });
    },
    SCENARIO_MS,
  );
});

/** The contact as stored, with opted_out set: PUT replaces the writable fields, so send them all back. */
async function optOutByUpdate(api: Api, contactId: string): Promise<void> {
  const contact = await api.ok('GET', `/api/v1/contacts/${contactId}`);
  await api.ok('PUT', `/api/v1/contacts/${contactId}`, {
    name: contact.name,
    phone: contact.phone,
    opted_out: true,
  });
}

/** A one-click unsubscribe (RFC 8058), as a mail client does it. */
async function unsubscribe(link: string): Promise<number> {
  const response = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  await response.text();
  return response.status;
}

function linkIn(content: string | null | undefined): string {
  const link = content?.match(/https?:\/\/\S+\/unsubscribe\/\S+/)?.[0];
  if (!link) throw new Error(`no unsubscribe link in ${JSON.stringify(content)}`);
  return link;
}

describe('a contact opting out mid-run', () => {
  it(
    'is skipped "opted_out" if its chunk was not sent yet, and the channel never gets it',
    async () => {
      // Prepare: the unsubscribe links of some contacts, as their messages will carry them. A static list is
      // planned in contact-id order, so the highest ids are in the last chunks, seconds after the first one.
      const { api, sink, audience, broadcast } = await aRunningSetup(100, 600);
      const candidates = [...audience.contactIds].sort().slice(-12);
      const links = new Map<string, string>();
      for (const contactId of candidates) {
        const preview = await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/preview`, { contact_id: contactId });
        links.set(contactId, linkIn(preview.message?.content));
      }
      await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
      // The first chunk is all in; the next one starts about a second later.
      await sink.waitFor((s) => s.requests.length >= CHUNK_AT_600, 120_000, 'the first chunk');

      // Act: two opt out through the API, two through the link in the message.
      const targets = candidates.filter((id) => sink.requestsFor(id).length === 0).slice(0, 4);
      expect(targets).toHaveLength(4);
      const [byUpdate1, byUpdate2, byLink1, byLink2] = targets as [string, string, string, string];
      const statuses = await Promise.all([
        optOutByUpdate(api, byUpdate1).then(() => 200),
        optOutByUpdate(api, byUpdate2).then(() => 200),
        unsubscribe(links.get(byLink1) as string),
        unsubscribe(links.get(byLink2) as string),
      ]);
      const receivedBefore = targets.filter((id) => sink.requestsFor(id).length > 0);
      // Someone who already got the message unsubscribes with its link: they stay sent.
      const early = sink.requests[0];
      const earlyStatus = await unsubscribe(linkIn(early?.body?.message.content));
      await waitForCompletion(api, broadcast.id);

      // Assess
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect(earlyStatus).toBe(200);
      expect(receivedBefore).toEqual([]);
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds, sink);
      for (const contactId of targets) {
        expect(sink.requestsFor(contactId)).toEqual([]);
        expect(run.byContact.get(contactId)).toEqual(
          expect.objectContaining({ status: 'skipped', reason: 'opted_out' }),
        );
        expect((await api.ok('GET', `/api/v1/contacts/${contactId}`)).opted_out).toBe(true);
      }
      expect(run.tally).toEqual({ sent: 96, skipped: 4, 'skipped:opted_out': 4 });
      const earlyContact = early?.contactId as string;
      expect(run.byContact.get(earlyContact)?.status).toBe('sent');
      expect((await api.ok('GET', `/api/v1/contacts/${earlyContact}`)).opted_out).toBe(true);
    },
    SCENARIO_MS,
  );
});
