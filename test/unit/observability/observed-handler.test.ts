import { beforeEach } from '@jest/globals';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { envForFile } from '../../support/env.js';
import { jsonOutputOfEachTest } from './json-output.js';
import { aLambdaContext, rendezvous } from './lambda-context.js';

// As Lambda sets it for an on-demand environment, so that its first invocation is a cold start; read by Powertools
// when the logger is created, hence the imports after it.
// The level these lines are logged at, whatever the run's environment says (the integration project's global set-up
// lowers it to WARN for every worker): the handler stack goes back to the environment's level at each invocation.
envForFile({ AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', POWERTOOLS_LOG_LEVEL: 'INFO' });
const { sqsBatchHandler } = await import('../../../lib/adapters/sqs/sqs-batch-handler.js');
const { withLogKeys } = await import('../../../lib/observability/log-scope.js');
const { logger } = await import('../../../lib/observability/logger.js');
const { observedHandler } = await import('../../../lib/observability/observed-handler.js');

const stdout = jsonOutputOfEachTest();

beforeEach(() => {
  logger.setLogLevel('INFO');
});

const linesSaying = (message: string) => stdout.lines().filter((line) => line.message === message);

function sqsRecord(messageId: string, body: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'sender',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:send',
    awsRegion: 'eu-west-1',
  };
}

describe('observedHandler', () => {
  it('puts the request id, function and cold start on every line, and clears keys appended during an invocation', async () => {
    // Prepare
    const handler = observedHandler<{ n: number }, void>().handler(async (event) => {
      logger.appendKeys({ invocation: event.n });
      logger.info('handling');
    });

    // Act
    await handler({ n: 1 }, aLambdaContext('req-1'));
    await handler({ n: 2 }, aLambdaContext('req-2'));
    logger.info('between invocations');

    // Assess
    expect(linesSaying('handling')).toEqual([
      expect.objectContaining({
        service: 'broadcast-service',
        function_name: 'broadcast-acme-prod-sender',
        function_request_id: 'req-1',
        cold_start: true,
        invocation: 1,
      }),
      expect.objectContaining({ function_request_id: 'req-2', cold_start: false, invocation: 2 }),
    ]);
    expect(linesSaying('between invocations')[0]).not.toHaveProperty('invocation');
  });
});

describe('log scopes', () => {
  it('put the keys of the scope on the lines written in it, each side-by-side scope its own', async () => {
    // Prepare
    const together = rendezvous(2);
    const work = (broadcastId: string) =>
      withLogKeys({ broadcastId }, async () => {
        await together();
        logger.info('in scope');
        await withLogKeys({ chunk: 7 }, async () => logger.info('nested'));
        logger.info('explicit wins', { broadcastId: 'explicit' });
      });

    // Act
    await Promise.all([work('b-1'), work('b-2')]);
    logger.info('out of scope');

    // Assess
    expect(linesSaying('in scope').map((line) => line.broadcastId)).toEqual(['b-1', 'b-2']);
    expect(linesSaying('nested').map((line) => [line.broadcastId, line.chunk])).toEqual([
      ['b-1', 7],
      ['b-2', 7],
    ]);
    expect(linesSaying('explicit wins').map((line) => line.broadcastId)).toEqual(['explicit', 'explicit']);
    expect(linesSaying('out of scope')[0]).not.toHaveProperty('broadcastId');
  });

  it("carry each queue record's ids while it is handled, though a batch's records are handled side by side", async () => {
    // Prepare
    const together = rendezvous(2);
    const schema = z.object({ tenantId: z.string(), broadcastId: z.string(), chunk: z.number() });
    const handler = sqsBatchHandler(schema, async () => {
      await together();
      logger.info('sending');
    });
    const event: SQSEvent = {
      Records: [
        sqsRecord('m-1', { tenantId: 'acme', broadcastId: 'b-1', chunk: 0 }),
        sqsRecord('m-2', { tenantId: 'acme', broadcastId: 'b-2', chunk: 5 }),
      ],
    };

    // Act
    const response = await handler(event, aLambdaContext('req-1'));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const ids = linesSaying('sending').map(({ messageId, tenantId, broadcastId, chunk }) => ({
      messageId,
      tenantId,
      broadcastId,
      chunk,
    }));
    expect(ids).toEqual([
      { messageId: 'm-1', tenantId: 'acme', broadcastId: 'b-1', chunk: 0 },
      { messageId: 'm-2', tenantId: 'acme', broadcastId: 'b-2', chunk: 5 },
    ]);
  });
});
