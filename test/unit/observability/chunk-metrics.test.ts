import { envForFile } from '../../support/env.js';
import { jsonOutputOfEachTest } from './json-output.js';
import { aLambdaContext } from './lambda-context.js';

// Metrics on, on purpose (as in Lambda), for a tenant stage; the modules read this when they are created.
envForFile({ POWERTOOLS_METRICS_DISABLED: 'false', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', STAGE: 'acme-prod' });
const { publishChunkMetrics } = await import('../../../lib/observability/chunk-metrics.js');
const { observedHandler } = await import('../../../lib/observability/observed-handler.js');

const stdout = jsonOutputOfEachTest();

const emf = () => stdout.lines().filter((line) => '_aws' in line);

describe('publishChunkMetrics', () => {
  it("writes one EMF document per chunk: its counts and latency, by service and stage, with the chunk's ids as properties", () => {
    // Act
    publishChunkMetrics({ result: 'counted', sent: 7, failed: 2, skipped: 1, throttled: 3 }, 125, {
      tenantId: 'acme',
      broadcastId: 'b-1',
      chunk: 4,
    });

    // Assess
    const documents = emf();
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'BroadcastService',
            Dimensions: [['service', 'stage']],
            Metrics: [
              { Name: 'MessagesSent', Unit: 'Count' },
              { Name: 'MessagesFailed', Unit: 'Count' },
              { Name: 'MessagesSkipped', Unit: 'Count' },
              { Name: 'Throttles', Unit: 'Count' },
              { Name: 'ChunkLatency', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      service: 'broadcast-service',
      stage: 'acme-prod',
      MessagesSent: 7,
      MessagesFailed: 2,
      MessagesSkipped: 1,
      Throttles: 3,
      ChunkLatency: 125,
      tenantId: 'acme',
      broadcastId: 'b-1',
      chunk: '4',
      result: 'counted',
    });
  });

  it('keeps the documents of chunks handled in the same invocation apart', () => {
    // Act
    for (const broadcastId of ['b-1', 'b-2']) {
      publishChunkMetrics({ result: 'counted', sent: 1, failed: 0, skipped: 0, throttled: 0 }, 10, {
        tenantId: 'acme',
        broadcastId,
        chunk: 0,
      });
    }

    // Assess
    expect(emf().map((document) => [document.broadcastId, document.MessagesSent])).toEqual([
      ['b-1', 1],
      ['b-2', 1],
    ]);
  });
});

describe('observedHandler with metrics on', () => {
  it('writes a ColdStart metric on the first invocation only', async () => {
    // Prepare
    const handler = observedHandler<unknown, void>().handler(async () => undefined);

    // Act
    await handler({}, aLambdaContext('req-1', 'broadcast-acme-prod-health'));
    await handler({}, aLambdaContext('req-2', 'broadcast-acme-prod-health'));

    // Assess
    expect(emf()).toEqual([
      expect.objectContaining({
        ColdStart: 1,
        service: 'broadcast-service',
        stage: 'acme-prod',
        function_name: 'broadcast-acme-prod-health',
      }),
    ]);
  });
});
