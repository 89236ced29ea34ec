import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { handler } from '../../../functions/provider-events-worker.js';
import type { BroadcastExecution } from '../../../lib/domain/broadcast-execution.js';
import { logger } from '../../../lib/observability/logger.js';
import { getBroadcastStats } from '../../../lib/use-cases/broadcast-queries.js';
import { aBroadcast, aContact, anExecution, storeBroadcast } from '../../support/builders.js';
import { newTenantId } from '../../support/dynamodb.js';
import { type HandlerRuntime, startHandlerRuntime } from '../../support/handler-runtime.js';
import { lambdaContext, sqsEvent } from '../../support/lambda-events.js';
import { type EventTarget, sesEvent, smsEvent } from '../../support/provider-events.js';

// The events queue's consumer as Lambda invokes it: each SQS record's body is one EventBridge event, as the rules'
// SQS target delivers it.

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

async function aSentExecution(tenantId: string, broadcastId: string, overrides: Partial<BroadcastExecution> = {}) {
  const contact = aContact(tenantId, { email: 'ana@example.com' });
  await runtime.deps().contacts.create(contact);
  const execution = anExecution(tenantId, broadcastId, contact.id as ReturnType<typeof randomUUID>, {
    chunk: 0,
    attempts: 1,
    status: 'sent',
    messageId: `ses-${randomUUID()}`,
    ...overrides,
  });
  await runtime.deps().executions.writePlanned([execution]);
  const target: EventTarget = {
    tenantId,
    reference: { executionId: execution.id, broadcastId, chunk: 0, contactId: contact.id },
    messageId: execution.messageId ?? 'none',
    address: 'ana@example.com',
  };
  return { contact, execution, target };
}

describe('functions/provider-events-worker.ts', () => {
  it('applies a batch of SES and SMS events, leaving on the queue only what is not an event and the one that beat its send', async () => {
    // Prepare
    const tenantId = newTenantId();
    const broadcast = aBroadcast(tenantId, { status: 'running' });
    await storeBroadcast(runtime.deps(), broadcast);
    const bounced = await aSentExecution(tenantId, broadcast.id);
    const delivered = await aSentExecution(tenantId, broadcast.id);
    const sending = await aSentExecution(tenantId, broadcast.id, { status: 'sending', messageId: undefined });
    const event = sqsEvent(
      [
        sesEvent('bounce', bounced.target),
        'not json',
        smsEvent('TEXT_DELIVERED', delivered.target),
        sesEvent('bounce', { ...sending.target, messageId: 'ses-not-yet-recorded' }),
        { source: 'aws.ses', detail: {} },
      ],
      runtime.sqs.queues.events.arn,
    );
    const [, notJson, , early, notAnEvent] = event.Records.map((record) => record.messageId);

    // Act
    const response = await handler(event, lambdaContext('provider-events-worker'));

    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([notJson, early, notAnEvent].sort());
    expect(await getBroadcastStats(runtime.deps(), tenantId, broadcast.id)).toMatchObject({
      delivered: 1,
      deliveryFailed: 1,
    });
    expect((await runtime.deps().contacts.findById(tenantId, bounced.contact.id))?.suppressions?.email).toMatchObject({
      reason: 'bounce',
      address: 'ana@example.com',
    });
  });

  it('answers an empty failure list for a batch applied, and again for its redelivery', async () => {
    // Prepare
    const tenantId = newTenantId();
    const broadcastId = randomUUID();
    const sent = await aSentExecution(tenantId, broadcastId);
    const body = sesEvent('bounce', sent.target);

    // Act
    const first = await handler(sqsEvent([body]), lambdaContext('provider-events-worker'));
    const again = await handler(sqsEvent([body]), lambdaContext('provider-events-worker'));

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(again).toEqual({ batchItemFailures: [] });
    const [stored] = await runtime.deps().executions.listChunk(tenantId, broadcastId, 0);
    expect(stored).toMatchObject({ deliveryStatus: 'failed' });
  });
});
