import type { SecretBox, SecretContext } from '../../ports/secret-box.js';
import { canonicalContext } from './sealed-format.js';

export interface SecretCacheSettings {
  /** How long an opened value is reused. */
  ttlMs: number;
  /** Entries kept at most; the oldest goes first. */
  maxEntries: number;
  now?: () => number;
}

/**
 * Remembers what `inner` opened, for a while, in this process: the sender reads its channel once per chunk and the
 * WhatsApp webhook once per call, and without this each read would cost a KMS Decrypt per credential. Keyed by the
 * sealed value and its context, so it is never stale: a channel saved with a new credential has a new sealed value
 * (sealing is randomised), which misses, and the old entry just ages out. Sealing is never cached. The plaintexts stay
 * in this process's memory only, where the send that needs them puts them anyway.
 */
export class CachingSecretBox implements SecretBox {
  private readonly opened = new Map<string, { plaintext: string; expiresAt: number }>();
  private readonly now: () => number;

  constructor(
    private readonly inner: SecretBox,
    private readonly settings: SecretCacheSettings,
  ) {
    this.now = settings.now ?? Date.now;
  }

  get algorithm(): string {
    return this.inner.algorithm;
  }

  seal(plaintext: string, context: SecretContext): Promise<string> {
    return this.inner.seal(plaintext, context);
  }

  async open(sealed: string, context: SecretContext): Promise<string> {
    const key = `${canonicalContext(context)}\n${sealed}`;
    const hit = this.opened.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.plaintext;
    this.opened.delete(key);
    const plaintext = await this.inner.open(sealed, context);
    this.opened.set(key, { plaintext, expiresAt: this.now() + this.settings.ttlMs });
    while (this.opened.size > this.settings.maxEntries) {
      const oldest = this.opened.keys().next().value;
      if (oldest === undefined) break;
      this.opened.delete(oldest);
    }
    return plaintext;
  }
}
