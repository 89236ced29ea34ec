import { z } from 'zod';

/**
 * The environment, read once and validated: a wrong value stops the process at start with a message
 * naming the variable, instead of failing on the first request.
 */
const configSchema = z.object({
  TABLE_NAME: z.string().min(3).default('broadcast-service'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Points the DynamoDB client at DynamoDB Local or another emulator. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  DYNAMODB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  /** The JWT claim that names the tenant. */
  TENANT_CLAIM: z.string().min(1).default('tenant_id'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return result.data;
}
