import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { handler } from '../../../functions/event-publisher.js';
import { EVENTS_FILE, type LocalEventLine } from '../../../lib/adapters/events/local-event-publisher.js';
import { type HandlerRuntime, startHandlerRuntime } from '../../support/handler-runtime.js';
import { eventFixture, lambdaContext } from '../../support/lambda-events.js';

let runtime: HandlerRuntime;

afterEach(async () => {
  await runtime.stop();
});

/** The domain events published so far (the local publisher: one JSON line each in DATA_DIR/events.jsonl). */
function published(dataDir: string): LocalEventLine[] {
  return readFileSync(join(dataDir, EVENTS_FILE), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LocalEventLine);
}

describe('functions/event-publisher.ts', () => {
  it('publishes the domain events of a stream batch, in order, and reports no failure', async () => {
    // Prepare: a contact list inserted, then a broadcast going from draft to running
    runtime = await startHandlerRuntime({ env: { EVENT_SOURCE: 'broadcast-service.test' } });
    const batch = eventFixture('dynamodb-stream-batch');
    const [listRecord, broadcastRecord] = batch.Records;

    // Act
    const response = await handler(batch, lambdaContext('event-publisher', 60_000));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(published(runtime.dataDir)).toEqual([
      expect.objectContaining({
        source: 'broadcast-service.test',
        'detail-type': 'contact_list.created',
        detail: expect.objectContaining({
          contact_list_id: listRecord?.dynamodb?.NewImage?.id?.S,
          event_id: listRecord?.eventID,
        }),
      }),
      expect.objectContaining({
        'detail-type': 'broadcast.started',
        detail: expect.objectContaining({
          broadcast_id: broadcastRecord?.dynamodb?.NewImage?.id?.S,
          status: 'running',
          event_id: broadcastRecord?.eventID,
        }),
      }),
    ]);
  });

  it("reports the batch's first record as failed when the events cannot be published, so the batch is retried", async () => {
    // Prepare: a DATA_DIR that cannot be created, so the local publisher cannot write events.jsonl
    runtime = await startHandlerRuntime({ env: { DATA_DIR: '/dev/null/events' } });
    const batch = eventFixture('dynamodb-stream-batch');

    // Act
    const response = await handler(batch, lambdaContext('event-publisher', 60_000));

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: batch.Records[0]?.dynamodb?.SequenceNumber }] });
  });

  it('does nothing for an empty batch', async () => {
    // Prepare
    runtime = await startHandlerRuntime();

    // Act
    const response = await handler({ Records: [] }, lambdaContext('event-publisher', 60_000));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
