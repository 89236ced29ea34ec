import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildDeps, type RuntimeHooks, setRuntimeHooks } from '../../../lib/composition-root.js';
import { loadConfig } from '../../../lib/config.js';
import type { UseCaseDeps } from '../../../lib/use-cases/deps.js';
import { type RunningDynamoDb, startDynamoDbLocal } from '../../../local/dynamodb-local.js';
import { DEFAULT_LOCAL_JWT_SECRET, signLocalToken } from '../../../local/local-jwt.js';
import {
  type LocalRuntime,
  type LocalRuntimeFaults,
  loadLocalSettings,
  startLocalRuntime,
} from '../../../local/local-runtime.js';
import { apiClient, type Api as HttpApi } from '../../support/http-client.js';

/** The webhook channel's signing secret in every benchmark. */
export const SINK_SECRET = 'whsec-bench-0123456789abcdef';
export const TEMPLATE = 'Hi {{contact.name}}! Stop: {{unsubscribe_link}}';

const cleanups = new Set<() => Promise<void>>();
let handlersInstalled = false;

/**
 * Runs `cleanup` if the process is interrupted (Ctrl-C, SIGTERM), so an interrupted run leaves no DynamoDB
 * Local or child process behind. Returns a function that unregisters it (for the normal path).
 */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  cleanups.add(cleanup);
  if (!handlersInstalled) {
    handlersInstalled = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: stopping what this run started`);
        const code = signal === 'SIGINT' ? 130 : 143;
        const timer = setTimeout(() => process.exit(code), 10_000);
        void Promise.allSettled([...cleanups].map((fn) => fn())).then(() => {
          clearTimeout(timer);
          process.exit(code);
        });
      });
    }
  }
  return () => cleanups.delete(cleanup);
}

/** DynamoDB Local (started here unless DYNAMODB_ENDPOINT names one). */
export async function startDynamoDb(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const given = process.env.DYNAMODB_ENDPOINT;
  if (given) return { endpoint: given, stop: async () => undefined };
  const db: RunningDynamoDb = await startDynamoDbLocal();
  onInterrupt(() => db.stop());
  return db;
}

export interface RuntimeOptions {
  endpoint: string;
  tableName: string;
  env: Record<string, string>;
  hooks?: RuntimeHooks;
  faults?: LocalRuntimeFaults;
  sendConcurrency: number;
}

/** The local runtime (local SQS, event sources running the real handlers, HTTP API) with `env` and `hooks` applied. */
export async function startRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  Object.assign(process.env, options.env);
  setRuntimeHooks(options.hooks ?? {});
  return startLocalRuntime(
    {
      ...loadLocalSettings({}),
      PORT: 0,
      DYNAMODB_ENDPOINT: options.endpoint,
      TABLE_NAME: options.tableName,
      SEND_CONCURRENCY: options.sendConcurrency,
    },
    options.faults ?? {},
  );
}

/** Repositories on the same table through a client of their own: watching a run costs it nothing it counts. */
export function observerDeps(endpoint: string, tableName: string): UseCaseDeps {
  return buildDeps(loadConfig({ TABLE_NAME: tableName, DYNAMODB_ENDPOINT: endpoint, DEFAULT_CHANNEL: 'none' }));
}

/** A client for one tenant of the API. */
export interface Api extends HttpApi {
  readonly tenantId: string;
}

/** A client for `tenantId`, whose ok() tries a 5xx or a dropped connection again `retries` times. */
export async function tenantApi(baseUrl: string, tenantId = `bench-${randomUUID()}`, retries = 0): Promise<Api> {
  const token = await signLocalToken({ secret: DEFAULT_LOCAL_JWT_SECRET, tenantId });
  return { ...apiClient(baseUrl, { token, retries }), tenantId };
}

/** The tenant's default channel: a webhook to the sink. */
export function webhookChannel(api: Api, url: string): Promise<{ id: string }> {
  return api.ok('POST', '/api/v1/channels', {
    name: 'Bench sink',
    type: 'webhook',
    config: { url, secret: SINK_SECRET },
    is_default: true,
  });
}

/** `count` contacts (name and phone), created over the API in batches of 1000, a few batches at a time. */
export async function createContacts(api: Api, count: number, parallel = 3): Promise<string[]> {
  const ids: string[] = new Array(count);
  const batches: number[] = [];
  for (let start = 0; start < count; start += 1000) batches.push(start);
  const worker = async () => {
    for (let start = batches.shift(); start !== undefined; start = batches.shift()) {
      const size = Math.min(1000, count - start);
      const { results } = await api.ok('POST', '/api/v1/contacts/batch', {
        contacts: Array.from({ length: size }, (_, i) => ({
          name: `Contact ${start + i}`,
          phone: `+55119${String(start + i).padStart(8, '0')}`,
        })),
      });
      for (const [i, result] of (results as { status: string; id?: string }[]).entries()) {
        if (result.status !== 'created' || !result.id)
          throw new Error(`contact not created: ${JSON.stringify(result)}`);
        ids[start + i] = result.id;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return ids;
}

/** A static list of the contacts, added 1000 at a time. */
export async function createList(api: Api, contactIds: readonly string[], name: string, parallel = 3): Promise<string> {
  const list = await api.ok('POST', '/api/v1/contact-lists', { name });
  const starts: number[] = [];
  for (let start = 0; start < contactIds.length; start += 1000) starts.push(start);
  const worker = async () => {
    for (let start = starts.shift(); start !== undefined; start = starts.shift()) {
      await api.ok('POST', `/api/v1/contact-lists/${list.id}/contacts`, {
        contact_ids: contactIds.slice(start, start + 1000),
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return list.id;
}

export function createBroadcast(
  api: Api,
  listId: string,
  fields: {
    rateLimit?: number;
    scheduledFor?: string;
    name?: string;
    channelId?: string;
    /** The API's `message_template`; TEMPLATE as a text message by default. */
    messageTemplate?: Record<string, unknown>;
  } = {},
): Promise<{ id: string }> {
  return api.ok('POST', '/api/v1/broadcasts', {
    name: fields.name ?? `Bench ${randomUUID().slice(0, 8)}`,
    list_id: listId,
    message_template: fields.messageTemplate ?? { type: 'text', content: TEMPLATE },
    rate_limit: fields.rateLimit ?? 0,
    ...(fields.scheduledFor ? { scheduled_for: fields.scheduledFor } : {}),
    ...(fields.channelId ? { channel_id: fields.channelId } : {}),
  });
}

/** Polls the broadcast's status through `deps` (not the API) until `done` holds. */
export async function waitForStatus(
  deps: UseCaseDeps,
  tenantId: string,
  broadcastId: string,
  done: (status: string) => boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const broadcast = await deps.broadcasts.findById(tenantId, broadcastId);
    if (broadcast && done(broadcast.status)) return broadcast.status;
    if (Date.now() > deadline)
      throw new Error(`broadcast ${broadcastId}: still ${broadcast?.status} after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** Seconds, 1 decimal. */
export function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
