import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { WebhookConfig } from '../../domain/channel.js';
import type { ChannelSender, OutboundMessage, SendOutcome } from '../../ports/channel-sender.js';
import { readLimited } from './bounded-response.js';
import { toWireMessage } from './wire-message.js';

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** Of a response body, at most this much is read (for the message id or the reason of a failure). */
const MAX_RESPONSE_BYTES = 16 * 1024;
const MAX_REASON_CHARS = 200;
const MAX_MESSAGE_ID_CHARS = 256;

export interface WebhookChannelOptions {
  /** For the whole attempt: connecting, sending and reading the answer. */
  timeoutMs?: number;
  /** The fetch to use (tests); the global one by default, which the Tracer traces in Lambda (lib/observability/tracer.ts). */
  fetch?: typeof fetch;
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
 *
 * The secret lives only in a KeyObject (which never prints its material); it is never logged or echoed.
 */
export class WebhookChannel implements ChannelSender {
  readonly honoursIdempotencyKey = true;
  readonly #url: string;
  readonly #key: KeyObject;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(config: WebhookConfig, options: WebhookChannelOptions = {}) {
    this.#url = config.url;
    this.#key = createSecretKey(Buffer.from(config.secret, 'utf8'));
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
    this.#fetch = options.fetch ?? fetch;
  }

  async send(message: OutboundMessage): Promise<SendOutcome> {
    const body = JSON.stringify(toWireMessage(message));
    const signature = createHmac('sha256', this.#key).update(body, 'utf8').digest('hex');
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let response: Response;
    try {
      response = await this.#fetch(this.#url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': message.idempotencyKey,
          'x-signature': `sha256=${signature}`,
          'user-agent': 'broadcast-service-webhook/1',
        },
        body,
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      return { kind: 'transient', reason: this.describeFailure(error) };
    }
    const { status } = response;
    // The answer's body counts too: a receiver that stalls after its status line is cut at the timeout.
    const text = await readLimited(response, MAX_RESPONSE_BYTES).catch(() => '');
    if (status >= 200 && status < 300) {
      const providerMessageId = messageIdOf(text);
      return providerMessageId === undefined ? { kind: 'accepted' } : { kind: 'accepted', providerMessageId };
    }
    const reason = describeStatus(response, text);
    if (status === 408 || status === 429 || (status >= 500 && status < 600)) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      const transient: SendOutcome = { kind: 'transient', reason, ...(status === 429 ? { throttled: true } : {}) };
      return retryAfterMs === undefined ? transient : { ...transient, retryAfterMs };
    }
    return { kind: 'permanent', reason };
  }

  private describeFailure(error: unknown): string {
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return `timeout: no answer within ${this.#timeoutMs} ms`;
    const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    if (code) return `connection failed: ${code}`;
    if (cause instanceof Error && cause.name === 'TimeoutError')
      return `timeout: no answer within ${this.#timeoutMs} ms`;
    return `connection failed: ${truncate(oneLine(String((error as Error)?.message ?? error)))}`;
  }
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
    if (typeof id === 'string' && id.trim() !== '') return id.slice(0, MAX_MESSAGE_ID_CHARS);
    return undefined;
  } catch {
    return undefined;
  }
}

function describeStatus(response: Response, text: string): string {
  const head = `HTTP ${response.status}${response.statusText ? ` ${oneLine(response.statusText)}` : ''}`;
  if (response.status >= 300 && response.status < 400) return `${head}: redirects are not followed; use the final URL`;
  const snippet = oneLine(text);
  return truncate(snippet === '' ? head : `${head}: ${snippet}`);
}

function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\s]+/gu, ' ').trim();
}

function truncate(text: string): string {
  return text.length <= MAX_REASON_CHARS ? text : `${text.slice(0, MAX_REASON_CHARS - 1)}…`;
}
