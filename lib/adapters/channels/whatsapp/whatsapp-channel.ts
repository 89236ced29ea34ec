import type { WhatsAppConfig } from '../../../domain/channel.js';
import { oneLine, truncate } from '../../../domain/safe-text.js';
import type { ChannelSender, OutboundMessage, SendOutcome } from '../../../ports/channel-sender.js';
import { readLimited } from '../bounded-response.js';
import { failedBeforeSending, requestNeverLeft } from '../request-never-left.js';
import { classifyGraphFailure, type GraphFailure } from './graph-error.js';
import { GraphMessageError, toGraphMessage } from './graph-message.js';

/** Meta's Graph API; WHATSAPP_API_BASE_URL points elsewhere (a stand-in) in tests and local runs. */
export const DEFAULT_WHATSAPP_API_BASE_URL = 'https://graph.facebook.com';
export const DEFAULT_WHATSAPP_TIMEOUT_MS = 10_000;
/** Of an answer, at most this much is read: a send's answer and Graph's error bodies are a few hundred bytes. */
const MAX_RESPONSE_BYTES = 16 * 1024;
const MAX_MESSAGE_ID_CHARS = 256;

/** undici's own connect timeout (fetch): the socket never connected, so, as for requestNeverLeft, nothing was sent. */
const FETCH_CONNECT_TIMEOUT = 'UND_ERR_CONNECT_TIMEOUT';

export interface WhatsAppChannelOptions {
  /** `https://graph.facebook.com` by default (WHATSAPP_API_BASE_URL). */
  baseUrl?: string;
  /** For the whole attempt: connecting, sending and reading the answer. */
  timeoutMs?: number;
  /** The fetch to use (tests); the global one by default, which the Tracer traces in Lambda. */
  fetch?: typeof fetch;
}

/**
 * The `whatsapp` channel: one `POST {base}/{api_version}/{phone_number_id}/messages` to Meta's WhatsApp Cloud API
 * per message (body: toGraphMessage), authorised by the channel's system-user token. It classifies one attempt;
 * retrying is the pipeline's job.
 *
 * - 2xx: accepted; `messages[0].id` (`wamid.…`) becomes the execution's message id. The execution reference goes as
 *   `biz_opaque_callback_data`, so status webhooks find the execution whatever the id.
 * - a non-2xx answer: classifyGraphFailure decides by Meta's `error.code`: transient (retried with backoff,
 *   `throttled` for 130429 and the other rate limits), permanent (this contact fails, `whatsapp <code>: <title>`),
 *   or channel (token, permission, account, a template everyone would fail on: the broadcast pauses).
 * - a message Meta would refuse as it stands (no or bad phone, text too long...): permanent, without a request.
 * - no answer: Graph has no idempotency key, so a send is never repeated once it may have arrived. A failure that
 *   proves nothing left (refused, unresolved, TLS) is transient; a timeout or a connection cut after the request
 *   was written is `unknown`, which fails the contact as `outcome_unknown` instead of risking a second message.
 *
 * The token lives in a private field, only ever in the Authorization header: never logged, never in a reason.
 */
export class WhatsAppChannel implements ChannelSender {
  readonly honoursIdempotencyKey = false;
  readonly #url: string;
  readonly #authorization: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(
    config: Pick<WhatsAppConfig, 'phoneNumberId' | 'accessToken' | 'apiVersion'>,
    options: WhatsAppChannelOptions = {},
  ) {
    const base = (options.baseUrl ?? DEFAULT_WHATSAPP_API_BASE_URL).replace(/\/+$/, '');
    this.#url = `${base}/${encodeURIComponent(config.apiVersion)}/${encodeURIComponent(config.phoneNumberId)}/messages`;
    this.#authorization = `Bearer ${config.accessToken}`;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_WHATSAPP_TIMEOUT_MS;
    this.#fetch = options.fetch ?? fetch;
  }

  async send(message: OutboundMessage): Promise<SendOutcome> {
    let body: string;
    try {
      const graph = toGraphMessage(message, {
        ...(message.message.language ? { language: message.message.language } : {}),
        reference: message.executionReference,
      });
      body = JSON.stringify(graph);
    } catch (error) {
      if (error instanceof GraphMessageError) return { kind: 'permanent', reason: `whatsapp: ${error.message}` };
      throw error;
    }
    let response: Response;
    try {
      response = await this.#fetch(this.#url, {
        method: 'POST',
        headers: {
          authorization: this.#authorization,
          'content-type': 'application/json',
          'user-agent': 'broadcast-service-whatsapp/1',
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      return this.noAnswer(error);
    }
    // The answer's body counts too: one that stalls is cut at the timeout (an accepted send stays accepted).
    const text = await readLimited(response, MAX_RESPONSE_BYTES).catch(() => '');
    const { status } = response;
    if (status >= 200 && status < 300) {
      const providerMessageId = messageIdOf(text);
      return providerMessageId === undefined ? { kind: 'accepted' } : { kind: 'accepted', providerMessageId };
    }
    if (status >= 300 && status < 400) {
      // Graph does not redirect sends: the base URL is wrong, for every contact alike.
      return { kind: 'channel', reason: `whatsapp HTTP ${status}: redirected; check WHATSAPP_API_BASE_URL` };
    }
    return outcomeOf(classifyGraphFailure(status, text, { retryAfter: response.headers.get('retry-after') }));
  }

  private noAnswer(error: unknown): SendOutcome {
    const name = (error as Error)?.name;
    const cause = (error as { cause?: { code?: unknown; name?: unknown } })?.cause;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    if (name === 'TimeoutError' || name === 'AbortError' || cause?.name === 'TimeoutError') {
      return {
        kind: 'unknown',
        reason: `whatsapp: no answer within ${this.#timeoutMs} ms; the message may have been sent`,
      };
    }
    if (requestNeverLeft(code) || code === FETCH_CONNECT_TIMEOUT) return failedBeforeSending('whatsapp', code);
    return {
      kind: 'unknown',
      reason: truncate(
        `whatsapp: connection lost; the message may have been sent: ${code ?? oneLine(String((error as Error)?.message ?? error))}`,
      ),
    };
  }
}

function outcomeOf(failure: GraphFailure): SendOutcome {
  switch (failure.kind) {
    case 'transient':
      return {
        kind: 'transient',
        reason: failure.reason,
        ...(failure.throttled ? { throttled: true as const } : {}),
        ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
      };
    case 'permanent':
      return { kind: 'permanent', reason: failure.reason };
    case 'channel':
      return { kind: 'channel', reason: failure.reason };
  }
}

/** `messages[0].id` of Graph's answer, when it has a usable one. */
function messageIdOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { messages?: { id?: unknown }[] } | null;
    const id = Array.isArray(parsed?.messages) ? parsed.messages[0]?.id : undefined;
    return typeof id === 'string' && id.trim() !== '' ? id.slice(0, MAX_MESSAGE_ID_CHARS) : undefined;
  } catch {
    return undefined;
  }
}
