import type { DomainEvent } from '../domain/events.js';
import { logger } from '../observability/logger.js';
import type { EventRecorder } from '../ports/runtime.js';

/**
 * Records the domain events a use case caused, at debug level: the published events come from the table's
 * stream (functions/event-publisher.ts), which sees only what committed.
 */
export class LoggingEventRecorder implements EventRecorder {
  async record(events: readonly DomainEvent[]): Promise<void> {
    for (const event of events) logger.debug('domain event', { event });
  }
}
