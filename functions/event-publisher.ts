import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { deriveDomainEvents } from '../lib/adapters/dynamodb/stream/derive-domain-events.js';
import { getEventPublisher } from '../lib/composition-root.js';
import { logger } from '../lib/observability/logger.js';
import { observedHandler } from '../lib/observability/observed-handler.js';

/**
 * The outbox relay: the table's stream (DynamoDB Streams event source, or the local stream poller) in, the seed's
 * domain events out (EventBridge in AWS; events.jsonl and the log locally). An event exists only for a committed
 * change; a publish that fails reports the batch's first record as failed, so the event source retries the whole
 * batch (the aggregates are per batch) instead of losing it. Retried events carry the same `event_id`.
 */
export const handler = observedHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>().handler(async (event) => {
  const records = event.Records ?? [];
  if (records.length === 0) return { batchItemFailures: [] };
  const { config, publisher } = getEventPublisher();
  const events = deriveDomainEvents(records, { perMessageEvents: config.DOMAIN_EVENTS_PER_MESSAGE });
  try {
    await publisher.publish(events);
    return { batchItemFailures: [] };
  } catch (error) {
    const first = records[0]?.dynamodb?.SequenceNumber;
    logger.error('domain events not published; the stream batch will be retried', {
      error,
      records: records.length,
      events: events.length,
    });
    if (!first) throw error;
    return { batchItemFailures: [{ itemIdentifier: first }] };
  }
});
