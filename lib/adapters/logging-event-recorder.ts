import type { DomainEvent } from '../domain/events.js';
import { logger } from '../observability/logger.js';
import type { EventRecorder } from '../ports/runtime.js';

/** Records committed domain events in the log until they are published to EventBridge. */
export class LoggingEventRecorder implements EventRecorder {
  async record(events: readonly DomainEvent[]): Promise<void> {
    for (const event of events) logger.info('domain event', { event });
  }
}
