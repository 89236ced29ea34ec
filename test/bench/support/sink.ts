import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The benchmarks' webhook receiver on 127.0.0.1: verifies each request's X-Signature, counts messages by
 * Idempotency-Key and by contact (per broadcast: the key is per broadcast and contact), and keeps only what
 * the figures need (request times, first acceptances), so it stays light next to the pipeline it measures.
 * It honours the key like a provider that de-duplicates: a key accepted before is answered 200 again and
 * not counted twice. A contact accepted under two different keys is a duplicate the service sent.
 */

export interface SinkFaults {
  /** Share of FIRST attempts of a key answered 500 (chosen by a hash of the key). */
  failFirstAttemptShare?: number;
  /** Share of FIRST attempts accepted, then answered only after the client's timeout. */
  hangFirstAttemptShare?: number;
  /** How long a hung answer is held; keep it above the client's timeout. */
  hangMs?: number;
  seed?: string;
  /** Every answer waits this long, like a provider's API across the internet. */
  answerDelayMs?: number;
}

export interface BroadcastTraffic {
  /** Every request that reached the sink (sends, retries, repeats), epoch ms. */
  requestTimes: number[];
  /** Distinct keys accepted. */
  accepted: number;
  firstRequestAt?: number;
  lastAcceptedAt?: number;
  /** Requests by attempt number of their key (1 = first attempt). */
  attempts: Map<string, number>;
  /** Contact -> keys accepted for it. */
  keysByContact: Map<string, Set<string>>;
  /** Repeats of an already accepted key (answered 200, not counted again). */
  repeatsOfAcceptedKeys: number;
  injected500: number;
  injectedTimeouts: number;
}

interface Waiter {
  broadcastId: string;
  count: number;
  done: () => void;
}

export class BenchSink {
  faults: SinkFaults = {};
  badSignatures = 0;
  private readonly traffic = new Map<string, BroadcastTraffic>();
  private readonly held = new Set<ServerResponse>();
  private waiters: Waiter[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly secret: string,
  ) {}

  static async start(secret: string): Promise<BenchSink> {
    let sink: BenchSink | undefined;
    const server = createServer((request, response) => {
      void sink?.handle(request, response).catch((error: unknown) => response.destroy(error as Error));
    });
    server.requestTimeout = 0;
    server.keepAliveTimeout = 10_000;
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => done());
    });
    const { port } = server.address() as AddressInfo;
    sink = new BenchSink(server, `http://127.0.0.1:${port}/hooks/broadcast`, secret);
    return sink;
  }

  of(broadcastId: string): BroadcastTraffic {
    let t = this.traffic.get(broadcastId);
    if (!t) {
      t = {
        requestTimes: [],
        accepted: 0,
        attempts: new Map(),
        keysByContact: new Map(),
        repeatsOfAcceptedKeys: 0,
        injected500: 0,
        injectedTimeouts: 0,
      };
      this.traffic.set(broadcastId, t);
    }
    return t;
  }

  /** Contacts accepted under more than one key. */
  duplicateContacts(broadcastId: string): string[] {
    return [...this.of(broadcastId).keysByContact].filter(([, keys]) => keys.size > 1).map(([c]) => c);
  }

  /** Forgets a broadcast's traffic (its figures were taken). */
  forget(broadcastId: string): void {
    this.traffic.delete(broadcastId);
  }

  /** Resolves once `count` distinct keys of the broadcast were accepted. */
  waitForAccepted(broadcastId: string, count: number, timeoutMs: number): Promise<void> {
    if (this.of(broadcastId).accepted >= count) return Promise.resolve();
    return new Promise((done, fail) => {
      const waiter: Waiter = { broadcastId, count, done: () => undefined };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        fail(new Error(`sink: ${this.of(broadcastId).accepted} of ${count} accepted after ${timeoutMs} ms`));
      }, timeoutMs);
      waiter.done = () => {
        clearTimeout(timer);
        done();
      };
      this.waiters.push(waiter);
    });
  }

  async stop(): Promise<void> {
    for (const response of this.held) response.destroy();
    await new Promise<void>((done) => {
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readBody(request);
    const now = Date.now();
    const header = request.headers['x-signature'];
    if (typeof header !== 'string' || !validSignature(raw, header, this.secret)) {
      this.badSignatures++;
      response.writeHead(401).end();
      return;
    }
    const key = request.headers['idempotency-key'];
    let body: { broadcast_id?: string; contact?: { id?: string } } = {};
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      // answered 400 below
    }
    const broadcastId = body.broadcast_id;
    const contactId = body.contact?.id;
    if (typeof key !== 'string' || !broadcastId || !contactId) {
      response.writeHead(400).end();
      return;
    }
    const t = this.of(broadcastId);
    t.requestTimes.push(now);
    t.firstRequestAt ??= now;
    const attempt = (t.attempts.get(key) ?? 0) + 1;
    t.attempts.set(key, attempt);

    if (this.faults.answerDelayMs) await new Promise((done) => setTimeout(done, this.faults.answerDelayMs));
    const draw = attempt === 1 ? unitHash(`${this.faults.seed ?? ''}|${key}`) : 1;
    const fail = this.faults.failFirstAttemptShare ?? 0;
    const hang = this.faults.hangFirstAttemptShare ?? 0;
    if (draw < fail) {
      t.injected500++;
      response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"injected failure"}');
      return;
    }
    this.accept(t, broadcastId, key, contactId, now);
    if (draw < fail + hang) {
      t.injectedTimeouts++;
      this.held.add(response);
      await new Promise((done) => setTimeout(done, this.faults.hangMs ?? 2000));
      this.held.delete(response);
      if (!response.destroyed) response.writeHead(200).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(`{"message_id":"sink-${key}"}`);
  }

  private accept(t: BroadcastTraffic, broadcastId: string, key: string, contactId: string, now: number): void {
    let keys = t.keysByContact.get(contactId);
    if (keys?.has(key)) {
      t.repeatsOfAcceptedKeys++;
      return;
    }
    if (!keys) {
      keys = new Set();
      t.keysByContact.set(contactId, keys);
    }
    keys.add(key);
    t.accepted++;
    t.lastAcceptedAt = now;
    for (const waiter of this.waiters) {
      if (waiter.broadcastId === broadcastId && t.accepted >= waiter.count) waiter.done();
    }
    this.waiters = this.waiters.filter((w) => !(w.broadcastId === broadcastId && t.accepted >= w.count));
  }
}

function validSignature(raw: Buffer, header: string, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function unitHash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks)));
    request.on('error', fail);
  });
}
