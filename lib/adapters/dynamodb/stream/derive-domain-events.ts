import type { DynamoDBRecord } from 'aws-lambda';
import type { DomainEvent } from '../../../domain/events.js';
import { broadcastEvents } from './broadcast-events.js';
import { listChangeEvent, MemberChanges } from './contact-list-events.js';
import { entityOf, type ItemChange, readItemChange } from './item-change.js';
import { deliveryEvents, messageEvent } from './message-events.js';
import { progressEvent } from './progress-events.js';

/**
 * The outbox, read from the table's stream: the seed's domain events derived from committed item changes
 * (DynamoDB Streams, NEW_AND_OLD_IMAGES). An event exists only for a change that committed, whatever path made it
 * (API, pipeline, scheduler, sweeper, automation), and the stream keeps it until it has been published. This is
 * the only way domain events are made: use cases write state and nothing else.
 *
 * | item (entity)    | change                                         | event(s)                                      |
 * |------------------|------------------------------------------------|-----------------------------------------------|
 * | broadcast        | INSERT                                         | created (+ scheduled when inserted scheduled) |
 * | broadcast        | MODIFY, status changed                         | TRANSITION_EVENTS (scheduled ... cancelled)   |
 * | broadcast        | MODIFY, still scheduled, new scheduled_for     | scheduled (a reschedule)                      |
 * | broadcast        | MODIFY of a draft (version or updatedAt moved) | updated                                       |
 * | broadcast        | REMOVE                                         | deleted                                       |
 * | contact_list     | INSERT / MODIFY of name, description, tags, filters / REMOVE | created / updated / deleted     |
 * | list_member      | INSERT / REMOVE                                | contacts_added / contacts_removed, one per list per batch |
 * | broadcast_run    | MODIFY of sent, failed or skippedAtSend, once  | progress, about ten per run (not one per      |
 * |                  | planned, that crosses a 10 % step or reaches 100 % | counted chunk): PROGRESS_EVENT_STEP_PERCENT |
 * | execution        | INSERT or MODIFY to sent / failed (perMessageEvents) | message_sent / message_failed          |
 * | execution        | MODIFY of deliveryStatus to delivered / read (only with perMessageEvents) | message_delivered / |
 * |                  | (a receipt; read without delivered gives both) | message_read                                  |
 *
 * Events keep the order of the records; an aggregated member event takes the place of its last record. Every
 * event carries `event_id` (from the stream record) so consumers can drop the duplicates of a retried batch.
 */
export interface DeriveOptions {
  /** Also one event per message sent or failed (costly at scale; DOMAIN_EVENTS_PER_MESSAGE). */
  perMessageEvents: boolean;
}

/**
 * The entities whose stream records can give an event: every other record (contacts, executions unless
 * per-message events are on, chunk leases and tally markers, most of a running broadcast's writes) is dropped by
 * the event source's filter in AWS before any invocation (infra/constructs/service-functions.ts), and costs nothing.
 */
export function eventSourceEntities(options: DeriveOptions): string[] {
  const entities = ['broadcast', 'contact_list', 'list_member', 'broadcast_run'];
  return options.perMessageEvents ? [...entities, 'execution'] : entities;
}

/**
 * The event source's filter (infra/constructs/service-functions.ts) applied to one record, as Lambda applies it: a
 * record whose new image is of one of these entities, or a REMOVE whose old image is. The local stream poller
 * hands the event publisher only these, so that `npm start` publishes what the stage would.
 */
export function passesEventSourceFilter(record: DynamoDBRecord, options: DeriveOptions): boolean {
  const entities = eventSourceEntities(options);
  const entityIn = (image: Record<string, { S?: string }> | undefined) => {
    const entity = image?.entity?.S;
    return entity !== undefined && entities.includes(entity);
  };
  return entityIn(record.dynamodb?.NewImage) || (record.eventName === 'REMOVE' && entityIn(record.dynamodb?.OldImage));
}

/** The domain events of one batch of stream records, in record order. */
export function deriveDomainEvents(records: readonly DynamoDBRecord[], options: DeriveOptions): DomainEvent[] {
  const positioned: { position: number; event: DomainEvent }[] = [];
  const members = new MemberChanges();
  records.forEach((record, position) => {
    const change = readItemChange(record);
    if (!change) return;
    if (entityOf(change) === 'list_member') members.add(change, position);
    else for (const event of eventsOf(change, options)) positioned.push({ position, event });
  });
  positioned.push(...members.events());
  // Stable: the events of one record keep their order, an aggregate stands at its last record.
  return positioned
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.position - b.entry.position || a.index - b.index)
    .map(({ entry }) => entry.event);
}

/** The events of one change of any item but a list member (those are aggregated per batch). */
function eventsOf(change: ItemChange, options: DeriveOptions): DomainEvent[] {
  switch (entityOf(change)) {
    case 'broadcast':
      return broadcastEvents(change);
    case 'contact_list':
      return orNone(listChangeEvent(change));
    case 'broadcast_run':
      return orNone(progressEvent(change));
    case 'execution':
      return options.perMessageEvents ? [...orNone(messageEvent(change)), ...deliveryEvents(change)] : [];
    default:
      return [];
  }
}

function orNone(event: DomainEvent | undefined): DomainEvent[] {
  return event ? [event] : [];
}
