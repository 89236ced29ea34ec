import {
  DecryptCommand,
  EncryptCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  KMSInvalidStateException,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { KmsSecretBox } from '../../../lib/adapters/secrets/kms-secret-box.js';
import { SecretUnsealError } from '../../../lib/ports/secret-box.js';

const kms = mockClient(KMSClient);
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CONTEXT = { tenant_id: 'acme', channel_id: '5b8a1c7e-0d1f-4a3b-9c2d-6e7f8a9b0c1d', credential: 'accessToken' };
const TOKEN = 'EAAG-access-token-0123456789';
const BLOB = Uint8Array.from([1, 2, 3, 250, 251, 252, 0, 9]);

const box = new KmsSecretBox(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);

beforeEach(() => kms.reset());

describe('KmsSecretBox', () => {
  it("seals with one Encrypt under the stage's key and the context as encryption context: v1.aws-kms.<blob>", async () => {
    // Prepare
    kms.on(EncryptCommand).resolves({ CiphertextBlob: BLOB, KeyId: KEY_ARN });

    // Act
    const sealed = await box.seal(TOKEN, CONTEXT);

    // Assess
    expect(sealed).toBe(`v1.aws-kms.${Buffer.from(BLOB).toString('base64url')}`);
    expect(kms).toHaveReceivedCommandTimes(EncryptCommand, 1);
    expect(kms).toHaveReceivedCommandWith(EncryptCommand, {
      KeyId: KEY_ARN,
      Plaintext: Buffer.from(TOKEN, 'utf8'),
      EncryptionContext: CONTEXT,
    });
  });

  it('opens with one Decrypt naming the same key and encryption context', async () => {
    // Prepare
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(TOKEN, 'utf8'), KeyId: KEY_ARN });

    // Act
    const opened = await box.open(`v1.aws-kms.${Buffer.from(BLOB).toString('base64url')}`, CONTEXT);

    // Assess
    expect(opened).toBe(TOKEN);
    expect(kms).toHaveReceivedCommandTimes(DecryptCommand, 1);
    expect(kms).toHaveReceivedCommandWith(DecryptCommand, {
      KeyId: KEY_ARN,
      CiphertextBlob: Buffer.from(BLOB),
      EncryptionContext: CONTEXT,
    });
  });

  it.each([
    [
      'KMS finds the context or the ciphertext wrong',
      new InvalidCiphertextException({ message: 'InvalidCiphertextException', $metadata: {} }),
      /does not open in this context/,
    ],
    [
      'the value was sealed under another key',
      new IncorrectKeyException({ message: 'IncorrectKeyException', $metadata: {} }),
      /another KMS key/,
    ],
  ])('refuses to open when %s', async (_, error, message) => {
    // Prepare
    kms.on(DecryptCommand).rejects(error);

    // Act
    const opening = box.open(`v1.aws-kms.${Buffer.from(BLOB).toString('base64url')}`, CONTEXT);

    // Assess
    await expect(opening).rejects.toThrow(SecretUnsealError);
    await expect(opening).rejects.toThrow(message);
  });

  it('passes any other failure on as it is (a disabled key, throttling): an outage, not a bad value', async () => {
    // Prepare
    const disabled = new KMSInvalidStateException({ message: 'key is disabled', $metadata: {} });
    kms.on(DecryptCommand).rejects(disabled);

    // Act
    const opening = box.open(`v1.aws-kms.${Buffer.from(BLOB).toString('base64url')}`, CONTEXT);

    // Assess
    await expect(opening).rejects.toBe(disabled);
  });

  it('refuses without asking KMS a value sealed locally, of another version, or in clear', async () => {
    // Act
    const openings = ['v1.aes-256-gcm.a.b.c.d', 'v2.aws-kms.AQID', TOKEN].map((sealed) =>
      box.open(sealed, CONTEXT).catch((error: unknown) => error),
    );

    // Assess
    for (const error of await Promise.all(openings)) expect(error).toBeInstanceOf(SecretUnsealError);
    expect(kms).toHaveReceivedCommandTimes(DecryptCommand, 0);
  });
});
