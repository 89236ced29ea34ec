import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { hubSignatureOf } from '../../lib/adapters/channels/whatsapp/webhook-signature.js';
import type { LocalRuntime } from '../../local/local-runtime.js';
import { LOCAL_SECRET_KEY_FILE } from '../../local/local-secret-key.js';
import { envForFile } from '../support/env.js';
import { type Api, apiClient } from '../support/http-client.js';
import { WebhookSink } from '../support/webhook-sink.js';
import { WhatsAppGraphStandIn } from '../support/whatsapp-graph-stand-in.js';

// Every line the service may log, debug included: read when the logger is created, hence the imports after it.
envForFile({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });
const { loadLocalSettings, startLocalRuntime } = await import('../../local/local-runtime.js');
const { newTenant, tokenFor } = await import('./support.js');

// Issue 11, section 3: channel credentials are never in clear at rest. `npm start` with DATA_DIR keeps DynamoDB
// Local's files (the table, its stream) there; after creating, updating and using channels of every type that has
// credentials, no file under DATA_DIR holds any of them in clear, and neither does anything the service logged.

/** Recognisable credentials: every one of them is looked for, byte for byte, in every file and log line. */
const RUN = randomUUID().slice(0, 8);
const CREDENTIALS = {
  webhookSecret: `whsec-AT-REST-FIRST-${RUN}-0123456789`,
  webhookRotated: `whsec-AT-REST-ROTATED-${RUN}-9876543210`,
  accessToken: `EAAG-AT-REST-TOKEN-${RUN}-0123456789`,
  appSecret: `app-secret-AT-REST-${RUN}-abcdef0123`,
  verifyToken: `verify-token-AT-REST-${RUN}-42`,
} as const;
/** Stored in clear on purpose (a channel's name): proves the search finds what is there. */
const CHANNEL_NAME = `Findable-channel-name-${RUN}`;

let dataDir: string;
let sink: WebhookSink;
let graph: WhatsAppGraphStandIn;
let savedBaseUrl: string | undefined;
const logged: string[] = [];
let restoreOutput: () => void;
/** The runtime running now, stopped by afterAll when a test failed half-way. */
let running: LocalRuntime | undefined;

/** Every line written to stdout and stderr while `work` runs is kept in `logged` (not printed). */
function captureOutput(): () => void {
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  const keep = (chunk: unknown) => {
    logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = keep as typeof process.stdout.write;
  process.stderr.write = keep as typeof process.stderr.write;
  return () => {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  };
}

/**
 * `npm start` as a user runs it with DATA_DIR: its own DynamoDB Local keeping its files there. A new process each
 * time: nothing of the previous start's environment (the LOCAL_SECRET_KEY it made) is left.
 */
async function startWithDataDir(): Promise<{ runtime: LocalRuntime; api: Api }> {
  delete process.env.LOCAL_SECRET_KEY;
  const runtime = await startLocalRuntime({ ...loadLocalSettings({}), PORT: 0, DATA_DIR: dataDir });
  running = runtime;
  return { runtime, api: apiClient(runtime.url, { token: await tokenFor(tenant) }) };
}

const tenant = newTenant();

/** Stops `npm start` as Ctrl-C does: DynamoDB Local closes its files. */
async function stop(runtime: LocalRuntime): Promise<void> {
  running = undefined;
  await runtime.stop();
}

/** Every file under `dir`, with its path relative to it. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path: relative(dir, path), bytes: readFileSync(path) }));
}

/** The ways a text may sit in a file: UTF-8, UTF-16 (Java's strings) and base64 of its UTF-8 bytes. */
function encodings(text: string): Buffer[] {
  return [Buffer.from(text, 'utf8'), Buffer.from(text, 'utf16le'), Buffer.from(Buffer.from(text).toString('base64'))];
}

function occurrences(files: { path: string; bytes: Buffer }[], text: string): string[] {
  return files.filter((file) => encodings(text).some((form) => file.bytes.includes(form))).map((file) => file.path);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'broadcast-at-rest-'));
  sink = await WebhookSink.start({ secret: CREDENTIALS.webhookRotated });
  graph = await WhatsAppGraphStandIn.start({ accessToken: CREDENTIALS.accessToken });
  savedBaseUrl = process.env.WHATSAPP_API_BASE_URL;
  process.env.WHATSAPP_API_BASE_URL = graph.baseUrl;
  restoreOutput = captureOutput();
}, 120_000);

afterAll(async () => {
  await running?.stop();
  delete process.env.LOCAL_SECRET_KEY;
  restoreOutput?.();
  await sink?.stop();
  await graph?.stop();
  if (savedBaseUrl === undefined) delete process.env.WHATSAPP_API_BASE_URL;
  else process.env.WHATSAPP_API_BASE_URL = savedBaseUrl;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('channel credentials at rest under `npm start` with DATA_DIR', () => {
  it('leaves none of them in clear in any file of DATA_DIR or in the logs, and they still work after a restart', async () => {
    // Prepare: a webhook and a WhatsApp channel, both updated (one with a new secret, one keeping its credentials),
    // both used: a test send through each, Meta's verification and a signed receipt post on the WhatsApp one.
    let { runtime, api } = await startWithDataDir();
    const webhook = await api.post('/api/v1/channels', {
      name: CHANNEL_NAME,
      type: 'webhook',
      config: { url: sink.url, secret: CREDENTIALS.webhookSecret },
    });
    const whatsapp = await api.post('/api/v1/channels', {
      name: 'WhatsApp Business',
      type: 'whatsapp',
      config: {
        phone_number_id: graph.phoneNumberId,
        access_token: CREDENTIALS.accessToken,
        app_secret: CREDENTIALS.appSecret,
        verify_token: CREDENTIALS.verifyToken,
      },
    });
    expect([webhook.status, whatsapp.status]).toEqual([201, 201]);
    const updates = [
      await api.put(`/api/v1/channels/${webhook.body.id}`, {
        name: CHANNEL_NAME,
        type: 'webhook',
        config: { url: sink.url, secret: CREDENTIALS.webhookRotated },
      }),
      await api.put(`/api/v1/channels/${whatsapp.body.id}`, {
        name: 'WhatsApp Business (renamed)',
        type: 'whatsapp',
        config: { phone_number_id: graph.phoneNumberId },
      }),
    ];
    expect(updates.map((reply) => reply.status)).toEqual([200, 200]);
    const contact = await api.post('/api/v1/contacts', { name: 'Ana', phone: '+5511999990001' });
    const list = await api.post('/api/v1/contact-lists', { name: 'Audience', contact_ids: [contact.body.id] });
    const firstUse = await useChannels(api, runtime, list.body.id, contact.body.id, webhook.body.id, whatsapp.body.id);
    await stop(runtime);
    // A restart on the same DATA_DIR opens them again (the local key was kept there).
    ({ runtime, api } = await startWithDataDir());
    const afterRestart = await useChannels(
      api,
      runtime,
      list.body.id,
      contact.body.id,
      webhook.body.id,
      whatsapp.body.id,
    );
    const answers = [
      ...(await Promise.all([webhook, whatsapp].map((c) => api.get(`/api/v1/channels/${c.body.id}`)))),
      await api.get('/api/v1/channels'),
    ];
    await stop(runtime);

    // Act
    const files = filesUnder(dataDir);

    // Assess: the search finds what is stored in clear, and no credential anywhere.
    expect(occurrences(files, CHANNEL_NAME).length).toBeGreaterThan(0);
    const found = Object.fromEntries(
      Object.entries(CREDENTIALS).map(([name, value]) => [name, occurrences(files, value)]),
    );
    expect(found).toEqual(Object.fromEntries(Object.keys(CREDENTIALS).map((name) => [name, []])));
    const output = logged.join('');
    expect(output).toContain('"message":"test send"');
    expect(Object.entries(CREDENTIALS).filter(([, value]) => output.includes(value))).toEqual([]);
    const answered = JSON.stringify(answers.map((reply) => reply.body));
    expect(Object.entries(CREDENTIALS).filter(([, value]) => answered.includes(value))).toEqual([]);
    expect(firstUse).toEqual({ webhook: 'sent', whatsapp: 'sent', verification: 200, receipts: 200 });
    expect(afterRestart).toEqual(firstUse);
    expect(files.map((file) => file.path)).toContain(LOCAL_SECRET_KEY_FILE);
  }, 180_000);
});

/**
 * Sends a test message through each channel and plays Meta's side of the WhatsApp webhook: what each answered. Every
 * use needs a credential in clear: the webhook's signing secret, the access token, the verify token, the app secret.
 */
async function useChannels(
  api: Api,
  runtime: LocalRuntime,
  listId: string,
  contactId: string,
  webhookId: string,
  whatsappId: string,
): Promise<{ webhook: string; whatsapp: string; verification: number; receipts: number }> {
  const testSend = async (channelId: string, message_template: Record<string, unknown>) => {
    const broadcast = await api.post('/api/v1/broadcasts', {
      name: `Test ${channelId}`,
      list_id: listId,
      channel_id: channelId,
      message_template,
    });
    expect(broadcast.status).toBe(201);
    const sent = await api.post(`/api/v1/broadcasts/${broadcast.body.id}/test-send`, { contact_id: contactId });
    expect(sent.status).toBe(201);
    return sent.body.status as string;
  };
  const webhook = await testSend(webhookId, { type: 'text', content: 'Hi {{contact.name}}' });
  const whatsapp = await testSend(whatsappId, { type: 'text', content: 'Hi {{contact.name}}' });
  const callback = `${runtime.url}/api/v1/webhooks/whatsapp/${whatsappId}`;
  const verification = await fetch(
    `${callback}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${encodeURIComponent(CREDENTIALS.verifyToken)}`,
  );
  const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
  const receipts = await fetch(callback, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignatureOf(body, CREDENTIALS.appSecret) },
    body,
  });
  return { webhook, whatsapp, verification: verification.status, receipts: receipts.status };
}
