import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { RequestWaiters, readBody, startStandInServer, stopStandInServer } from './stand-in-server.js';

/** What a webhook receiver sees of one message (the channel's wire format, see webhook-channel.ts). */
export interface SinkMessage {
  idempotency_key: string;
  tenant_id: string;
  broadcast_id: string;
  execution_id: string;
  contact: { id: string; name: string | null; email: string | null; phone: string | null };
  message: {
    type: string;
    content: string | null;
    template_id: string | null;
    variables: Record<string, string>;
    media_url: string | null;
    language: string | null;
    subject: string | null;
    html: string | null;
  };
}

/** What the sink did with a request. */
export type SinkOutcome =
  /** 2xx; `firstAcceptance` false when the key had been accepted before (honoured, not counted again). */
  | 'accepted'
  /** Accepted, then the answer held past the client's timeout (the client cannot know it got through). */
  | 'accepted_hung'
  /** Accepted, then the connection dropped without an answer. */
  | 'accepted_dropped'
  /** Answered with an error status, nothing accepted. */
  | 'rejected'
  /** Held past the client's timeout, nothing accepted. */
  | 'hung'
  | 'bad_signature'
  | 'bad_request';

export interface SinkRequest {
  /** Arrival order, from 0. */
  seq: number;
  at: number;
  idempotencyKey: string | undefined;
  /** Attempts seen for this key so far, this one included. */
  attempt: number;
  contactId: string | undefined;
  broadcastId: string | undefined;
  body: SinkMessage | undefined;
  signatureValid: boolean;
  outcome: SinkOutcome;
  /** The status answered (undefined when none was: a drop, or a hang the client gave up on). */
  status: number | undefined;
  /** False when this key had already been accepted: the repeat is answered 2xx but not counted. */
  firstAcceptance: boolean;
}

/** A forced answer for one request, decided by SinkPolicy.respond. */
export type SinkDecision =
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'accept' }
  | { kind: 'hang'; accept: boolean }
  | { kind: 'drop_after_accept' };

/**
 * Fault injection. Shares apply to the FIRST attempt of each key, chosen by a hash of the key (so a
 * given message's fate does not depend on arrival order): [0, fail) answers 500, [fail, fail + hang)
 * accepts and holds the answer past the client's timeout, then [.., + drop) accepts and drops the
 * connection. Later attempts of a key are accepted unless `respond` says otherwise.
 */
export interface SinkPolicy {
  failFirstAttemptShare?: number;
  hangFirstAttemptShare?: number;
  dropAfterAcceptShare?: number;
  /** How long a hung answer is held; keep it above the client's timeout. Default 2000 ms. */
  hangMs?: number;
  /** Any request: a forced answer, or undefined to apply the shares. Runs after the signature check. */
  respond?: (request: { body: SinkMessage; attempt: number }) => SinkDecision | undefined;
  /** Changes the hash that picks the faulty keys. */
  seed?: string;
  /** Every well-formed request waits this long before its answer, like a provider's API across the internet. */
  answerDelayMs?: number;
}

export interface SinkOptions {
  /** The channel's signing secret. */
  secret: string;
  policy?: SinkPolicy;
  /**
   * Keep every request, body included, in `requests`. The benchmarks turn it off: at their volumes the log
   * would weigh on the pipeline they measure, and the per-broadcast traffic is all they read. @default true
   */
  keepRequests?: boolean;
}

/** One broadcast's messages as the sink saw them: what the benchmarks' figures are made of. */
export interface BroadcastTraffic {
  /** Every well-formed, signed request (sends, retries, repeats), epoch ms of arrival. */
  requestTimes: number[];
  firstRequestAt?: number;
  /** Distinct keys accepted. */
  accepted: number;
  lastAcceptedAt?: number;
  /** Key -> requests seen for it. */
  attempts: Map<string, number>;
  /** Contact -> the distinct keys accepted for it. */
  keysByContact: Map<string, Set<string>>;
  /** Repeats of an already accepted key (answered 2xx, not counted again). */
  repeatsOfAcceptedKeys: number;
  /** Error statuses the policy made the sink answer. */
  injectedFailures: number;
  /** Answers the policy held past the client's timeout. */
  injectedTimeouts: number;
}

/**
 * The webhook receiver of the pipeline tests and the benchmarks: a node:http server on 127.0.0.1 that checks
 * the X-Signature of every request (HMAC-SHA256 of the raw body with the channel's secret) and counts
 * ACCEPTED messages by Idempotency-Key and by contact, per broadcast. It honours the key like a provider that
 * de-duplicates: a key accepted before is answered 2xx again and not counted twice. A contact accepted under
 * two different keys is a duplicate the service sent. Faults are injected by `policy`, which a test may
 * change between requests.
 */
export class WebhookSink {
  /** Every request in arrival order (empty when started with `keepRequests: false`). */
  readonly requests: SinkRequest[] = [];
  policy: SinkPolicy;
  /** Requests whose signature did not verify (answered 401, never counted). */
  badSignatureCount = 0;
  private readonly traffic = new Map<string, BroadcastTraffic>();
  private readonly held = new Set<ServerResponse>();
  private readonly waiters = new RequestWaiters();
  private arrivals = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly secret: string,
    policy: SinkPolicy,
    private readonly keepRequests: boolean,
  ) {
    this.policy = policy;
  }

  static async start(options: SinkOptions): Promise<WebhookSink> {
    let sink: WebhookSink | undefined;
    // A slow or hung answer must never be cut by the server's own timeouts.
    const { server, origin } = await startStandInServer((request, response) => sink?.handle(request, response), {
      noRequestTimeout: true,
      keepAliveTimeoutMs: 10_000,
    });
    const url = `${origin}/hooks/broadcast`;
    sink = new WebhookSink(server, url, options.secret, options.policy ?? {}, options.keepRequests ?? true);
    return sink;
  }

  /** The broadcast's traffic, kept up to date as requests arrive. */
  of(broadcastId: string): BroadcastTraffic {
    let traffic = this.traffic.get(broadcastId);
    if (!traffic) {
      traffic = {
        requestTimes: [],
        accepted: 0,
        attempts: new Map(),
        keysByContact: new Map(),
        repeatsOfAcceptedKeys: 0,
        injectedFailures: 0,
        injectedTimeouts: 0,
      };
      this.traffic.set(broadcastId, traffic);
    }
    return traffic;
  }

  /** Forgets a broadcast's traffic (its figures were taken). */
  forget(broadcastId: string): void {
    this.traffic.delete(broadcastId);
  }

  /** Distinct keys accepted. */
  acceptedCount(): number {
    let count = 0;
    for (const traffic of this.traffic.values()) count += traffic.accepted;
    return count;
  }

  /** Contacts with at least one accepted message. */
  acceptedContacts(): Set<string> {
    return new Set(this.keysByContact().keys());
  }

  /** Contacts accepted under more than one key (of the broadcast, when given): each is a second message sent. */
  duplicateContacts(broadcastId?: string): string[] {
    const keysByContact = broadcastId === undefined ? this.keysByContact() : this.of(broadcastId).keysByContact;
    return [...keysByContact].filter(([, keys]) => keys.size > 1).map(([contact]) => contact);
  }

  /** Requests whose signature did not verify (answered 401, never counted). */
  badSignatures(): SinkRequest[] {
    return this.requests.filter((request) => !request.signatureValid);
  }

  /** Every request that named this contact, whatever its outcome. */
  requestsFor(contactId: string): SinkRequest[] {
    return this.requests.filter((request) => request.contactId === contactId);
  }

  /** Resolves when `predicate` holds (checked on every request); fails with `what` after `timeoutMs`. */
  async waitFor(predicate: (sink: WebhookSink) => boolean, timeoutMs: number, what: string): Promise<void> {
    await this.waiters.until(
      () => predicate(this),
      timeoutMs,
      () => `webhook sink: timed out after ${timeoutMs} ms waiting for ${what} (${this.summary()})`,
    );
  }

  /** Resolves once `count` distinct keys of the broadcast were accepted. */
  waitForAccepted(broadcastId: string, count: number, timeoutMs: number): Promise<void> {
    const traffic = this.of(broadcastId);
    return this.waitFor(() => traffic.accepted >= count, timeoutMs, `${count} accepted of broadcast ${broadcastId}`);
  }

  summary(): string {
    return `${this.arrivals} requests, ${this.acceptedCount()} keys accepted, ${this.keysByContact().size} contacts`;
  }

  async stop(): Promise<void> {
    for (const response of this.held) response.destroy();
    this.held.clear();
    await stopStandInServer(this.server);
  }

  /** Contact -> the distinct keys accepted for it, over every broadcast. */
  private keysByContact(): Map<string, Set<string>> {
    const merged = new Map<string, Set<string>>();
    for (const traffic of this.traffic.values()) {
      for (const [contact, keys] of traffic.keysByContact) {
        merged.set(contact, new Set([...(merged.get(contact) ?? []), ...keys]));
      }
    }
    return merged;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readBody(request);
    const at = Date.now();
    const signatureValid = verifySignature(raw, request.headers['x-signature'], this.secret);
    const headerKey = request.headers['idempotency-key'];
    const key = typeof headerKey === 'string' ? headerKey : undefined;
    const body = parseMessage(raw);
    const broadcastId = body?.broadcast_id;
    const traffic = broadcastId ? this.of(broadcastId) : undefined;
    const attempt = key === undefined || !traffic ? 1 : (traffic.attempts.get(key) ?? 0) + 1;
    if (key !== undefined) traffic?.attempts.set(key, attempt);
    const entry: SinkRequest = {
      seq: this.arrivals++,
      at,
      idempotencyKey: key,
      attempt,
      contactId: body?.contact?.id,
      broadcastId,
      body,
      signatureValid,
      outcome: 'rejected',
      status: undefined,
      firstAcceptance: false,
    };
    if (this.keepRequests) this.requests.push(entry);

    if (!signatureValid) {
      this.badSignatureCount++;
      entry.outcome = 'bad_signature';
      this.answer(entry, response, 401, '{"error":"bad signature"}');
      return;
    }
    if (!body || !traffic || key === undefined || body.idempotency_key !== key || !body.contact?.id) {
      entry.outcome = 'bad_request';
      this.answer(entry, response, 400, '{"error":"malformed message"}');
      return;
    }
    traffic.requestTimes.push(at);
    traffic.firstRequestAt ??= at;
    if (this.policy.answerDelayMs) await sleep(this.policy.answerDelayMs);
    const accept = () => this.accept(entry, traffic, key, body.contact.id, at);
    const decision = this.policy.respond?.({ body, attempt }) ?? this.byShares(key, attempt);
    switch (decision.kind) {
      case 'status':
        if (decision.status >= 200 && decision.status < 300) {
          accept();
          entry.outcome = 'accepted';
        } else {
          traffic.injectedFailures++;
          entry.outcome = 'rejected';
        }
        this.answer(entry, response, decision.status, decision.body ?? '');
        return;
      case 'accept':
        accept();
        entry.outcome = 'accepted';
        this.answer(entry, response, 200, JSON.stringify({ message_id: `sink-${key}` }));
        return;
      case 'hang': {
        if (decision.accept) accept();
        traffic.injectedTimeouts++;
        entry.outcome = decision.accept ? 'accepted_hung' : 'hung';
        this.notify();
        this.held.add(response);
        await sleep(this.policy.hangMs ?? 2000);
        this.held.delete(response);
        // The client gave up long ago; the late answer goes nowhere.
        if (!response.destroyed) response.writeHead(decision.accept ? 200 : 503).end();
        return;
      }
      case 'drop_after_accept':
        accept();
        entry.outcome = 'accepted_dropped';
        this.notify();
        response.socket?.destroy();
        return;
    }
  }

  private byShares(key: string, attempt: number): SinkDecision {
    if (attempt > 1) return { kind: 'accept' };
    const fail = this.policy.failFirstAttemptShare ?? 0;
    const hang = this.policy.hangFirstAttemptShare ?? 0;
    const drop = this.policy.dropAfterAcceptShare ?? 0;
    const draw = unitHash(`${this.policy.seed ?? ''}|${key}`);
    if (draw < fail) return { kind: 'status', status: 500, body: '{"error":"injected failure"}' };
    if (draw < fail + hang) return { kind: 'hang', accept: true };
    if (draw < fail + hang + drop) return { kind: 'drop_after_accept' };
    return { kind: 'accept' };
  }

  private accept(entry: SinkRequest, traffic: BroadcastTraffic, key: string, contactId: string, at: number): void {
    let keys = traffic.keysByContact.get(contactId);
    entry.firstAcceptance = !keys?.has(key);
    if (!entry.firstAcceptance) {
      traffic.repeatsOfAcceptedKeys++;
      return;
    }
    if (!keys) {
      keys = new Set();
      traffic.keysByContact.set(contactId, keys);
    }
    keys.add(key);
    traffic.accepted++;
    traffic.lastAcceptedAt = at;
  }

  private answer(entry: SinkRequest, response: ServerResponse, status: number, body: string): void {
    entry.status = status;
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    this.notify();
  }

  private notify(): void {
    this.waiters.check();
  }
}

/** The X-Signature header the webhook channel sends for `body`. */
export function signatureFor(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function verifySignature(raw: Buffer, header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(signatureFor(raw, secret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function parseMessage(raw: Buffer): SinkMessage | undefined {
  try {
    return JSON.parse(raw.toString('utf8')) as SinkMessage;
  } catch {
    return undefined;
  }
}

/** A stable number in [0, 1) for `text`. */
function unitHash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}
