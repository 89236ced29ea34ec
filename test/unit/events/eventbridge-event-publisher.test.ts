import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  EventBridgeEventPublisher,
  EventPublishError,
} from '../../../lib/adapters/eventbridge/eventbridge-event-publisher.js';
import type { DomainEvent } from '../../../lib/domain/events.js';

const eventBridgeMock = mockClient(EventBridgeClient);
const BUS = 'broadcast-acme-prod';

function publisher(maxAttempts = 3) {
  return new EventBridgeEventPublisher(new EventBridgeClient({ region: 'eu-west-1' }), {
    eventBusName: BUS,
    source: 'broadcast-service',
    maxAttempts,
    retryBaseMs: 1,
  });
}

function started(n: number): DomainEvent {
  return {
    name: 'broadcast.started',
    tenantId: 'acme',
    occurredAt: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`,
    detail: { broadcast_id: `b-${n}`, list_id: 'l-1', status: 'running', event_id: `e-${n}` },
  };
}

const ok = (count: number) => ({
  FailedEntryCount: 0,
  Entries: Array.from({ length: count }, (_, i) => ({ EventId: `id-${i}` })),
});

beforeEach(() => eventBridgeMock.reset());

describe('EventBridgeEventPublisher', () => {
  it('puts each event with detail-type = its name, the ids and tenant in detail, on the stage bus', async () => {
    // Prepare
    eventBridgeMock.on(PutEventsCommand).resolves(ok(1));

    // Act
    await publisher().publish([started(1)]);

    // Assess
    expect(eventBridgeMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(eventBridgeMock).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          EventBusName: BUS,
          Source: 'broadcast-service',
          DetailType: 'broadcast.started',
          Detail: JSON.stringify({
            tenant_id: 'acme',
            broadcast_id: 'b-1',
            list_id: 'l-1',
            status: 'running',
            event_id: 'e-1',
            occurred_at: '2026-01-01T00:00:01.000Z',
          }),
          Time: new Date('2026-01-01T00:00:01.000Z'),
        },
      ],
    });
  });

  it('sends at most 10 entries per request, in order', async () => {
    // Prepare
    eventBridgeMock.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ok(input.Entries.length));

    // Act
    await publisher().publish(Array.from({ length: 23 }, (_, i) => started(i)));

    // Assess
    const calls = eventBridgeMock.commandCalls(PutEventsCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    const ids = calls.flatMap((call) => call.args[0].input.Entries ?? []).map((e) => JSON.parse(e.Detail ?? '{}'));
    expect(ids.map((detail) => detail.broadcast_id)).toEqual(Array.from({ length: 23 }, (_, i) => `b-${i}`));
  });

  it('keeps a request under 256 KB', async () => {
    // Prepare
    eventBridgeMock.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ok(input.Entries.length));
    const big = (n: number): DomainEvent => ({ ...started(n), detail: { blob: 'x'.repeat(100 * 1024) } });

    // Act
    await publisher().publish([big(1), big(2), big(3)]);

    // Assess
    expect(eventBridgeMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([2, 1]);
  });

  it('sends again exactly the entries EventBridge failed (FailedEntryCount), then succeeds', async () => {
    // Prepare
    eventBridgeMock
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
          { EventId: 'c' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        ],
      })
      .resolves(ok(2));

    // Act
    await publisher().publish([started(1), started(2), started(3), started(4)]);

    // Assess
    const calls = eventBridgeMock.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.Entries?.map((e) => JSON.parse(e.Detail ?? '{}').broadcast_id)).toEqual([
      'b-2',
      'b-4',
    ]);
  });

  it('throws, naming the error codes, when entries still fail after the last attempt', async () => {
    // Prepare
    eventBridgeMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
    });

    // Act
    const outcome = publisher(3).publish([started(1)]);

    // Assess
    await expect(outcome).rejects.toThrow(EventPublishError);
    await expect(outcome).rejects.toThrow(/ThrottlingException/);
    expect(eventBridgeMock).toHaveReceivedCommandTimes(PutEventsCommand, 3);
  });

  it('propagates a failed request (the stream retries the batch) and sends nothing for no events', async () => {
    // Prepare
    eventBridgeMock.on(PutEventsCommand).rejects(new Error('network down'));

    // Act / Assess
    await expect(publisher().publish([started(1)])).rejects.toThrow('network down');
    eventBridgeMock.reset();
    await publisher().publish([]);
    expect(eventBridgeMock).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });
});
