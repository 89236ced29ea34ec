import { CachingSecretBox } from '../../../lib/adapters/secrets/caching-secret-box.js';
import { LocalSecretBox } from '../../../lib/adapters/secrets/local-secret-box.js';
import type { SecretBox, SecretContext } from '../../../lib/ports/secret-box.js';

const CONTEXT = { tenant_id: 'acme', channel_id: 'c-1', credential: 'secret' };

/** A local box that counts the values it opens, as KMS would bill them. */
class CountingBox implements SecretBox {
  readonly algorithm = 'aes-256-gcm';
  opens = 0;
  private readonly inner = new LocalSecretBox(Buffer.alloc(32, 7));
  seal(plaintext: string, context: SecretContext): Promise<string> {
    return this.inner.seal(plaintext, context);
  }
  open(sealed: string, context: SecretContext): Promise<string> {
    this.opens++;
    return this.inner.open(sealed, context);
  }
}

function cached(settings: { ttlMs?: number; maxEntries?: number } = {}) {
  let now = 0;
  const inner = new CountingBox();
  const box = new CachingSecretBox(inner, {
    ttlMs: settings.ttlMs ?? 1000,
    maxEntries: settings.maxEntries ?? 10,
    now: () => now,
  });
  return { box, inner, advance: (ms: number) => (now += ms) };
}

describe('CachingSecretBox', () => {
  it('opens a value once while it is fresh, then again after its time', async () => {
    // Prepare
    const { box, inner, advance } = cached({ ttlMs: 1000 });
    const sealed = await box.seal('whsec-0123456789abcdef', CONTEXT);

    // Act
    const opened = [await box.open(sealed, CONTEXT), await box.open(sealed, CONTEXT)];
    advance(999);
    opened.push(await box.open(sealed, CONTEXT));
    const whileFresh = inner.opens;
    advance(1);
    opened.push(await box.open(sealed, CONTEXT));

    // Assess
    expect(new Set(opened)).toEqual(new Set(['whsec-0123456789abcdef']));
    expect(whileFresh).toBe(1);
    expect(inner.opens).toBe(2);
  });

  it('never answers from the cache for another context: the inner box decides, and refuses', async () => {
    // Prepare
    const { box } = cached();
    const sealed = await box.seal('whsec-0123456789abcdef', CONTEXT);
    await box.open(sealed, CONTEXT);

    // Act
    const opening = box.open(sealed, { ...CONTEXT, tenant_id: 'globex' });

    // Assess
    await expect(opening).rejects.toThrow(/does not open in this context/);
  });

  it('keeps at most maxEntries, the oldest going first; a failure is not cached', async () => {
    // Prepare
    const { box, inner } = cached({ maxEntries: 2 });
    const values = await Promise.all(['a', 'b', 'c'].map((text) => box.seal(text, CONTEXT)));

    // Act
    for (const sealed of values) await box.open(sealed, CONTEXT);
    await box.open(values[2] as string, CONTEXT);
    await box.open(values[0] as string, CONTEXT);
    await expect(box.open('v1.aes-256-gcm.x', CONTEXT)).rejects.toThrow();
    await expect(box.open('v1.aes-256-gcm.x', CONTEXT)).rejects.toThrow();

    // Assess: a, b, c opened; c from the cache; a again (it was evicted); the bad value twice.
    expect(inner.opens).toBe(6);
    expect(box.algorithm).toBe('aes-256-gcm');
  });
});
