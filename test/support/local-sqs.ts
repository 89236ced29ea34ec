import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../lib/adapters/sqs/sqs-client.js';
import {
  type RunningSqsEventSource,
  type SqsEventSourceOptions,
  startSqsEventSource,
} from '../../local/sqs-event-source.js';
import { startLocalSqs } from '../../local/sqs-local.js';
import { sharedForFile } from './shared-for-file.js';

export interface LocalSqsForTests {
  client: SQSClient;
  /** An event source on the local server, stopped after the test that started it. */
  startSource(options: Omit<SqsEventSourceOptions, 'client'>): Promise<RunningSqsEventSource>;
}

/** The local SQS server of a test file and a client of it: started before its first test, stopped after its last. */
export function localSqsForFile(): LocalSqsForTests {
  const local = sharedForFile(
    async () => {
      const sqs = await startLocalSqs();
      return { sqs, client: createSqsClient({ region: sqs.region, endpoint: sqs.endpoint, maxAttempts: 3 }) };
    },
    async ({ sqs, client }) => {
      client.destroy();
      await sqs.stop();
    },
  );
  const running: RunningSqsEventSource[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((source) => source.stop()));
  });
  return {
    get client() {
      return local.client;
    },
    startSource: async (options) => {
      const source = await startSqsEventSource({ client: local.client, ...options });
      running.push(source);
      return source;
    },
  };
}
