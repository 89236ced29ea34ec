import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { type SecretBox, type SecretContext, SecretUnsealError } from '../../ports/secret-box.js';
import { canonicalContext, formatSealed, payloadOf, SEALED_FORMAT_VERSION } from './sealed-format.js';

const ALGORITHM = 'aes-256-gcm';
export const LOCAL_SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Secrets sealed on this machine (`npm start`, tests): AES-256-GCM under a local key (LOCAL_SECRET_KEY), a fresh
 * random 96-bit IV per value, the context bound as additional authenticated data. A sealed value is
 * `v1.aes-256-gcm.<key id>.<iv>.<ciphertext>.<tag>`: the key id (a fingerprint, which tells nothing of the key) lets
 * a value sealed under another key be refused by name, not as a bad tag.
 */
export class LocalSecretBox implements SecretBox {
  readonly algorithm = ALGORITHM;
  readonly #key: Buffer;
  readonly #keyId: Buffer;

  constructor(key: Buffer) {
    if (key.length !== LOCAL_SECRET_KEY_BYTES) {
      throw new Error(`a local secret key has ${LOCAL_SECRET_KEY_BYTES} bytes, not ${key.length}`);
    }
    this.#key = Buffer.from(key);
    this.#keyId = localKeyId(key);
  }

  async seal(plaintext: string, context: SecretContext): Promise<string> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return formatSealed(ALGORITHM, [this.#keyId, iv, ciphertext, cipher.getAuthTag()]);
  }

  async open(sealed: string, context: SecretContext): Promise<string> {
    const [keyId, iv, ciphertext, tag] = payloadOf(sealed, ALGORITHM, 4) as [Buffer, Buffer, Buffer, Buffer];
    if (!keyId.equals(this.#keyId)) {
      throw new SecretUnsealError(
        `sealed under another local key (id ${keyId.toString('hex')}; this one is ${this.#keyId.toString('hex')}): ` +
          'set LOCAL_SECRET_KEY to the key it was sealed with',
      );
    }
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
      throw new SecretUnsealError('a malformed aes-256-gcm sealed secret');
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch (error) {
      // GCM says only "unable to authenticate": tampered with, or sealed for another context.
      throw new SecretUnsealError('the sealed secret does not open in this context (tampered with, or copied)', {
        cause: error,
      });
    }
  }
}

/** A new random local key, as LOCAL_SECRET_KEY takes it (base64). */
export function newLocalSecretKey(): string {
  return randomBytes(LOCAL_SECRET_KEY_BYTES).toString('base64');
}

/** LOCAL_SECRET_KEY's bytes; an Error naming what is wrong (never the value) unless it is 32 bytes of base64. */
export function parseLocalSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) || key.length !== LOCAL_SECRET_KEY_BYTES) {
    throw new Error(`must be ${LOCAL_SECRET_KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

/** A fingerprint of the key: 8 bytes of a domain-separated SHA-256, which reveal nothing usable of 32 random bytes. */
function localKeyId(key: Buffer): Buffer {
  return createHash('sha256').update('broadcast-local-secret-key:').update(key).digest().subarray(0, 8);
}

/** The bytes the tag covers besides the ciphertext: format, algorithm and the context. */
function additionalData(context: SecretContext): Buffer {
  return Buffer.from(`${SEALED_FORMAT_VERSION}.${ALGORITHM}|${canonicalContext(context)}`, 'utf8');
}
