import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { OutboundUrlPolicy } from '../../ports/outbound-url-policy.js';
import { classifyAddress } from './address-class.js';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to (node:dns lookup with `all`: what a connection would use). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface OutboundUrlGuardSettings {
  /** Lets URLs reach loopback, private and other internal addresses: `npm start` and tests, never AWS by default. */
  allowPrivate: boolean;
  /** Only `https` URLs (in AWS). */
  requireHttps: boolean;
  /** Name resolution: node:dns lookup by default; tests inject answers. */
  resolve?: HostResolver;
  /** A create or update waits this long at most for the name to resolve; after that the send-time check decides. */
  resolveTimeoutMs?: number;
}

/** Where a send may connect: the URL as parsed, and, when the guard checked them, the only addresses allowed. */
export interface VettedTarget {
  url: URL;
  /** Undefined when private addresses are allowed: the connection resolves the name as usual. */
  addresses?: readonly ResolvedAddress[];
}

/** The URL may not be used; `reason` says why, in words fit for the caller. */
export class OutboundUrlRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`the URL is not allowed: ${reason}`);
    this.name = 'OutboundUrlRefusedError';
  }
}

/** The name could not be resolved (or not in time): nothing is known about where it points. */
export class UnresolvedHostError extends Error {
  constructor(
    readonly hostname: string,
    readonly code: string,
  ) {
    super(`${hostname} did not resolve: ${code}`);
    this.name = 'UnresolvedHostError';
  }
}

const DEFAULT_RESOLVE_TIMEOUT_MS = 3000;

export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));

/**
 * The server-side request forgery guard of outbound requests to tenant-given URLs. The URL is parsed the WHATWG way,
 * as the connection will be (so 0x7f000001, 127.1, 017700000001 and [::ffff:127.0.0.1] are all 127.0.0.1), then:
 *
 * - it must be http or https (https only where `requireHttps`), with no credentials (`user:pass@`), no spaces or
 *   control characters;
 * - unless `allowPrivate`: its host may not be `localhost` (or a name under it), an internal address
 *   (address-class.ts), or a name any of whose addresses is one.
 *
 * `refusal` is the check at create and update: a name that does not resolve (yet) is let through, as nothing is
 * known about it and the send-time check decides. `vet` is the check at send time: it resolves once, refuses unless
 * every address is allowed, and returns those addresses for the connection to use and no other (no second lookup
 * that a rebinding DNS server could answer differently).
 */
export class OutboundUrlGuard implements OutboundUrlPolicy {
  readonly #resolve: HostResolver;
  readonly #resolveTimeoutMs: number;

  constructor(private readonly settings: OutboundUrlGuardSettings) {
    this.#resolve = settings.resolve ?? systemResolver;
    this.#resolveTimeoutMs = settings.resolveTimeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS;
  }

  async refusal(raw: string): Promise<string | undefined> {
    try {
      await this.vet(raw, AbortSignal.timeout(this.#resolveTimeoutMs));
      return undefined;
    } catch (error) {
      if (error instanceof OutboundUrlRefusedError) return error.reason;
      if (error instanceof UnresolvedHostError) return undefined;
      throw error;
    }
  }

  /**
   * The target of one send. Throws OutboundUrlRefusedError when the URL may not be used, UnresolvedHostError when
   * its name does not resolve before the signal aborts (a transient failure: DNS may answer later).
   */
  async vet(raw: string, signal?: AbortSignal): Promise<VettedTarget> {
    const url = this.parse(raw);
    if (this.settings.allowPrivate) return { url };
    const host = hostOf(url);
    if (isIP(host) !== 0) {
      refuseInternal(host, classifyAddress(host));
      return { url, addresses: [{ address: host, family: isIP(host) === 6 ? 6 : 4 }] };
    }
    const name = host.replace(/\.$/, '').toLowerCase();
    if (name === 'localhost' || name.endsWith('.localhost')) {
      throw new OutboundUrlRefusedError(`${host} names this machine`);
    }
    const addresses = await this.resolveWithin(host, signal);
    for (const { address } of addresses) refuseInternal(host, classifyAddress(address), address);
    return { url, addresses };
  }

  private parse(raw: string): URL {
    if (/[\p{Cc}\s]/u.test(raw)) throw new OutboundUrlRefusedError('it contains spaces or control characters');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new OutboundUrlRefusedError('it is not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new OutboundUrlRefusedError('only http and https URLs are allowed');
    }
    if (this.settings.requireHttps && url.protocol !== 'https:') {
      throw new OutboundUrlRefusedError('only https URLs are allowed here');
    }
    if (url.username !== '' || url.password !== '') {
      throw new OutboundUrlRefusedError('credentials in the URL (user:password@) are not allowed');
    }
    if (url.hostname === '') throw new OutboundUrlRefusedError('it names no host');
    return url;
  }

  private async resolveWithin(host: string, signal: AbortSignal | undefined): Promise<ResolvedAddress[]> {
    if (signal?.aborted) throw new UnresolvedHostError(host, 'no answer in time');
    let addresses: ResolvedAddress[];
    try {
      addresses = await (signal ? raceAbort(this.#resolve(host), signal) : this.#resolve(host));
    } catch (error) {
      if (signal?.aborted) throw new UnresolvedHostError(host, 'no answer in time');
      const code = (error as { code?: unknown })?.code;
      throw new UnresolvedHostError(host, typeof code === 'string' ? code : 'lookup failed');
    }
    if (addresses.length === 0) throw new UnresolvedHostError(host, 'no address');
    return addresses;
  }
}

/** The URL's host as a connection sees it: an IPv6 literal without its brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function refuseInternal(host: string, verdict: ReturnType<typeof classifyAddress>, resolved?: string): void {
  if (verdict.allowed) return;
  throw new OutboundUrlRefusedError(
    resolved === undefined
      ? `${host} is not a public address (${verdict.range})`
      : `${host} resolves to ${resolved}, not a public address (${verdict.range})`,
  );
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
