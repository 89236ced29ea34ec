import { z } from 'zod';
import type { UnsubscribeLinks } from '../../ports/unsubscribe-links.js';
import { HmacUnsubscribeLinks, MIN_UNSUBSCRIBE_SECRET_LENGTH } from './hmac-unsubscribe-links.js';

/**
 * The local default secret. It is public (it is in the repository), so anyone could forge links with it:
 * fine on a laptop, refused in Lambda, where UNSUBSCRIBE_SECRET must be set.
 */
export const DEFAULT_LOCAL_UNSUBSCRIBE_SECRET = 'local-unsubscribe-secret-do-not-use-in-aws-0123456789';
export const DEFAULT_PUBLIC_BASE_URL = 'http://127.0.0.1:3000';

const settingsSchema = z.object({
  /** Signs the unsubscribe links: at least 32 characters, e.g. `openssl rand -base64 48`. */
  UNSUBSCRIBE_SECRET: z.string().min(MIN_UNSUBSCRIBE_SECRET_LENGTH).optional(),
  /** Where recipients reach this service (the unsubscribe route): locally, the server's own URL. */
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).default(DEFAULT_PUBLIC_BASE_URL),
  /** Set by the Lambda runtime. */
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
});

export interface UnsubscribeSettings {
  UNSUBSCRIBE_SECRET: string;
  PUBLIC_BASE_URL: string;
}

export function loadUnsubscribeSettings(env: Record<string, string | undefined> = process.env): UnsubscribeSettings {
  const result = settingsSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const { UNSUBSCRIBE_SECRET, PUBLIC_BASE_URL, AWS_LAMBDA_FUNCTION_NAME } = result.data;
  if (!UNSUBSCRIBE_SECRET && AWS_LAMBDA_FUNCTION_NAME) {
    throw new Error('invalid configuration: UNSUBSCRIBE_SECRET must be set in AWS (the local default is public)');
  }
  return { UNSUBSCRIBE_SECRET: UNSUBSCRIBE_SECRET ?? DEFAULT_LOCAL_UNSUBSCRIBE_SECRET, PUBLIC_BASE_URL };
}

let cached: { key: string; links: HmacUnsubscribeLinks } | undefined;

/**
 * The links as the environment configures them. Read on every call (cheap) so that a local runtime that
 * learns its own URL after start can set PUBLIC_BASE_URL; the instance is reused while the settings hold.
 */
export function unsubscribeLinksFromEnv(env: Record<string, string | undefined> = process.env): HmacUnsubscribeLinks {
  const settings = loadUnsubscribeSettings(env);
  const key = `${settings.PUBLIC_BASE_URL}\n${settings.UNSUBSCRIBE_SECRET}`;
  if (cached?.key !== key) {
    cached = { key, links: new HmacUnsubscribeLinks(settings.UNSUBSCRIBE_SECRET, settings.PUBLIC_BASE_URL) };
  }
  return cached.links;
}

/**
 * The UnsubscribeLinks of the deps when the composition root provides them (`deps.unsubscribeLinks`),
 * else the ones this module builds from the environment.
 */
export function unsubscribeLinksOf(deps: object): UnsubscribeLinks {
  const provided = (deps as { unsubscribeLinks?: unknown }).unsubscribeLinks;
  if (provided && typeof (provided as { verify?: unknown }).verify === 'function') {
    return provided as UnsubscribeLinks;
  }
  return unsubscribeLinksFromEnv();
}
