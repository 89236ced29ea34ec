import { estimatedAwsCostUsd } from '../domain/aws-cost-model.js';
import type { Broadcast, BroadcastStatus } from '../domain/broadcast.js';
import { channelCapPerSecond } from '../domain/channel.js';
import type { Contact } from '../domain/contact.js';
import { filterClockAt, matchesFilters } from '../domain/contact-list.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import {
  effectiveRate,
  estimatedDurationSeconds,
  type PreflightSkipReason,
  type RateLimiter,
} from '../domain/preflight.js';
import { judgeContact } from '../domain/send-decision.js';
import { suppressionKindFor } from '../domain/suppression.js';
import { renderContextFor, renderMessage } from '../domain/template-rendering.js';
import type { Page, PageRequest } from '../ports/pagination.js';
import { getBroadcast } from './broadcast-commands.js';
import { compiledTemplateOf } from './compiled-templates.js';
import type { UseCaseDeps } from './deps.js';
import { PLAN_PAGE_SIZE } from './plan-audience.js';
import { resolveChannel } from './resolve-channel.js';

type Deps = Pick<
  UseCaseDeps,
  'broadcasts' | 'contacts' | 'contactLists' | 'channels' | 'defaultChannel' | 'unsubscribeLinks' | 'clock'
>;

/** The broadcasts a preflight answers for: those that have not sent, or may send again. */
const PREFLIGHT_STATUSES: readonly BroadcastStatus[] = ['draft', 'scheduled', 'paused'];

export interface Preflight {
  broadcastId: string;
  audienceSize: number;
  wouldSend: number;
  wouldSkip: Record<PreflightSkipReason, number>;
  effectiveRatePerMinute?: number;
  limitedBy: RateLimiter;
  estimatedDurationSeconds: number;
  estimatedCostUsd: number;
}

/**
 * PreflightBroadcastUseCase: what a run started now would do, sending and writing nothing. The audience is read as
 * the planner reads it (a dynamic list's filters evaluated now, a page of PLAN_PAGE_SIZE at a time, so memory stays
 * bounded whatever its size), and each contact goes through the sender's own decision (judgeContact: opted out, no
 * address for the channel, suppressed, the template rendered with its variables), so the forecast and the run agree
 * while the contacts do not change in between.
 */
export async function preflightBroadcast(deps: Deps, tenantId: string, id: string): Promise<Preflight> {
  const broadcast = await getBroadcast(deps, tenantId, id);
  if (!PREFLIGHT_STATUSES.includes(broadcast.status)) {
    throw new ConflictError(
      'broadcast.invalid_transition',
      `a ${broadcast.status} broadcast will not send again: preflight answers for a draft, scheduled or paused one`,
    );
  }
  const channel = await resolveChannel(deps, tenantId, broadcast);
  const now = deps.clock.now();
  const compiled = compiledTemplateOf(broadcast);
  const context = {
    requiredAddress: channel.requiredAddress,
    suppression: suppressionKindFor(channel),
    render: (contact: Contact) => {
      const link = deps.unsubscribeLinks.linkFor({ tenantId, contactId: contact.id, broadcastId: id });
      return renderMessage(compiled, renderContextFor(contact, broadcast, now, link));
    },
  };
  const wouldSkip: Record<PreflightSkipReason, number> = {
    opted_out: 0,
    suppressed: 0,
    no_address: 0,
    missing_variable: 0,
  };
  let audienceSize = 0;
  let wouldSend = 0;
  for await (const contacts of audiencePages(deps, broadcast, now)) {
    for (const contact of contacts) {
      audienceSize++;
      const judged = judgeContact(contact, context);
      if ('contact' in judged) wouldSend++;
      else if (judged.skip.reason !== 'contact_deleted') wouldSkip[judged.skip.reason]++;
    }
  }
  const rate = effectiveRate(broadcast.rateLimit, channelCapPerSecond(channel));
  return {
    broadcastId: id,
    audienceSize,
    wouldSend,
    wouldSkip,
    ...(rate.perMinute === undefined ? {} : { effectiveRatePerMinute: rate.perMinute }),
    limitedBy: rate.limitedBy,
    estimatedDurationSeconds: estimatedDurationSeconds(wouldSend, rate),
    estimatedCostUsd: estimatedAwsCostUsd(wouldSend, channel.type),
  };
}

/** The broadcast's audience, a page at a time: only one page of contacts is ever held. */
async function* audiencePages(deps: Deps, broadcast: Broadcast, now: Date): AsyncGenerator<Contact[]> {
  const list = await deps.contactLists.findById(broadcast.tenantId, broadcast.listId);
  if (!list) throw new NotFoundError('contact_list', broadcast.listId);
  const clock = filterClockAt(now);
  const filters = list.filters ?? {};
  let cursor: string | undefined;
  do {
    const page: PageRequest = { limit: PLAN_PAGE_SIZE, ...(cursor ? { cursor } : {}) };
    let read: Page<Contact>;
    if (list.isDynamic) {
      read = await deps.contacts.listMatching(broadcast.tenantId, page, (c) => matchesFilters(c, filters, clock));
    } else {
      const ids = await deps.contactLists.listMemberIds(list, page);
      // A member deleted since it was added gets no message and is no contact of the audience.
      const contacts = await deps.contacts.findByIds(broadcast.tenantId, ids.items, { consistent: false });
      read = { items: contacts, ...(ids.nextCursor ? { nextCursor: ids.nextCursor } : {}) };
    }
    yield read.items;
    cursor = read.nextCursor;
  } while (cursor);
}
