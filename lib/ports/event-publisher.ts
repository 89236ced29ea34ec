import type { DomainEvent } from '../domain/events.js';

/** Where domain events leave the service: the stage's EventBridge bus in AWS, `events.jsonl` and the log locally. */
export interface EventPublisher {
  /** Publishes the events in order; throws when some could not be published (the caller retries the whole lot). */
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/** The `source` of every published domain event unless EVENT_SOURCE says otherwise. */
export const DEFAULT_EVENT_SOURCE = 'broadcast-service';

/** The event's `detail` as published: snake_case, the tenant and the time next to the ids. */
export function publishedDetail(event: DomainEvent): Record<string, unknown> {
  return { tenant_id: event.tenantId, ...event.detail, occurred_at: event.occurredAt };
}
