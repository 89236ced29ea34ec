import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { DomainEvent } from '../../domain/events.js';
import { tracer } from '../../observability/tracer.js';
import { type EventPublisher, publishedDetail } from '../../ports/event-publisher.js';
import { retry } from '../../retry.js';

/** PutEvents takes at most 10 entries and 256 KB per request. */
export const MAX_ENTRIES_PER_REQUEST = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

export interface EventBridgePublisherOptions {
  eventBusName: string;
  source: string;
  /** Requests per batch for the entries EventBridge reported failed (throttling, internal errors). @default 4 */
  maxAttempts?: number;
  /** Longest first pause before retrying failed entries (half of it at least); doubles per attempt. @default 100 */
  retryBaseMs?: number;
}

interface PublishFailure {
  event: DomainEvent;
  errorCode?: string;
  errorMessage?: string;
}

export class EventPublishError extends Error {
  constructor(
    message: string,
    readonly failed: readonly PublishFailure[],
  ) {
    super(message);
    this.name = 'EventPublishError';
  }
}

/** Captured for X-Ray in Lambda (a no-op elsewhere). */
export function createEventBridgeClient(settings: { region: string; maxAttempts?: number }): EventBridgeClient {
  return tracer.captureAWSv3Client(
    new EventBridgeClient({ region: settings.region, maxAttempts: settings.maxAttempts ?? 5 }),
  );
}

/**
 * Domain events onto the stage's bus: `detail-type` = the event name, `detail` = the ids (publishedDetail).
 * Batches go out one after the other in event order; within a batch the entries EventBridge failed
 * (FailedEntryCount) are sent again, alone, with backoff; what still fails throws, so the stream retries.
 */
export class EventBridgeEventPublisher implements EventPublisher {
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventBridgePublisherOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.retryBaseMs = options.retryBaseMs ?? 100;
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (const batch of batches(events.map((event) => ({ event, entry: this.entry(event) })))) {
      await this.putBatch(batch);
    }
  }

  entry(event: DomainEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.options.eventBusName,
      Source: this.options.source,
      DetailType: event.name,
      Detail: JSON.stringify(publishedDetail(event)),
      Time: new Date(event.occurredAt),
    };
  }

  private async putBatch(batch: readonly Pending[]): Promise<void> {
    let pending = batch;
    await retry(
      async (attempt) => {
        const result = await this.client.send(new PutEventsCommand({ Entries: pending.map(({ entry }) => entry) }));
        if (!result.FailedEntryCount) return;
        const entries: PutEventsResultEntry[] = result.Entries ?? [];
        const stillPending: Pending[] = [];
        const failures: PublishFailure[] = [];
        pending.forEach((item, index) => {
          const outcome = entries[index];
          // No result entry for an input entry: treat it as failed rather than assume it went out.
          if (!outcome || outcome.ErrorCode || !outcome.EventId) {
            stillPending.push(item);
            failures.push({
              event: item.event,
              ...(outcome?.ErrorCode ? { errorCode: outcome.ErrorCode } : {}),
              ...(outcome?.ErrorMessage ? { errorMessage: outcome.ErrorMessage } : {}),
            });
          }
        });
        pending = stillPending;
        if (pending.length === 0) return;
        const codes = [...new Set(failures.map((failure) => failure.errorCode ?? 'unknown'))].join(', ');
        throw new EventPublishError(
          `EventBridge refused ${pending.length} event(s) after ${attempt} attempts (${codes})`,
          failures,
        );
      },
      {
        maxAttempts: this.maxAttempts,
        baseDelayMs: this.retryBaseMs,
        retryable: (error) => error instanceof EventPublishError,
      },
    );
  }
}

interface Pending {
  event: DomainEvent;
  entry: PutEventsRequestEntry;
}

/** EventBridge's entry size: Source, DetailType, Detail, Resources and Time (14 bytes) count. */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (text: string | undefined) => (text ? Buffer.byteLength(text, 'utf8') : 0);
  return (
    14 +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

function batches(items: readonly Pending[]): Pending[][] {
  const out: Pending[][] = [];
  let current: Pending[] = [];
  let size = 0;
  for (const item of items) {
    const itemSize = entrySize(item.entry);
    if (itemSize > MAX_REQUEST_BYTES) {
      throw new EventPublishError(`event ${item.event.name} is ${itemSize} bytes, over EventBridge's 256 KB`, [
        { event: item.event, errorCode: 'EntryTooLarge' },
      ]);
    }
    if (current.length === MAX_ENTRIES_PER_REQUEST || size + itemSize > MAX_REQUEST_BYTES) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += itemSize;
  }
  if (current.length > 0) out.push(current);
  return out;
}
