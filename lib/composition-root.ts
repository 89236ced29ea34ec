import { randomUUID } from 'node:crypto';
import { DynamoDbBroadcastRepository } from './adapters/dynamodb/broadcast-repository.js';
import { DynamoDbContactListRepository } from './adapters/dynamodb/contact-list-repository.js';
import { DynamoDbContactRepository } from './adapters/dynamodb/contact-repository.js';
import { createDocumentClient } from './adapters/dynamodb/document-client.js';
import { DynamoDbExecutionRepository } from './adapters/dynamodb/execution-repository.js';
import { LoggingEventRecorder } from './adapters/logging-event-recorder.js';
import { type Config, loadConfig } from './config.js';
import type { UseCaseDeps } from './use-cases/deps.js';

/**
 * The one place that turns configuration into concrete adapters. Lambda handlers and the local
 * runtime both get their dependencies here, built once per process (per cold start).
 */
export function buildDeps(config: Config): UseCaseDeps {
  const client = createDocumentClient({
    tableName: config.TABLE_NAME,
    region: config.AWS_REGION,
    maxAttempts: config.DYNAMODB_MAX_ATTEMPTS,
    ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
  });
  return {
    contacts: new DynamoDbContactRepository(client, config.TABLE_NAME),
    contactLists: new DynamoDbContactListRepository(client, config.TABLE_NAME),
    broadcasts: new DynamoDbBroadcastRepository(client, config.TABLE_NAME),
    executions: new DynamoDbExecutionRepository(client, config.TABLE_NAME),
    events: new LoggingEventRecorder(),
    clock: { now: () => new Date() },
    ids: { newId: () => randomUUID() },
  };
}

let runtime: { config: Config; deps: UseCaseDeps } | undefined;

/** Lazily built so that importing a handler has no side effect until its first invocation. */
export function getRuntime(): { config: Config; deps: UseCaseDeps } {
  if (!runtime) {
    const config = loadConfig();
    runtime = { config, deps: buildDeps(config) };
  }
  return runtime;
}

/** For tests and the local runtime: forget the cached runtime so the next call reads the environment again. */
export function resetRuntime(): void {
  runtime = undefined;
}
