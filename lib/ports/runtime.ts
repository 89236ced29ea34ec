import type { DomainEvent } from '../domain/events.js';

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  newId(): string;
}

/** Receives the domain events of changes that have committed. */
export interface EventRecorder {
  record(events: readonly DomainEvent[]): Promise<void>;
}
