import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DomainEvent } from '../../domain/events.js';
import { logger } from '../../observability/logger.js';
import { type EventPublisher, publishedDetail } from '../../ports/event-publisher.js';

export const EVENTS_FILE = 'events.jsonl';

/** One published event as the local runtime writes it: the fields an EventBridge rule would see. */
export interface LocalEventLine {
  source: string;
  'detail-type': string;
  time: string;
  detail: Record<string, unknown>;
}

/**
 * The local stand-in for the stage's bus: each event is one JSON line appended to `${dataDir}/events.jsonl`
 * (when a data directory is set) and one line in the server log, in the order given.
 */
export class LocalEventPublisher implements EventPublisher {
  constructor(private readonly options: { source: string; dataDir?: string | undefined }) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    const lines: LocalEventLine[] = events.map((event) => ({
      source: this.options.source,
      'detail-type': event.name,
      time: event.occurredAt,
      detail: publishedDetail(event),
    }));
    if (this.options.dataDir) {
      await mkdir(this.options.dataDir, { recursive: true });
      // One append per batch: the lines of a batch never interleave with another's.
      await appendFile(
        join(this.options.dataDir, EVENTS_FILE),
        lines.map((line) => `${JSON.stringify(line)}\n`).join(''),
      );
    }
    for (const line of lines) logger.info('domain event published', { event: line });
  }
}
