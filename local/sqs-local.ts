import { createServer, type Server } from 'node:http';
import { createRequestHandler } from 'local-aws-sqs';
import { createSqsClient } from '../lib/adapters/sqs/sqs-client.js';
import {
  consumerOptions,
  createQueueWithDlq,
  DEFAULT_LOCAL_QUEUES,
  type LocalConsumerOptions,
  type LocalQueueName,
  type LocalQueueSettings,
  type QueueWithDlq,
  type RedriveBy,
} from './sqs-queues.js';

export interface LocalSqsOptions {
  /** Unset: any free port. */
  port?: number;
  host?: string;
  region?: string;
  queues?: Partial<Record<LocalQueueName, Partial<LocalQueueSettings>>>;
  /** Default `consumer`: see RedriveBy. */
  redriveBy?: RedriveBy;
}

export interface RunningLocalSqs {
  endpoint: string;
  region: string;
  queueUrls: {
    pipeline: string;
    send: string;
    receipts: string;
    /** The provider events (SES, SMS) the stage's EventBridge rules route; locally fed by POST /local/events. */
    events: string;
    pipelineDlq: string;
    sendDlq: string;
    receiptsDlq: string;
    eventsDlq: string;
  };
  /** What each queue was created with. */
  queues: Record<LocalQueueName, QueueWithDlq>;
  /** Spread into startSqsEventSource: queue URL, visibility timeout and, with `consumer` redrive, its settings. */
  consumers: Record<LocalQueueName, LocalConsumerOptions>;
  stop(): Promise<void>;
}

/**
 * Starts local-aws-sqs in this process and creates the pipeline, send, receipts and events queues, each with its DLQ.
 * Messages live in memory: they are gone after stop(), whatever DATA_DIR says.
 */
export async function startLocalSqs(options: LocalSqsOptions = {}): Promise<RunningLocalSqs> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const { service, requestHandler } = createRequestHandler({
    port: options.port ?? 0,
    // Queue URLs carry this host and the SDK sends each call to its queue URL, so it must be reachable as is.
    hostname: host,
    region,
    // Tests recreate queues freely; AWS's 60 s wait between delete and create would only slow them down.
    emulateQueueCreationLifecycle: false,
  });
  const server = createServer((request, response) => void requestHandler(request, response));
  // Listening on port 0 takes a free port atomically, where probing one first (freePort) could lose a race.
  const port = await listen(server, options.port ?? 0, host);
  service.PORT = port;
  const endpoint = `http://${host}:${port}`;
  const client = createSqsClient({ region, endpoint, maxAttempts: 3 });
  try {
    const redriveBy = options.redriveBy ?? 'consumer';
    const create = (name: LocalQueueName) =>
      createQueueWithDlq(client, { ...DEFAULT_LOCAL_QUEUES[name], ...options.queues?.[name] }, { redriveBy });
    const pipeline = await create('pipeline');
    const send = await create('send');
    const receipts = await create('receipts');
    const events = await create('events');
    return {
      endpoint,
      region,
      queueUrls: {
        pipeline: pipeline.url,
        send: send.url,
        receipts: receipts.url,
        events: events.url,
        pipelineDlq: pipeline.dlqUrl,
        sendDlq: send.dlqUrl,
        receiptsDlq: receipts.dlqUrl,
        eventsDlq: events.dlqUrl,
      },
      queues: { pipeline, send, receipts, events },
      consumers: {
        pipeline: consumerOptions(pipeline),
        send: consumerOptions(send),
        receipts: consumerOptions(receipts),
        events: consumerOptions(events),
      },
      stop: async () => {
        await close(server);
        // Drops the messages and their timers.
        service.resetAll();
      },
    };
  } catch (error) {
    await close(server);
    throw error;
  } finally {
    client.destroy();
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      const address = server.address();
      done(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((done) => {
    if (!server.listening) return done();
    server.close(() => done());
    // Long polls in progress would otherwise hold close() for up to 20 s.
    server.closeAllConnections();
  });
}
