/**
 * What a sealed secret is bound to: it opens only under the very same context (AES-GCM's additional data locally,
 * KMS's encryption context in AWS). The channel repository binds each credential to its tenant, channel and key, so a
 * sealed value copied into another channel, tenant or credential does not open. Not secret: KMS writes it to
 * CloudTrail in clear.
 */
export type SecretContext = Readonly<Record<string, string>>;

/**
 * Encrypts secrets at rest (issue 11, section 3). `seal` gives a self-describing text, `v1.<algorithm>.<...>`: the
 * format version and the algorithm travel with the value, so a later format or a different key can be told apart
 * (and refused by name) instead of failing as garbage. Only the channel repository uses it: nothing else ever sees a
 * sealed value.
 */
export interface SecretBox {
  /** The algorithm tag this box seals with (`aes-256-gcm`, `aws-kms`). */
  readonly algorithm: string;
  seal(plaintext: string, context: SecretContext): Promise<string>;
  /** The plaintext; SecretUnsealError when the value was tampered with, sealed under another context or key. */
  open(sealed: string, context: SecretContext): Promise<string>;
}

/**
 * A sealed value that does not open here: tampered with, copied from another context, sealed under another key or by
 * another algorithm, or of an unknown version. The message says which, never the value.
 */
export class SecretUnsealError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretUnsealError';
  }
}
