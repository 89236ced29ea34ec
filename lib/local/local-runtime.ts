import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { z } from 'zod';
import { getRuntime, resetRuntime } from '../composition-root.js';
import { ensureTable, type RunningDynamoDb, startDynamoDbLocal } from './dynamodb-local.js';
import { startLocalApi } from './http-server.js';
import { DEFAULT_LOCAL_JWT_SECRET } from './local-jwt.js';

/** The local runtime's own settings; the service's settings are in lib/config.ts. */
const localSettingsSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  /** Keeps DynamoDB Local's data across restarts; unset = in memory. */
  DATA_DIR: z.string().min(1).optional(),
  LOCAL_JWT_SECRET: z.string().min(16).default(DEFAULT_LOCAL_JWT_SECRET),
  DYNAMODB_ENDPOINT: z.url().optional(),
  TABLE_NAME: z.string().min(3).default('broadcast-service'),
});
export type LocalSettings = z.infer<typeof localSettingsSchema>;

export function loadLocalSettings(env: Record<string, string | undefined> = process.env): LocalSettings {
  return localSettingsSchema.parse(env);
}

export interface LocalRuntime {
  url: string;
  settings: LocalSettings;
  dynamoDbEndpoint: string;
  stop(): Promise<void>;
}

/**
 * Everything `npm start` runs: DynamoDB Local (unless DYNAMODB_ENDPOINT names another one), the table,
 * and the HTTP API in front of the same handlers as in AWS. stop() ends all it started.
 */
export async function startLocalRuntime(settings: LocalSettings): Promise<LocalRuntime> {
  let dynamoDb: RunningDynamoDb | undefined;
  let endpoint = settings.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    if (settings.DATA_DIR) mkdirSync(settings.DATA_DIR, { recursive: true });
    dynamoDb = await startDynamoDbLocal(settings.DATA_DIR ? { dataDir: settings.DATA_DIR } : {});
    endpoint = dynamoDb.endpoint;
  }
  let server: Server | undefined;
  try {
    await ensureTable(endpoint, settings.TABLE_NAME);
    process.env.DYNAMODB_ENDPOINT = endpoint;
    process.env.TABLE_NAME = settings.TABLE_NAME;
    resetRuntime();
    getRuntime();
    const api = await startLocalApi({ port: settings.PORT, host: settings.HOST, jwtSecret: settings.LOCAL_JWT_SECRET });
    server = api.server;
    return {
      url: api.url,
      settings,
      dynamoDbEndpoint: endpoint,
      stop: async () => {
        await new Promise<void>((done) => {
          server?.close(() => done());
          server?.closeAllConnections();
        });
        await dynamoDb?.stop();
      },
    };
  } catch (error) {
    await dynamoDb?.stop();
    throw error;
  }
}
