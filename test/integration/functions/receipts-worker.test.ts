import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { handler } from '../../../functions/receipts-worker.js';
import type { BroadcastExecution } from '../../../lib/domain/broadcast-execution.js';
import { formatExecutionReference } from '../../../lib/domain/execution-reference.js';
import { logger } from '../../../lib/observability/logger.js';
import type { ReceiptsMessage } from '../../../lib/ports/receipts.js';
import { getBroadcastStats } from '../../../lib/use-cases/broadcast-queries.js';
import { aBroadcast, anExecution, storeBroadcast } from '../../support/builders.js';
import { newTenantId } from '../../support/dynamodb.js';
import { type HandlerRuntime, startHandlerRuntime } from '../../support/handler-runtime.js';
import { lambdaContext, sqsEvent } from '../../support/lambda-events.js';

let runtime: HandlerRuntime;
let errors: jest.SpiedFunction<typeof logger.error>;

beforeAll(async () => {
  runtime = await startHandlerRuntime();
  errors = jest.spyOn(logger, 'error').mockImplementation(() => {});
});

afterAll(async () => {
  errors.mockRestore();
  await runtime.stop();
});

const consume = (bodies: readonly unknown[]) =>
  handler(sqsEvent(bodies, runtime.sqs.queues.receipts.arn), lambdaContext('receipts-worker'));

async function anExecutionOf(tenantId: string, broadcastId: string, overrides: Partial<BroadcastExecution>) {
  const execution = anExecution(tenantId, broadcastId, randomUUID(), { chunk: 0, attempts: 1, ...overrides });
  await runtime.deps().executions.writePlanned([execution]);
  return execution;
}

const reference = (e: BroadcastExecution) =>
  formatExecutionReference({ executionId: e.id, broadcastId: e.broadcastId, chunk: 0, contactId: e.contactId });

describe('functions/receipts-worker.ts', () => {
  it('applies a batch, leaving on the queue only the malformed message and the one that beat its send', async () => {
    // Prepare
    const tenantId = newTenantId();
    const broadcast = aBroadcast(tenantId, { status: 'running' });
    await storeBroadcast(runtime.deps(), broadcast);
    const sent = await anExecutionOf(tenantId, broadcast.id, { status: 'sent', messageId: 'wamid.sent' });
    const sending = await anExecutionOf(tenantId, broadcast.id, { status: 'sending' });
    const receipt = (e: BroadcastExecution, messageId: string, status: 'delivered' | 'read') => ({
      messageId,
      status,
      timestamp: '2026-01-01T00:00:00.000Z',
      reference: reference(e),
    });
    const message = (receipts: ReceiptsMessage['receipts']): ReceiptsMessage => ({
      tenantId,
      channelId: randomUUID(),
      receipts,
    });
    const event = sqsEvent(
      [
        message([receipt(sent, 'wamid.sent', 'read')]),
        '{"tenantId":',
        message([receipt(sending, 'wamid.later', 'delivered')]),
        message([receipt(sent, 'wamid.sent', 'delivered')]),
      ],
      runtime.sqs.queues.receipts.arn,
    );
    const [, malformed, early] = event.Records.map((record) => record.messageId);

    // Act
    const response = await handler(event, lambdaContext('receipts-worker'));

    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([malformed, early].sort());
    expect(await getBroadcastStats(runtime.deps(), tenantId, broadcast.id)).toMatchObject({
      delivered: 1,
      read: 1,
      deliveryFailed: 0,
    });
  });

  it('answers an empty failure list for a batch fully applied, and again for its redelivery', async () => {
    // Prepare
    const tenantId = newTenantId();
    const broadcastId = randomUUID();
    const sent = await anExecutionOf(tenantId, broadcastId, { status: 'sent', messageId: 'wamid.1' });
    const body: ReceiptsMessage = {
      tenantId,
      channelId: randomUUID(),
      receipts: [
        { messageId: 'wamid.1', status: 'failed', timestamp: '2026-01-01T00:00:00.000Z', reference: reference(sent) },
      ],
    };

    // Act
    const first = await consume([body]);
    const again = await consume([body]);

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(again).toEqual({ batchItemFailures: [] });
    const [stored] = await runtime.deps().executions.listChunk(tenantId, broadcastId, 0);
    expect(stored).toMatchObject({ deliveryStatus: 'failed' });
  });
});
