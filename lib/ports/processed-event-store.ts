/** What an automation event did, as answered to its sender and remembered for its duplicates. */
export interface TriggerOutcome {
  /** `started`: a broadcast started; `left_scheduled`: it stays scheduled; `ignored`: nothing to do (see reason). */
  result: 'started' | 'left_scheduled' | 'ignored';
  /** The broadcast that was acted on: the child broadcast of a `contact_ids` trigger. */
  broadcastId: string;
  /** Why nothing was done (`ignored`), e.g. `broadcast_running`, `duplicate_event`. */
  reason?: string;
}

export type EventClaim =
  /** This caller processes the event now, until its lease runs out. */
  | { state: 'claimed' }
  /** Processed already: a redelivery. The first outcome is returned again. */
  | { state: 'done'; outcome: TriggerOutcome }
  /** Another caller holds an unexpired lease on it (a concurrent duplicate): try again later. */
  | { state: 'in_progress' };

/**
 * Idempotency records of automation events, by the event's id (EventBridge's `id`): a redelivered event is
 * processed once. A claim is a lease, so an event whose processor died is taken over once the lease expires;
 * records expire on their own (TTL) after the redelivery window.
 */
export interface ProcessedEventStore {
  claim(
    tenantId: string,
    eventId: string,
    lease: { nowMs: number; untilMs: number; expiresAtSeconds: number },
  ): Promise<EventClaim>;
  complete(tenantId: string, eventId: string, outcome: TriggerOutcome, expiresAtSeconds: number): Promise<void>;
  /** Gives a claim up (processing failed and will be retried): the next delivery processes the event. */
  release(tenantId: string, eventId: string): Promise<void>;
}
