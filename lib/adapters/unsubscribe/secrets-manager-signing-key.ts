import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { tracer } from '../../observability/tracer.js';
import { MIN_UNSUBSCRIBE_SECRET_LENGTH } from './hmac-unsubscribe-links.js';

/**
 * How long Powertools keeps the key before asking Secrets Manager again. The key never changes (a new one would break
 * every link already delivered), so once per execution environment is enough: longer than any environment lives.
 */
const KEY_MAX_AGE_SECONDS = 24 * 60 * 60;

/**
 * Reads the unsubscribe signing key from Secrets Manager through Powertools Parameters (cached by the provider), so
 * the key is never in a function's environment: only a role granted `secretsmanager:GetSecretValue` on this one
 * secret can read it (infra/constructs/unsubscribe-links.ts).
 */
export async function readUnsubscribeSigningKey(provider: SecretsProvider, secretId: string): Promise<string> {
  const value = await provider.get(secretId, { maxAge: KEY_MAX_AGE_SECONDS });
  if (typeof value !== 'string' || value.length < MIN_UNSUBSCRIBE_SECRET_LENGTH) {
    // Said without the value: a wrong secret is a deployment bug, and its content is nobody's business in a log.
    throw new Error(
      `the unsubscribe signing key in ${secretId} must be a text of at least ${MIN_UNSUBSCRIBE_SECRET_LENGTH} characters`,
    );
  }
  return value;
}

/** The Secrets Manager provider of a process: its client captured for X-Ray (which records no secret value). */
export function createSecretsProvider(settings: { region: string }): SecretsProvider {
  return new SecretsProvider({
    awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient({ region: settings.region, maxAttempts: 3 })),
  });
}
