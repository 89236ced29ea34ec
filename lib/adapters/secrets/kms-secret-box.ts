import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { tracer } from '../../observability/tracer.js';
import { type SecretBox, type SecretContext, SecretUnsealError } from '../../ports/secret-box.js';
import { formatSealed, payloadOf } from './sealed-format.js';

const ALGORITHM = 'aws-kms';

/**
 * Secrets sealed by the stage's KMS key (CHANNEL_SECRETS_KEY_ARN): one Encrypt per credential written, one Decrypt per
 * credential opened (a channel's credentials are a few hundred bytes, far under KMS's 4 KB; no data key needed). The
 * context is the KMS encryption context: bound to the ciphertext, checked by KMS on Decrypt, written to CloudTrail,
 * and usable in IAM conditions (infra/constructs/channel-secrets.ts grants on `kms:EncryptionContext:tenant_id`).
 * Decrypt names the key too, so a ciphertext of any other key is refused rather than opened with it. A sealed value is
 * `v1.aws-kms.<ciphertext blob>`. Wrap it in CachingSecretBox: the sender opens the same credentials chunk after chunk.
 */
export class KmsSecretBox implements SecretBox {
  readonly algorithm = ALGORITHM;

  constructor(
    private readonly client: KMSClient,
    private readonly keyArn: string,
  ) {}

  async seal(plaintext: string, context: SecretContext): Promise<string> {
    const { CiphertextBlob } = await this.client.send(
      new EncryptCommand({
        KeyId: this.keyArn,
        Plaintext: Buffer.from(plaintext, 'utf8'),
        EncryptionContext: { ...context },
      }),
    );
    if (!CiphertextBlob) throw new Error('KMS Encrypt answered without a ciphertext');
    return formatSealed(ALGORITHM, [Buffer.from(CiphertextBlob)]);
  }

  async open(sealed: string, context: SecretContext): Promise<string> {
    const [ciphertext] = payloadOf(sealed, ALGORITHM, 1) as [Buffer];
    try {
      const { Plaintext } = await this.client.send(
        new DecryptCommand({ KeyId: this.keyArn, CiphertextBlob: ciphertext, EncryptionContext: { ...context } }),
      );
      if (!Plaintext) throw new Error('KMS Decrypt answered without a plaintext');
      return Buffer.from(Plaintext).toString('utf8');
    } catch (error) {
      const name = (error as Error)?.name;
      // Throttling, access denied, a disabled key: the caller's failure to retry or alarm on, not a bad value.
      if (name === 'InvalidCiphertextException') {
        throw new SecretUnsealError('the sealed secret does not open in this context (tampered with, or copied)', {
          cause: error,
        });
      }
      if (name === 'IncorrectKeyException') {
        throw new SecretUnsealError("sealed under another KMS key than this stage's", { cause: error });
      }
      throw error;
    }
  }
}

/** The KMS client of a process, captured for X-Ray in Lambda (which records the operation, never the payload). */
export function createKmsClient(settings: { region: string; maxAttempts: number }): KMSClient {
  return tracer.captureAWSv3Client(new KMSClient({ region: settings.region, maxAttempts: settings.maxAttempts }));
}
