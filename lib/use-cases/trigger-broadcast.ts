import { createHash } from 'node:crypto';
import { type Broadcast, newDraftBroadcast } from '../domain/broadcast.js';
import { ConflictError, InvalidTransitionError, UnprocessableError } from '../domain/errors.js';
import { assertTemplateFitsChannel } from '../domain/message-template.js';
import { assertBroadcastRateWithinCap } from '../domain/rate-cap.js';
import { validateMessageTemplate } from '../domain/template-rendering.js';
import { logger } from '../observability/logger.js';
import type { TriggerOutcome } from '../ports/processed-event-store.js';
import { getBroadcast } from './broadcast-commands.js';
import { disarmSchedule } from './broadcast-schedules.js';
import { nowIso, type UseCaseDeps } from './deps.js';
import { resolveChannel } from './resolve-channel.js';
import { startAsRead } from './run-lifecycle.js';

export type { TriggerOutcome } from '../ports/processed-event-store.js';

/** The seed's automation action, and the `detail-type` of the events that carry it. */
export const TRIGGER_BROADCAST = 'trigger_broadcast';
/** Contacts one `trigger_broadcast` event may name: one planner page, one request's worth. */
export const MAX_TRIGGER_CONTACTS = 1000;
/** A processor holds an event this long; longer than the automation function's timeout. */
export const EVENT_LEASE_MS = 60_000;
/** Idempotency records outlive EventBridge's redelivery window (the rule retries for 2 h, at most 24 h). */
export const EVENT_RECORD_TTL_SECONDS = 7 * 86_400;
/** Appended to the name of a broadcast created for a `contact_ids` trigger. */
export const CHILD_NAME_SUFFIX = ' · automation';

export type TriggerDeps = Pick<
  UseCaseDeps,
  | 'broadcasts'
  | 'runs'
  | 'channels'
  | 'defaultChannel'
  | 'queue'
  | 'clock'
  | 'contactLists'
  | 'scheduler'
  | 'ids'
  | 'delivery'
  | 'processedEvents'
  | 'channelPace'
  | 'channelCaps'
  | 'contacts'
  | 'executions'
>;

/** The seed's `trigger_broadcast` action, as carried by an automation event's `detail`. */
export interface TriggerBroadcastCommand {
  tenantId: string;
  broadcastId: string;
  /** A scheduled broadcast starts now instead of at its time. */
  overrideSchedule: boolean;
  /** Send the broadcast's message to these contacts only (1..1,000), through a child broadcast. */
  contactIds?: string[];
  /** The event's id (EventBridge `id`): a redelivered event with the same id is processed once. */
  eventId?: string;
}

/**
 * Applies a `trigger_broadcast` automation event (seed: Integration with Automation Rules):
 * - a draft broadcast starts now; a scheduled one stays scheduled (`left_scheduled`) unless `overrideSchedule`,
 *   then it starts now and its schedule is deleted. The start is conditional on the status read, so the schedule
 *   firing, the sweeper, a person and the event racing each other give one run; the losers end `ignored`;
 * - running, paused, completed, failed or cancelled: `ignored` with the reason, never an error to retry;
 * - with `contactIds`: the template broadcast is left as it is (it can be triggered again for the next contact);
 *   a child broadcast copying it (same list, channel, message, rate and time zone; `parentBroadcastId`) starts with
 *   exactly those contacts as its audience, tracked like any broadcast. Allowed unless the template was cancelled
 *   or failed; the contacts need not be members of the list, and unknown ids end `skipped` (`contact_deleted`).
 *
 * With an event id, a redelivery returns the first outcome as `ignored` / `duplicate_event`. The child of a
 * `contactIds` event has an id derived from the event's, so a retry after a crash starts the same child, never a
 * second one. NotFoundError (no such broadcast) and UnprocessableError (its list or channel is gone, its template
 * is invalid) are thrown: the caller decides (HTTP: 404/422; the EventBridge target: logged, not retried).
 */
export async function triggerBroadcast(deps: TriggerDeps, command: TriggerBroadcastCommand): Promise<TriggerOutcome> {
  const { tenantId, eventId } = command;
  if (eventId === undefined) return apply(deps, command);
  const nowMs = deps.clock.now().getTime();
  const expiresAtSeconds = Math.floor(nowMs / 1000) + EVENT_RECORD_TTL_SECONDS;
  const claim = await deps.processedEvents.claim(tenantId, eventId, {
    nowMs,
    untilMs: nowMs + EVENT_LEASE_MS,
    expiresAtSeconds,
  });
  if (claim.state === 'done') {
    logger.info('automation event already processed', { tenantId, eventId, first: claim.outcome });
    return { result: 'ignored', broadcastId: claim.outcome.broadcastId, reason: 'duplicate_event' };
  }
  if (claim.state === 'in_progress') {
    throw new ConflictError('automation.event_in_progress', `event ${eventId} is being processed; retry later`);
  }
  let outcome: TriggerOutcome;
  try {
    outcome = await apply(deps, command);
  } catch (error) {
    await deps.processedEvents.release(tenantId, eventId);
    throw error;
  }
  await deps.processedEvents.complete(tenantId, eventId, outcome, expiresAtSeconds);
  return outcome;
}

async function apply(deps: TriggerDeps, command: TriggerBroadcastCommand): Promise<TriggerOutcome> {
  const broadcast = await getBroadcast(deps, command.tenantId, command.broadcastId);
  if (command.contactIds !== undefined) return sendToContacts(deps, broadcast, command.contactIds, command.eventId);
  switch (broadcast.status) {
    case 'draft':
      break;
    case 'scheduled':
      if (!command.overrideSchedule) return { result: 'left_scheduled', broadcastId: broadcast.id };
      break;
    default:
      return ignored(broadcast, `broadcast_${broadcast.status}`);
  }
  try {
    await startAsRead(deps, broadcast);
  } catch (error) {
    if (error instanceof InvalidTransitionError) return ignored(broadcast, `broadcast_${error.from}`, error.from);
    if (error instanceof ConflictError && error.code === 'broadcast.concurrent_update') {
      return ignored(broadcast, 'broadcast_changed');
    }
    throw error;
  }
  // Started from scheduled: its schedule must not fire later (it would be ignored anyway).
  if (broadcast.status === 'scheduled') await disarmSchedule(deps, broadcast.tenantId, broadcast.id);
  return { result: 'started', broadcastId: broadcast.id };
}

async function sendToContacts(
  deps: TriggerDeps,
  template: Broadcast,
  contactIds: readonly string[],
  eventId: string | undefined,
): Promise<TriggerOutcome> {
  if (template.status === 'cancelled' || template.status === 'failed') {
    return ignored(template, `broadcast_${template.status}`);
  }
  const audience = [...new Set(contactIds)];
  if (audience.length === 0 || audience.length > MAX_TRIGGER_CONTACTS) {
    throw new UnprocessableError(
      'request.validation_failed',
      `contact_ids must name 1 to ${MAX_TRIGGER_CONTACTS} contacts`,
    );
  }
  const { tenantId } = template;
  // Checked before the child exists, so a trigger that cannot send leaves nothing behind.
  if (!(await deps.contactLists.findById(tenantId, template.listId))) {
    throw new UnprocessableError('broadcast.unknown_list', `the list ${template.listId} of the broadcast is gone`);
  }
  const channel = await resolveChannel(deps, tenantId, template);
  validateMessageTemplate(template.messageTemplate);
  assertTemplateFitsChannel(template.messageTemplate, channel);
  assertBroadcastRateWithinCap(template.rateLimit, deps.delivery.maxRatePerMinute);

  const childId = eventId === undefined ? deps.ids.newId() : childIdFor(tenantId, eventId);
  let child = eventId === undefined ? undefined : await deps.broadcasts.findById(tenantId, childId);
  // An earlier attempt at this event started it already.
  if (child && child.status !== 'draft') return { result: 'started', broadcastId: child.id };
  if (!child) {
    child = childOf(template, childId, nowIso(deps));
    await deps.broadcasts.create(child);
  }
  try {
    await startAsRead(deps, child, { audienceContactIds: audience });
  } catch (error) {
    // A concurrent retry of the same event started it first.
    if (error instanceof InvalidTransitionError) return { result: 'started', broadcastId: child.id };
    throw error;
  }
  return { result: 'started', broadcastId: child.id };
}

function childOf(template: Broadcast, id: string, now: string): Broadcast {
  return newDraftBroadcast(
    id,
    template.tenantId,
    {
      name: `${template.name.slice(0, 200 - CHILD_NAME_SUFFIX.length)}${CHILD_NAME_SUFFIX}`,
      listId: template.listId,
      messageTemplate: template.messageTemplate,
      rateLimit: template.rateLimit,
      parentBroadcastId: template.id,
      trigger: 'automation',
      ...(template.channelId !== undefined ? { channelId: template.channelId } : {}),
      ...(template.timezone !== undefined ? { timezone: template.timezone } : {}),
    },
    now,
  );
}

/** A UUID (version 8, name-based) derived from the event: every retry of one event names the same child. */
export function childIdFor(tenantId: string, eventId: string): string {
  const hex = createHash('sha256').update(`trigger_broadcast\n${tenantId}\n${eventId}`).digest('hex');
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function ignored(broadcast: Broadcast, reason: string, status: string = broadcast.status): TriggerOutcome {
  logger.info('trigger_broadcast ignored', { tenantId: broadcast.tenantId, broadcastId: broadcast.id, status, reason });
  return { result: 'ignored', broadcastId: broadcast.id, reason };
}
