import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  aTenantWithBroadcast,
  executeToCompletion,
  expectSettledRun,
  type PipelineRuntime,
  startPipelineRuntime,
  waitForCompletion,
} from '../support/pipeline-harness.js';
import type { WebhookSink } from '../support/webhook-sink.js';

/**
 * docs/design.md section 8, invariants 1-3 when the infrastructure misbehaves: SQS delivers every message
 * twice, DynamoDB throttles some calls (most retried by the SDK, some escaping its retries).
 */

const SCENARIO_MS = 180_000;
/**
 * Failed messages come back after 10 s instead of 30-60 s. The visibility timeout is also the handlers'
 * timeout, so not shorter: a chunk slowed down by throttling retries must still finish in time.
 */
const FAST_QUEUES = {
  queues: { pipeline: { visibilityTimeoutSeconds: 10 }, send: { visibilityTimeoutSeconds: 10 } },
};

describe('every SQS message delivered twice', () => {
  let pipeline: PipelineRuntime;
  let sink: WebhookSink;

  beforeAll(async () => {
    pipeline = await startPipelineRuntime({
      env: { WEBHOOK_TIMEOUT_MS: '2000' },
      faults: { duplicateDeliveryRate: 1, sqs: FAST_QUEUES },
    });
    sink = await pipeline.newSink();
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
  }, 120_000);

  it(
    'sends nobody twice and keeps the counters exact',
    async () => {
      // Prepare
      const { api, audience, broadcast } = await aTenantWithBroadcast(pipeline, sink, 150);

      // Act
      await executeToCompletion(api, broadcast.id);

      // Assess
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds, sink);
      expect(run.tally).toEqual({ sent: 150 });
      expect(pipeline.runtime.consumers.send.stats().duplicatesDelivered).toBeGreaterThan(0);
      expect(pipeline.runtime.consumers.pipeline.stats().duplicatesDelivered).toBeGreaterThan(0);
      // Every request the channel got was a claimed attempt: the duplicate deliveries never sent on their own.
      const unclaimed = run.executions.filter((e) => sink.requestsFor(e.contact_id).length > e.attempts);
      expect(unclaimed).toEqual([]);
    },
    SCENARIO_MS,
  );
});

/** Shared with the middleware: switched on only while the broadcast runs. */
interface Throttling {
  on: boolean;
  /** Every so many attempts, one is throttled before the request is made; the SDK retries it. */
  attemptEvery: number;
  /** Every so many commands, one has every attempt throttled, so the error escapes the SDK's retries. */
  escapeEvery: number;
  attempts: number;
  commands: number;
  injected: number;
  escapedCommands: number;
}

/** Like DynamoDB's own: a throttling error the SDK classifies as retryable. */
function throughputExceeded(): Error {
  return Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded'), {
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
    $retryable: { throttling: true },
    $metadata: { httpStatusCode: 400, requestId: 'injected-throttle', attempts: 1, totalRetryDelay: 0 },
  });
}

/** SDK middleware on the service's DynamoDB client: one decides per command, one throttles per attempt. */
function throttle(control: Throttling) {
  const doomed = Symbol('throttle every attempt');
  return (client: DynamoDBDocumentClient) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (control.on && ++control.commands % control.escapeEvery === 0) {
          (context as Record<symbol, unknown>)[doomed] = true;
          control.escapedCommands++;
        }
        return next(args);
      },
      { step: 'initialize', name: 'testThrottleEscapes' },
    );
    // After the retry middleware (finalizeRequest, high priority): runs once per attempt.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const doomedCommand = (context as Record<symbol, unknown>)[doomed] === true;
        if (control.on && (doomedCommand || ++control.attempts % control.attemptEvery === 0)) {
          control.injected++;
          throw throughputExceeded();
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'testThrottle' },
    );
  };
}

describe('DynamoDB throttling some calls', () => {
  let pipeline: PipelineRuntime;
  let sink: WebhookSink;
  const control: Throttling = {
    on: false,
    attemptEvery: 10,
    escapeEvery: 150,
    attempts: 0,
    commands: 0,
    injected: 0,
    escapedCommands: 0,
  };

  beforeAll(async () => {
    pipeline = await startPipelineRuntime({
      // Three attempts: an escaping throttle gives up after about a second, not half a minute.
      env: { DYNAMODB_MAX_ATTEMPTS: '3', SWEEP_IDLE_SECONDS: '5', WEBHOOK_TIMEOUT_MS: '2000' },
      hooks: { onDynamoDbClient: throttle(control) },
      faults: { sqs: FAST_QUEUES },
    });
    sink = await pipeline.newSink();
  }, 120_000);

  afterAll(async () => {
    control.on = false;
    await pipeline?.stop();
  }, 120_000);

  it(
    'still completes, everyone sent once, with exact counters',
    async () => {
      // Prepare
      const { api, audience, broadcast } = await aTenantWithBroadcast(pipeline, sink, 150);

      // Act
      await api.ok('POST', `/api/v1/broadcasts/${broadcast.id}/execute`);
      control.on = true;
      try {
        await waitForCompletion(api, broadcast.id, 75_000);
      } finally {
        control.on = false;
      }

      // Assess
      const run = await expectSettledRun(api, broadcast.id, audience.contactIds, sink);
      expect(run.tally).toEqual({ sent: 150 });
      expect(control.injected).toBeGreaterThan(20);
      expect(control.escapedCommands).toBeGreaterThan(0);
    },
    SCENARIO_MS,
  );
});
