import { jest } from '@jest/globals';
import { z } from 'zod';
import { sqsBatchHandler, sqsWholeBatchHandler } from '../../../lib/adapters/sqs/sqs-batch-handler.js';
import { logger } from '../../../lib/observability/logger.js';
import { lambdaContext, sqsEvent } from '../../support/lambda-events.js';

const schema = z.strictObject({ n: z.int() });

describe('sqsBatchHandler', () => {
  let logged: jest.SpiedFunction<typeof logger.error>;

  beforeEach(() => {
    logged = jest.spyOn(logger, 'error').mockImplementation(() => {});
  });

  afterEach(() => {
    logged.mockRestore();
  });

  it('hands each well-formed record to the handler and reports no failure', async () => {
    // Prepare
    const handled: number[] = [];
    const handler = sqsBatchHandler(schema, async ({ n }) => {
      handled.push(n);
    });

    // Act
    const response = await handler(sqsEvent([{ n: 1 }, { n: 2 }]), lambdaContext('consumer'));

    // Assess
    expect(handled).toEqual([1, 2]);
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('reports a record that is not JSON, or does not match the schema, as failed, and still handles the others', async () => {
    // Prepare
    const handled: number[] = [];
    const handler = sqsBatchHandler(schema, async ({ n }) => {
      handled.push(n);
    });
    const event = sqsEvent([{ n: 1 }, 'not json {', { n: 'two' }, { n: 3, extra: true }, { n: 4 }]);
    const [, notJson, wrongType, unknownField] = event.Records.map((record) => record.messageId);

    // Act
    const response = await handler(event, lambdaContext('consumer'));

    // Assess: SQS redelivers them, and after the queue's maxReceiveCount moves them to its DLQ
    expect(handled).toEqual([1, 4]);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      notJson,
      wrongType,
      unknownField,
    ]);
  });

  it('logs a malformed record once, with its message id', async () => {
    // Prepare
    const handler = sqsBatchHandler(schema, async () => {});
    const event = sqsEvent(['not json {']);

    // Act
    await handler(event, lambdaContext('consumer'));

    // Assess
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]?.[1]).toMatchObject({ messageId: event.Records[0]?.messageId });
  });

  it('reports a record whose handling throws as failed and logs why', async () => {
    // Prepare
    const warned = jest.spyOn(logger, 'warn').mockImplementation(() => {});
    const handler = sqsBatchHandler(schema, async ({ n }) => {
      if (n === 2) throw new Error('DynamoDB went away');
    });
    const event = sqsEvent([{ n: 1 }, { n: 2 }]);
    const failing = event.Records[1]?.messageId;

    // Act
    const response = await handler(event, lambdaContext('consumer'));

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: failing }] });
    expect(warned.mock.calls.map(([message, extra]) => [message, (extra as { error: Error }).error.message])).toEqual([
      ['queue message failed; it comes back after its visibility timeout', 'DynamoDB went away'],
    ]);
    warned.mockRestore();
  });

  it('reports every record of a batch that only holds malformed ones, instead of failing the invocation', async () => {
    // Prepare
    const handler = sqsBatchHandler(schema, async () => {});
    const event = sqsEvent(['', 'null']);

    // Act
    const response = await handler(event, lambdaContext('consumer'));

    // Assess
    expect(response.batchItemFailures).toHaveLength(2);
  });

  it('reports a record whose handler fails, alone', async () => {
    // Prepare
    const handler = sqsBatchHandler(schema, async ({ n }) => {
      if (n === 2) throw new Error('DynamoDB is down');
    });
    const event = sqsEvent([{ n: 1 }, { n: 2 }]);

    // Act
    const response = await handler(event, lambdaContext('consumer'));

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]?.messageId }] });
  });
});

describe('sqsWholeBatchHandler', () => {
  let logged: jest.SpiedFunction<typeof logger.error>;

  beforeEach(() => {
    logged = jest.spyOn(logger, 'error').mockImplementation(() => {});
  });

  afterEach(() => {
    logged.mockRestore();
  });

  it('hands the well-formed messages over together and fails the malformed ones and those it asks to retry', async () => {
    // Prepare
    const seen: number[][] = [];
    const handler = sqsWholeBatchHandler(schema, async (messages) => {
      seen.push(messages.map(({ n }) => n));
      return new Set([1]); // the second well-formed message: { n: 3 }
    });
    const event = sqsEvent([{ n: 1 }, 'not json {', { n: 3 }, { n: 4 }]);
    const [, notJson, retried] = event.Records.map((record) => record.messageId);

    // Act
    const response = await handler(event);

    // Assess
    expect(seen).toEqual([[1, 3, 4]]);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([notJson, retried]);
  });

  it('fails every well-formed record when the handler throws, and logs it', async () => {
    // Prepare
    const handler = sqsWholeBatchHandler(schema, async () => {
      throw new Error('table unavailable');
    });
    const event = sqsEvent([{ n: 1 }, { n: 2 }]);

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      event.Records.map((record) => record.messageId),
    );
    expect(logged).toHaveBeenCalledWith('batch failed; its messages stay on the queue', expect.anything());
  });

  it('does not call the handler for a batch with nothing well-formed in it', async () => {
    // Prepare
    let calls = 0;
    const handler = sqsWholeBatchHandler(schema, async () => {
      calls++;
      return new Set<number>();
    });

    // Act
    const response = await handler(sqsEvent(['{', { n: 'x' }]));

    // Assess
    expect(calls).toBe(0);
    expect(response.batchItemFailures).toHaveLength(2);
  });
});
