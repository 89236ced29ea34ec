import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { WebhookConfig } from '../../domain/channel.js';
import { oneLine, safeReason } from '../../domain/safe-text.js';
import type { ChannelSender, OutboundMessage, SendOutcome } from '../../ports/channel-sender.js';
import { describeHttpFailure } from './http-failure.js';
import {
  OutboundUrlGuard,
  OutboundUrlRefusedError,
  UnresolvedHostError,
  type VettedTarget,
} from './outbound-url-guard.js';
import { pinnedLookup } from './pinned-lookup.js';
import { toWireMessage } from './wire-message.js';

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** Of a response body, at most this much is read (for the message id or the provider's error code). */
const MAX_RESPONSE_BYTES = 16 * 1024;
const MAX_MESSAGE_ID_CHARS = 256;

export interface WebhookChannelOptions {
  /** For the whole attempt: resolving, connecting, sending and reading the answer. */
  timeoutMs?: number;
  /**
   * Where the channel may connect (see OutboundUrlGuard). By default the strict guard: public addresses only. The
   * composition root passes the stage's (ALLOW_PRIVATE_WEBHOOK_URLS; https only in AWS).
   */
  guard?: OutboundUrlGuard;
}

/**
 * The `webhook` channel: one signed `POST` to the tenant's URL per message. It classifies one attempt;
 * retrying with backoff is the sender pipeline's job, with the same idempotency key, which the receiver
 * gets in the `Idempotency-Key` header (so a repeat after an unknown outcome is safe).
 *
 * - 2xx: accepted; an optional JSON `{"message_id"}` in the answer becomes the provider message id.
 * - 408, 429, 5xx, connection errors, timeouts: transient (`Retry-After` becomes `retryAfterMs`; a 429 is
 *   `throttled`: the receiver asks to slow down).
 * - any other status (other 4xx; 3xx: redirects are not followed, the signature is for this URL): permanent.
 * - a URL the guard refuses (it points inside, or is not https in AWS): permanent, and nothing is sent.
 *
 * Every attempt asks the outbound URL guard again and connects only to the addresses it checked (node:http(s) with a
 * pinned lookup), so a name that resolves elsewhere since the channel was saved, or between the check and the
 * connection, cannot reach an internal address. The reason of a failure names the status, and the provider's error
 * code and title when the answer has a known shape, never the body itself (http-failure.ts).
 *
 * The secret lives only in a KeyObject (which never prints its material); it is never logged or echoed.
 */
export class WebhookChannel implements ChannelSender {
  readonly honoursIdempotencyKey = true;
  readonly #url: string;
  readonly #key: KeyObject;
  readonly #timeoutMs: number;
  readonly #guard: OutboundUrlGuard;

  constructor(config: WebhookConfig, options: WebhookChannelOptions = {}) {
    this.#url = config.url;
    this.#key = createSecretKey(Buffer.from(config.secret, 'utf8'));
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
    this.#guard = options.guard ?? new OutboundUrlGuard({ allowPrivate: false, requireHttps: false });
  }

  async send(message: OutboundMessage): Promise<SendOutcome> {
    const body = JSON.stringify(toWireMessage(message));
    const signature = createHmac('sha256', this.#key).update(body, 'utf8').digest('hex');
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let target: VettedTarget;
    try {
      target = await this.#guard.vet(this.#url, signal);
    } catch (error) {
      if (error instanceof OutboundUrlRefusedError) return { kind: 'permanent', reason: safeReason(error.message) };
      if (error instanceof UnresolvedHostError)
        return { kind: 'transient', reason: safeReason(`connection failed: ${error.message}`) };
      throw error;
    }
    const headers = {
      'content-type': 'application/json',
      'idempotency-key': message.idempotencyKey,
      'x-signature': `sha256=${signature}`,
      'user-agent': 'broadcast-service-webhook/1',
    };
    let response: IncomingMessage;
    try {
      response = await post(target, headers, body, signal);
    } catch (error) {
      return { kind: 'transient', reason: this.describeFailure(error) };
    }
    const status = response.statusCode ?? 0;
    // The answer's body counts too: a receiver that stalls after its status line is cut at the timeout.
    const text = await readLimited(response, MAX_RESPONSE_BYTES).catch(() => '');
    if (status >= 200 && status < 300) {
      const providerMessageId = messageIdOf(text);
      return providerMessageId === undefined ? { kind: 'accepted' } : { kind: 'accepted', providerMessageId };
    }
    const reason = describeHttpFailure(status, text);
    if (status === 408 || status === 429 || (status >= 500 && status < 600)) {
      const retryAfter = response.headers['retry-after'];
      const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : null, Date.now());
      const transient: SendOutcome = { kind: 'transient', reason, ...(status === 429 ? { throttled: true } : {}) };
      return retryAfterMs === undefined ? transient : { ...transient, retryAfterMs };
    }
    return { kind: 'permanent', reason };
  }

  private describeFailure(error: unknown): string {
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return `timeout: no answer within ${this.#timeoutMs} ms`;
    const code = (error as { code?: unknown })?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
    if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return `connection failed: ${code}`;
    return safeReason(`connection failed: ${String((error as Error)?.message ?? error)}`);
  }
}

/**
 * One POST to the vetted target, through the module objects (not their named exports) so that the tracer's patch
 * of http and https in Lambda sees it. A checked target connects only to its checked addresses; redirects are
 * never followed (node:http does not).
 */
function post(
  target: VettedTarget,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = target.url.protocol === 'https:' ? https : http;
    const request = client.request(
      target.url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal,
        ...(target.addresses ? { lookup: pinnedLookup(target.addresses) } : {}),
      },
      resolve,
    );
    request.once('error', reject);
    request.end(body);
  });
}

/** `Retry-After` as delay-seconds or an HTTP-date, in milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date names a weekday and a month; anything else (e.g. "-5") is not one.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function messageIdOf(text: string): string | undefined {
  if (text === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const id = (parsed as { message_id?: unknown }).message_id;
    if (typeof id === 'number' && Number.isFinite(id)) return String(id);
    if (typeof id === 'string' && oneLine(id) !== '') return oneLine(id).slice(0, MAX_MESSAGE_ID_CHARS);
    return undefined;
  } catch {
    return undefined;
  }
}

/** Reads at most `max` bytes of the body and drops the rest (and the connection), so a huge answer costs nothing. */
async function readLimited(response: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).byteLength;
    if (size >= max) break;
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
