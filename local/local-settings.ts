import { z } from 'zod';
import type { SettingDocs } from '../lib/config.js';
import { DEFAULT_LOCAL_JWT_AUDIENCE, DEFAULT_LOCAL_JWT_ISSUER, DEFAULT_LOCAL_JWT_SECRET } from './local-jwt.js';

/** The convention of lib/config.ts, minus `setBy`: these are read by `npm start` alone, and set by whoever runs it. */
function localSetting<T extends z.ZodType>(schema: T, docs: SettingDocs): T {
  return schema.meta({ ...docs });
}

/**
 * The local runtime's own settings, documented in docs/configuration.md; the service's settings are in
 * lib/config.ts (`npm start` passes some of these on to it: DATA_DIR, DYNAMODB_ENDPOINT, TABLE_NAME).
 */
export const localSettingsSchema = z.object({
  PORT: localSetting(z.coerce.number().int().min(0).max(65535).default(3000), {
    description: 'Where the local server listens (`0` picks a free port).',
  }),
  HOST: localSetting(z.string().default('127.0.0.1'), {
    description: 'The address the local server listens on.',
  }),
  DATA_DIR: localSetting(z.string().min(1).optional(), {
    description:
      "Keeps DynamoDB Local's data in this folder across restarts, and with it the scheduled broadcasts; the log " +
      'channel appends `outbox.jsonl` and domain events go to `events.jsonl` there.',
    defaultText: 'unset (in memory)',
  }),
  LOCAL_JWT_SECRET: localSetting(z.string().min(16).default(DEFAULT_LOCAL_JWT_SECRET), {
    description:
      'The HS256 secret the local server verifies tokens with (and `npm run token` signs with). For a laptop only.',
  }),
  LOCAL_JWT_ISSUER: localSetting(z.string().min(1).default(DEFAULT_LOCAL_JWT_ISSUER), {
    description:
      'The `iss` the local server requires of tokens (and `npm run token` puts in), as API Gateway requires its issuer.',
  }),
  LOCAL_JWT_AUDIENCE: localSetting(z.string().min(1).default(DEFAULT_LOCAL_JWT_AUDIENCE), {
    description:
      "The `aud` the local server requires of tokens (and `npm run token` puts in), as API Gateway requires its app client's.",
  }),
  DYNAMODB_ENDPOINT: localSetting(z.url().optional(), {
    description: 'Use this DynamoDB instead of starting DynamoDB Local.',
    defaultText: 'unset (DynamoDB Local, started on a free port)',
  }),
  TABLE_NAME: localSetting(z.string().min(3).default('broadcast-service'), {
    description: 'The table `npm start` creates if missing and hands to the service.',
  }),
  SEND_CONCURRENCY: localSetting(z.coerce.number().int().min(1).max(1000).default(10), {
    description:
      "Senders running at once (in AWS: the sender's event source `maxConcurrency`, the stage's `sendConcurrency`).",
  }),
});
export type LocalSettings = z.infer<typeof localSettingsSchema>;

export function loadLocalSettings(env: Record<string, string | undefined> = process.env): LocalSettings {
  return localSettingsSchema.parse(env);
}
