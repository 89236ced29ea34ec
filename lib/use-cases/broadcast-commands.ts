import {
  assertEditable,
  type Broadcast,
  type BroadcastChange,
  type BroadcastStatus,
  newDraftBroadcast,
  transition,
  unknownListError,
} from '../domain/broadcast.js';
import type { Channel } from '../domain/channel.js';
import { NotFoundError, UnprocessableError } from '../domain/errors.js';
import { assertTemplateFitsChannel, type MessageTemplate } from '../domain/message-template.js';
import { assertBroadcastRateWithinCap } from '../domain/rate-cap.js';
import { validateMessageTemplate } from '../domain/template-rendering.js';
import { armSchedule, disarmSchedule } from './broadcast-schedules.js';
import { nowIso, type UseCaseDeps } from './deps.js';

export interface BroadcastFields {
  name: string;
  listId: string;
  channelId?: string;
  messageTemplate: MessageTemplate;
  rateLimit: number;
  /** IANA; UTC when absent. */
  timezone?: string;
}

type Deps = Pick<UseCaseDeps, 'broadcasts' | 'contactLists' | 'channels' | 'clock' | 'scheduler' | 'delivery'>;

export async function getBroadcast(
  deps: Pick<UseCaseDeps, 'broadcasts'>,
  tenantId: string,
  id: string,
): Promise<Broadcast> {
  const broadcast = await deps.broadcasts.findById(tenantId, id);
  if (!broadcast) throw new NotFoundError('broadcast', id);
  return broadcast;
}

/**
 * CreateBroadcastCommand. With `scheduledFor` (seed Example 2) it is created directly as scheduled, and its
 * schedule is created once the broadcast is stored.
 */
export async function createBroadcast(
  deps: Deps & Pick<UseCaseDeps, 'ids'>,
  tenantId: string,
  fields: BroadcastFields & { scheduledFor?: string },
): Promise<Broadcast> {
  const now = nowIso(deps);
  assertBroadcastRateWithinCap(fields.rateLimit, deps.delivery.maxRatePerMinute);
  validateMessageTemplate(fields.messageTemplate);
  await assertListExists(deps, tenantId, fields.listId);
  if (fields.channelId !== undefined) {
    const channel = await assertChannelExists(deps, tenantId, fields.channelId);
    assertTemplateFitsChannel(fields.messageTemplate, channel);
  }
  const { scheduledFor, ...rest } = fields;
  const draft = newDraftBroadcast(deps.ids.newId(), tenantId, rest, now);
  let broadcast = draft;
  if (scheduledFor !== undefined) {
    const change = transition(draft, 'scheduled', now, { scheduledFor: assertFuture(scheduledFor, deps) });
    broadcast = { ...change.broadcast, version: 1 };
  }
  await deps.broadcasts.create(broadcast);
  if (broadcast.status === 'scheduled') await armSchedule(deps, broadcast);
  return broadcast;
}

/** UpdateBroadcastTemplateCommand and friends: drafts only, guarded against lost updates. */
export async function updateBroadcast(
  deps: Deps,
  tenantId: string,
  id: string,
  changes: Partial<BroadcastFields>,
): Promise<Broadcast> {
  const current = await getBroadcast(deps, tenantId, id);
  assertEditable(current);
  // Only a new rate is checked: a rename is no reason to refuse a rate set before the cap was lowered.
  if (changes.rateLimit !== undefined) assertBroadcastRateWithinCap(changes.rateLimit, deps.delivery.maxRatePerMinute);
  if (changes.messageTemplate) validateMessageTemplate(changes.messageTemplate);
  // The template and the channel it will go through, when the broadcast names one: checked when either changes.
  const channelId = changes.channelId ?? current.channelId;
  if (channelId !== undefined && (changes.channelId !== undefined || changes.messageTemplate !== undefined)) {
    const channel = await assertChannelExists(deps, tenantId, channelId);
    assertTemplateFitsChannel(changes.messageTemplate ?? current.messageTemplate, channel);
  }
  if (changes.listId !== undefined && changes.listId !== current.listId) {
    await assertListExists(deps, tenantId, changes.listId);
  }
  const now = nowIso(deps);
  const updated: Broadcast = { ...current, ...changes, version: current.version + 1, updatedAt: now };
  await deps.broadcasts.update(updated, current.version);
  return updated;
}

export async function deleteBroadcast(deps: Deps, tenantId: string, id: string): Promise<void> {
  const broadcast = await getBroadcast(deps, tenantId, id);
  assertEditable(broadcast);
  await deps.broadcasts.delete(broadcast);
}

/**
 * ScheduleBroadcastCommand: draft -> scheduled, then the schedule that starts it. To move a scheduled
 * broadcast, unschedule it first.
 */
export async function scheduleBroadcast(
  deps: Deps,
  tenantId: string,
  id: string,
  scheduledFor: string,
): Promise<Broadcast> {
  const broadcast = await getBroadcast(deps, tenantId, id);
  const at = assertFuture(scheduledFor, deps);
  const change = transition(broadcast, 'scheduled', nowIso(deps), { scheduledFor: at });
  // The cap may have been lowered since it was written: better refused now than failed at its time.
  assertBroadcastRateWithinCap(broadcast.rateLimit, deps.delivery.maxRatePerMinute);
  await assertListExists(deps, tenantId, broadcast.listId);
  const scheduled = await commit(deps, change);
  await armSchedule(deps, scheduled);
  return scheduled;
}

/** UnscheduleBroadcastCommand: scheduled -> draft, then its schedule is deleted. */
export async function unscheduleBroadcast(deps: Deps, tenantId: string, id: string): Promise<Broadcast> {
  const draft = await changeStatus(deps, tenantId, id, 'draft');
  await disarmSchedule(deps, tenantId, id);
  return draft;
}

async function changeStatus(deps: Deps, tenantId: string, id: string, to: BroadcastStatus): Promise<Broadcast> {
  const broadcast = await getBroadcast(deps, tenantId, id);
  return commit(deps, transition(broadcast, to, nowIso(deps)));
}

/** The conditional write makes concurrent callers race fairly: exactly one wins, the others get 409. */
async function commit(deps: Pick<UseCaseDeps, 'broadcasts'>, change: BroadcastChange): Promise<Broadcast> {
  await deps.broadcasts.applyTransition(change);
  return change.broadcast;
}

/** Early, for a clear answer; the write itself is conditional on the list too (BroadcastRepository.create). */
async function assertListExists(deps: Pick<UseCaseDeps, 'contactLists'>, tenantId: string, listId: string) {
  if (!(await deps.contactLists.findById(tenantId, listId))) throw unknownListError(listId);
}

async function assertChannelExists(
  deps: Pick<UseCaseDeps, 'channels'>,
  tenantId: string,
  channelId: string,
): Promise<Channel> {
  const channel = await deps.channels.findById(tenantId, channelId);
  if (!channel) {
    throw new UnprocessableError('broadcast.unknown_channel', `channel_id ${channelId} is not one of your channels`, [
      { field: 'channel_id', message: 'no such channel' },
    ]);
  }
  return channel;
}

function assertFuture(scheduledFor: string, deps: Pick<UseCaseDeps, 'clock'>): string {
  const at = new Date(scheduledFor);
  if (at.getTime() <= deps.clock.now().getTime()) {
    throw new UnprocessableError('broadcast.schedule_in_past', `scheduled_for ${scheduledFor} is not in the future`, [
      { field: 'scheduled_for', message: 'must be in the future' },
    ]);
  }
  return at.toISOString();
}
