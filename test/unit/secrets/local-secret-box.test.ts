import fc from 'fast-check';
import {
  LocalSecretBox,
  newLocalSecretKey,
  parseLocalSecretKey,
} from '../../../lib/adapters/secrets/local-secret-box.js';
import { SecretUnsealError } from '../../../lib/ports/secret-box.js';

/** A fixed key: tests seal and open under it, as the service does under LOCAL_SECRET_KEY. */
const KEY = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
const CONTEXT = { tenant_id: 'acme', channel_id: '5b8a1c7e-0d1f-4a3b-9c2d-6e7f8a9b0c1d', credential: 'secret' };
const SECRET = 'whsec-0123456789abcdef';

const box = new LocalSecretBox(KEY);

/** The sealed value with one byte of its `part`-th payload part (0: key id, 1: iv, 2: ciphertext, 3: tag) flipped. */
function flipped(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[2 + part] as string, 'base64url');
  bytes[0] = (bytes[0] as number) ^ 0x01;
  parts[2 + part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('LocalSecretBox (AES-256-GCM under LOCAL_SECRET_KEY)', () => {
  it('opens what it sealed, in the same context, for any text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), async (plaintext) => {
        expect(await box.open(await box.seal(plaintext, CONTEXT), CONTEXT)).toBe(plaintext);
      }),
      { numRuns: 50 },
    );
  });

  it('seals as v1.aes-256-gcm with the key id, a fresh IV each time, and nothing of the plaintext', async () => {
    // Act
    const first = await box.seal(SECRET, CONTEXT);
    const second = await box.seal(SECRET, CONTEXT);

    // Assess
    expect(first).toMatch(/^v1\.aes-256-gcm\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(first).not.toBe(second);
    expect(first.split('.')[2]).toBe(second.split('.')[2]);
    for (const sealed of [first, second]) {
      expect(sealed).not.toContain(SECRET);
      expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64url'));
    }
  });

  it.each([
    ['another channel', { ...CONTEXT, channel_id: 'a0000000-0000-4000-8000-000000000000' }],
    ['another tenant', { ...CONTEXT, tenant_id: 'globex' }],
    ['another credential of the channel', { ...CONTEXT, credential: 'appSecret' }],
    ['a context with a key more', { ...CONTEXT, extra: '' }],
    ['a context with a key less', { tenant_id: CONTEXT.tenant_id, channel_id: CONTEXT.channel_id }],
  ])('refuses to open a value copied into %s', async (_, context) => {
    // Prepare
    const sealed = await box.seal(SECRET, CONTEXT);

    // Act
    const opening = box.open(sealed, context);

    // Assess
    await expect(opening).rejects.toThrow(SecretUnsealError);
    await expect(opening).rejects.toThrow(/does not open in this context/);
  });

  it('binds the context whatever order its keys are given in', async () => {
    const sealed = await box.seal(SECRET, CONTEXT);
    const reordered = { credential: CONTEXT.credential, channel_id: CONTEXT.channel_id, tenant_id: CONTEXT.tenant_id };
    expect(await box.open(sealed, reordered)).toBe(SECRET);
  });

  it.each([
    ['its IV', 1],
    ['its ciphertext', 2],
    ['its tag', 3],
  ])('refuses a value whose %s was tampered with', async (_, part) => {
    // Prepare
    const sealed = await box.seal(SECRET, CONTEXT);

    // Act
    const opening = box.open(flipped(sealed, part), CONTEXT);

    // Assess
    await expect(opening).rejects.toThrow(SecretUnsealError);
  });

  it('refuses a value sealed under another key, naming both key ids and LOCAL_SECRET_KEY', async () => {
    // Prepare
    const other = new LocalSecretBox(parseLocalSecretKey(newLocalSecretKey()));
    const sealed = await other.seal(SECRET, CONTEXT);

    // Act
    const opening = box.open(sealed, CONTEXT);

    // Assess
    await expect(opening).rejects.toThrow(
      /sealed under another local key \(id [0-9a-f]{16}; this one is [0-9a-f]{16}\)/,
    );
    await expect(opening).rejects.toThrow(/LOCAL_SECRET_KEY/);
  });

  it.each([
    ['a value of another format version', (s: string) => s.replace(/^v1\./, 'v2.'), /format: v2/],
    ['a value sealed by KMS', () => 'v1.aws-kms.AQICAHh', /sealed with aws-kms; this stage opens aes-256-gcm only/],
    ['a clear text', () => SECRET, /not a sealed secret of format v1/],
    ['a value with a part missing', (s: string) => s.split('.').slice(0, -1).join('.'), /malformed/],
    ['a value with a part not in base64url', (s: string) => `${s.slice(0, -2)}+/`, /malformed/],
    ['a value with a cut IV', (s: string) => s.replace(/^(v1\.aes-256-gcm\.[^.]+\.)[^.]{4}/, '$1'), /malformed/],
  ])('refuses %s by name, never repeating the value', async (_, change, reason) => {
    // Prepare
    const sealed = change(await box.seal(SECRET, CONTEXT));

    // Act
    const error = await box.open(sealed, CONTEXT).catch((e: unknown) => e as Error);

    // Assess
    expect(error).toBeInstanceOf(SecretUnsealError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toContain(SECRET);
    for (const part of sealed
      .split('.')
      .slice(2)
      .filter((p) => p.length > 4)) {
      expect((error as Error).message).not.toContain(part);
    }
  });

  it('takes a key of exactly 32 bytes of base64, and says what it needs otherwise without repeating it', () => {
    // Prepare
    const good = newLocalSecretKey();

    // Act
    const parsed = parseLocalSecretKey(`${good}\n`);

    // Assess
    expect(parsed).toHaveLength(32);
    for (const bad of [
      '',
      'short',
      Buffer.alloc(31).toString('base64'),
      Buffer.alloc(33).toString('base64'),
      '!'.repeat(44),
    ]) {
      expect(() => parseLocalSecretKey(bad)).toThrow(/32 random bytes in base64/);
    }
    expect(() => new LocalSecretBox(Buffer.alloc(16))).toThrow(/32 bytes, not 16/);
  });
});
