import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RuntimeHooks, resetRuntime, setRuntimeHooks } from '../../lib/composition-root.js';
import type { DomainEvent } from '../../lib/domain/events.js';
import type { EventPublisher } from '../../lib/ports/event-publisher.js';
import { DEFAULT_LOCAL_JWT_SECRET, signLocalToken } from '../../local/local-jwt.js';
import {
  type LocalRuntime,
  type LocalRuntimeFaults,
  loadLocalSettings,
  startLocalRuntime,
} from '../../local/local-runtime.js';
import { type Api, apiClient, type Reply } from './http-client.js';
import { type SinkPolicy, WebhookSink } from './webhook-sink.js';

/**
 * The local runtime (DynamoDB Local of the Jest global setup, local SQS, the pipeline and sender event
 * sources, the HTTP API) driven over HTTP as a user would, for the tests that prove the delivery
 * pipeline's invariants (docs/design.md section 8) with faults injected.
 */

export type { Api, Reply } from './http-client.js';

export interface PipelineRuntime {
  runtime: LocalRuntime;
  url: string;
  /** A client for a tenant no other test uses. */
  newTenant(): Promise<Api>;
  /** A client without a bearer token (the public unsubscribe route). */
  anonymous: Api;
  /**
   * The domain events the runtime's event publisher has published, in order, once the table's stream has been
   * relayed up to now; only a broadcast's (by `broadcast_id`) when given.
   */
  published(broadcastId?: string): Promise<DomainEvent[]>;
  /** A webhook receiver that checks the signatures of SINK_SECRET; stop() stops it with the runtime. */
  newSink(policy?: SinkPolicy): Promise<WebhookSink>;
  stop(): Promise<void>;
}

export interface PipelineRuntimeOptions {
  /** Environment the service reads when it builds its dependencies (set before the runtime starts). */
  env?: Record<string, string>;
  hooks?: RuntimeHooks;
  faults?: LocalRuntimeFaults;
  sendConcurrency?: number;
}

/** Fast retries, a webhook timeout well under the test's patience, short claim leases. */
export const FAST_PIPELINE_ENV: Readonly<Record<string, string>> = {
  RETRY_BASE_SECONDS: '1',
  WEBHOOK_TIMEOUT_MS: '800',
  CLAIM_LEASE_SECONDS: '3',
};

/**
 * Starts the runtime with `env` applied (the runtime reads the environment when it builds its deps) and
 * the hooks installed. stop() ends it and puts the environment and hooks back; its table stays (see TestTable.release).
 */
export async function startPipelineRuntime(options: PipelineRuntimeOptions = {}): Promise<PipelineRuntime> {
  const savedEnv = { ...process.env };
  const restore = () => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    setRuntimeHooks({});
    resetRuntime();
  };
  Object.assign(process.env, FAST_PIPELINE_ENV, options.env ?? {});
  const published: DomainEvent[] = [];
  setRuntimeHooks({ ...options.hooks, decorateEventPublisher: keepingWhatIsPublished(published, options.hooks) });
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run these tests with Jest, project "integration"');
  const tableName = `pipeline-${randomUUID()}`;
  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime(
      {
        ...loadLocalSettings({}),
        PORT: 0,
        DYNAMODB_ENDPOINT: endpoint,
        TABLE_NAME: tableName,
        ...(options.sendConcurrency ? { SEND_CONCURRENCY: options.sendConcurrency } : {}),
      },
      options.faults ?? {},
    );
  } catch (error) {
    restore();
    throw error;
  }
  const url = runtime.url;
  const sinks: WebhookSink[] = [];
  return {
    runtime,
    url,
    anonymous: apiClient(url),
    published: async (broadcastId) => {
      await runtime.stream.drain();
      return broadcastId === undefined
        ? [...published]
        : published.filter((e) => e.detail.broadcast_id === broadcastId);
    },
    newTenant: async () =>
      apiClient(url, {
        token: await signLocalToken({ secret: DEFAULT_LOCAL_JWT_SECRET, tenantId: `t-${randomUUID()}` }),
      }),
    newSink: async (policy = {}) => {
      const sink = await WebhookSink.start({ secret: SINK_SECRET, policy });
      sinks.push(sink);
      return sink;
    },
    stop: async () => {
      try {
        await runtime.stop();
        await Promise.all(sinks.map((sink) => sink.stop()));
      } finally {
        restore();
      }
    },
  };
}

/** Wraps the publisher (after the test's own wrapper, if any) to keep every event it published successfully. */
function keepingWhatIsPublished(
  published: DomainEvent[],
  hooks: RuntimeHooks = {},
): (publisher: EventPublisher) => EventPublisher {
  return (publisher) => {
    const inner = hooks.decorateEventPublisher ? hooks.decorateEventPublisher(publisher) : publisher;
    return {
      publish: async (events) => {
        await inner.publish(events);
        published.push(...events);
      },
    };
  };
}

export const SINK_SECRET = 'whsec-pipeline-tests-0123456789';

/** The tenant's default channel: a webhook to `sink`. */
export async function webhookChannel(api: Api, sink: WebhookSink): Promise<{ id: string }> {
  return api.ok('POST', '/api/v1/channels', {
    name: 'Test sink',
    type: 'webhook',
    config: { url: sink.url, secret: SINK_SECRET },
    is_default: true,
  });
}

/** The tenant's default channel: the built-in log channel (cannot de-duplicate by key). */
export async function logChannel(api: Api): Promise<{ id: string }> {
  return api.ok('POST', '/api/v1/channels', { name: 'Log', type: 'log', is_default: true });
}

/**
 * A new tenant whose default channel is `channel` (a webhook to that sink, or the built-in log channel), `size`
 * contacts in a static list, and a draft broadcast to the list.
 */
export async function aTenantWithBroadcast(
  pipeline: Pick<PipelineRuntime, 'newTenant'>,
  channel: WebhookSink | 'log',
  size: number,
  fields: Parameters<typeof aBroadcast>[2] = {},
): Promise<{ api: Api; audience: Audience; broadcast: { id: string } }> {
  const api = await pipeline.newTenant();
  await (channel === 'log' ? logChannel(api) : webhookChannel(api, channel));
  const audience = await anAudience(api, size);
  const broadcast = await aBroadcast(api, audience.listId, fields);
  return { api, audience, broadcast };
}

export interface Audience {
  listId: string;
  /** Contact ids, in creation order. */
  contactIds: string[];
}

/**
 * One batch import, sent again when it answers 5xx: on a loaded machine the local function can run out of its time
 * half-way. The same external ids make the retry an upsert, so what the first try created comes back `updated`.
 */
async function importBatch(api: Api, body: { contacts: unknown[] }): Promise<{ status: string; id?: string }[]> {
  for (let attempt = 1; ; attempt++) {
    const reply = await api.request('POST', '/api/v1/contacts/batch', body);
    if (reply.status === 200) return (reply.body as { results: { status: string; id?: string }[] }).results;
    if (reply.status < 500 || attempt >= 4) {
      throw new Error(`POST /api/v1/contacts/batch answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    }
    await sleep(1000 * attempt);
  }
}

/** `size` contacts (with a name and a phone) in a new static list. */
export async function anAudience(api: Api, size: number): Promise<Audience> {
  const contactIds: string[] = [];
  for (let start = 0; start < size; start += 500) {
    const count = Math.min(500, size - start);
    const results = await importBatch(api, {
      contacts: Array.from({ length: count }, (_, i) => ({
        external_id: `crm-${randomUUID()}`,
        name: `Contact ${start + i}`,
        phone: `+55119${String(start + i).padStart(8, '0')}`,
      })),
    });
    for (const result of results) {
      if ((result.status !== 'created' && result.status !== 'updated') || !result.id)
        throw new Error(`a contact was not created: ${JSON.stringify(result)}`);
      contactIds.push(result.id);
    }
  }
  const list = await api.ok('POST', '/api/v1/contact-lists', { name: 'Pipeline audience' });
  for (let start = 0; start < contactIds.length; start += 1000) {
    await api.ok('POST', `/api/v1/contact-lists/${list.id}/contacts`, {
      contact_ids: contactIds.slice(start, start + 1000),
    });
  }
  return { listId: list.id, contactIds };
}

/** A draft broadcast to the list; unlimited rate unless given. */
export async function aBroadcast(
  api: Api,
  listId: string,
  fields: { rate_limit?: number; content?: string; channel_id?: string } = {},
): Promise<{ id: string }> {
  return api.ok('POST', '/api/v1/broadcasts', {
    name: `Pipeline ${randomUUID().slice(0, 8)}`,
    list_id: listId,
    message_template: { type: 'text', content: fields.content ?? 'Hi {{contact.name}}! Stop: {{unsubscribe_link}}' },
    rate_limit: fields.rate_limit ?? 0,
    ...(fields.channel_id ? { channel_id: fields.channel_id } : {}),
  });
}

export interface Stats {
  total_contacts: number;
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  skipped: number;
  progress_percent: number;
  delivered: number;
  read: number;
  delivery_failed: number;
  status: string;
}

export async function statsOf(api: Api, broadcastId: string): Promise<Stats> {
  return api.ok('GET', `/api/v1/broadcasts/${broadcastId}/stats`);
}

/**
 * Polls GET /stats until `done` holds; a 5xx (a fault injected into the service itself) is polled
 * through. Fails with the last stats seen after `timeoutMs`.
 */
export async function waitForStats(
  api: Api,
  broadcastId: string,
  done: (stats: Stats) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<Stats> {
  const deadline = Date.now() + timeoutMs;
  let last: Reply | undefined;
  for (;;) {
    last = await api.get(`/api/v1/broadcasts/${broadcastId}/stats`);
    if (last.status === 200 && done(last.body)) return last.body;
    if (last.status !== 200 && last.status < 500) {
      throw new Error(`GET stats answered ${last.status}: ${JSON.stringify(last.body)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `broadcast ${broadcastId}: not ${what} after ${timeoutMs} ms; last stats: ${last.status} ${JSON.stringify(last.body)}`,
      );
    }
    await sleep(250);
  }
}

/** Executes the broadcast and waits for it to complete. */
export async function executeToCompletion(api: Api, broadcastId: string, timeoutMs?: number): Promise<Stats> {
  await api.ok('POST', `/api/v1/broadcasts/${broadcastId}/execute`);
  return waitForCompletion(api, broadcastId, timeoutMs);
}

/** Waits for the broadcast to complete. */
export function waitForCompletion(api: Api, broadcastId: string, timeoutMs = 120_000): Promise<Stats> {
  return waitForStats(api, broadcastId, (stats) => stats.status === 'completed', 'completed', timeoutMs);
}

/** Every contact accounted for: terminal counters add up to the audience (e.g. after a cancel drained). */
export function waitForSettled(api: Api, broadcastId: string, status: string, timeoutMs = 60_000): Promise<Stats> {
  return waitForStats(
    api,
    broadcastId,
    (s) =>
      s.status === status &&
      s.total_contacts > 0 &&
      s.sent + s.failed + s.skipped === s.total_contacts &&
      s.sending === 0,
    `${status} with every contact terminal`,
    timeoutMs,
  );
}

export interface Execution {
  id: string;
  broadcast_id: string;
  contact_id: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
  message_id: string | null;
  reason: string | null;
  error: string | null;
  attempts: number;
  sent_at: string | null;
  delivery_status: 'sent' | 'delivered' | 'read' | 'failed' | null;
  delivered_at: string | null;
  read_at: string | null;
  delivery_error: string | null;
}

/** Every execution of the broadcast, following next_cursor to the end. */
export async function allExecutions(api: Api, broadcastId: string, status?: string): Promise<Execution[]> {
  const items: Execution[] = [];
  let cursor: string | null = null;
  for (let pages = 0; ; pages++) {
    if (pages > 500) throw new Error('GET executions: the cursors never ended');
    const query = new URLSearchParams({ limit: '100' });
    if (status) query.set('status', status);
    if (cursor) query.set('cursor', cursor);
    const reply = await api.get(`/api/v1/broadcasts/${broadcastId}/executions?${query}`);
    if (reply.status >= 500) {
      await sleep(100);
      pages--;
      continue;
    }
    if (reply.status !== 200) throw new Error(`GET executions answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    items.push(...reply.body.items);
    cursor = reply.body.next_cursor;
    if (!cursor) return items;
  }
}

const TERMINAL = new Set(['sent', 'failed', 'skipped']);

export interface SettledRun {
  stats: Stats;
  executions: Execution[];
  byContact: Map<string, Execution>;
  /** Counts of executions per `status` or `status:reason`. */
  tally: Record<string, number>;
}

/**
 * The invariants every scenario ends with (docs/design.md section 8, 1-3): every contact of the audience
 * has exactly one execution, in a terminal state, with a reason when failed or skipped; the stats
 * counters equal the records and total_contacts the audience; the sink saw valid signatures only,
 * no contact accepted under two keys, and accepted exactly the contacts recorded as sent (nobody who
 * should have received got nothing, nobody recorded as sent went unreceived).
 */
export async function expectSettledRun(
  api: Api,
  broadcastId: string,
  audience: readonly string[],
  sink?: WebhookSink,
): Promise<SettledRun> {
  const stats = await statsOf(api, broadcastId);
  const executions = await allExecutions(api, broadcastId);
  const byContact = new Map<string, Execution>();
  const repeated: string[] = [];
  for (const execution of executions) {
    if (byContact.has(execution.contact_id)) repeated.push(execution.contact_id);
    byContact.set(execution.contact_id, execution);
  }
  const tally: Record<string, number> = {};
  for (const e of executions) {
    tally[e.status] = (tally[e.status] ?? 0) + 1;
    if (e.reason) tally[`${e.status}:${e.reason}`] = (tally[`${e.status}:${e.reason}`] ?? 0) + 1;
  }

  expect(repeated).toEqual([]);
  expect([...byContact.keys()].sort()).toEqual([...audience].sort());
  expect(executions.filter((e) => !TERMINAL.has(e.status))).toEqual([]);
  expect(executions.filter((e) => (e.status === 'failed' || e.status === 'skipped') && !e.reason)).toEqual([]);
  expect({
    total_contacts: stats.total_contacts,
    sent: stats.sent,
    failed: stats.failed,
    skipped: stats.skipped,
    pending: stats.pending,
    sending: stats.sending,
  }).toEqual({
    total_contacts: audience.length,
    sent: tally.sent ?? 0,
    failed: tally.failed ?? 0,
    skipped: tally.skipped ?? 0,
    pending: 0,
    sending: 0,
  });
  if (sink) {
    const ours = new Set(audience);
    expect(sink.badSignatures()).toEqual([]);
    expect(sink.duplicateContacts()).toEqual([]);
    const sentContacts = executions.filter((e) => e.status === 'sent').map((e) => e.contact_id);
    const accepted = [...sink.acceptedContacts()].filter((id) => ours.has(id));
    expect(accepted.sort()).toEqual(sentContacts.sort());
  }
  return { stats, executions, byContact, tally };
}
