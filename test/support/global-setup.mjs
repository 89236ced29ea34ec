import { tsImport } from 'tsx/esm/api';

/** Shared with global-teardown.mjs, which Jest runs in this same process. */
const LOCAL_DYNAMODB = Symbol.for('broadcast-service.test.dynamodb-local');

/**
 * Starts the official DynamoDB Local once per Jest run (in memory, on a free port) with the same code as
 * `npm start`, and hands its endpoint to the test files through DYNAMODB_ENDPOINT (Jest starts its
 * workers after this, so they inherit it). With DYNAMODB_ENDPOINT already set, nothing is started.
 * Jest loads this hook outside its module system, hence tsx to import the TypeScript source.
 */
export default async function globalSetup() {
  // Quiet by default: the domain-event log lines and the SDK's Node 20 reminder drown test output.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (process.env.DYNAMODB_ENDPOINT) return;
  const { startDynamoDbLocal } = await tsImport('../../local/dynamodb-local.ts', import.meta.url);
  const dynamoDb = await startDynamoDbLocal();
  globalThis[LOCAL_DYNAMODB] = dynamoDb;
  process.env.DYNAMODB_ENDPOINT = dynamoDb.endpoint;
}
