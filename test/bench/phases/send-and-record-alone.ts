import { randomUUID } from 'node:crypto';
import type { Broadcast } from '../../../lib/domain/broadcast.js';
import type { Contact } from '../../../lib/domain/contact.js';
import {
  type CompiledMessageTemplate,
  compileMessageTemplate,
  isMissing,
  renderContextFor,
  renderMessage,
} from '../../../lib/domain/template-rendering.js';
import type { ChannelSender } from '../../../lib/ports/channel-sender.js';
import type { UseCaseDeps } from '../../../lib/use-cases/deps.js';
import { allMemberIds } from '../support/list-members.js';

/** Messages in flight: as many as the pipeline's senders have at once (SEND_CONCURRENCY 4, chunks of 50). */
const IN_FLIGHT = 200;
/** Contacts per BatchGetItem. */
const READ_PAGE = 100;

type Deps = Pick<UseCaseDeps, 'broadcasts' | 'contactLists' | 'contacts' | 'unsubscribeLinks' | 'executions'>;

/**
 * The least work per message of any pipeline that keeps the service's record of who got what: per recipient, read the
 * contact (in pages), render, send, and record the outcome in the contact's own execution item with one conditional
 * PutItem (ExecutionRepository.transition, the sender's write). Nothing else: no planning pages, queue, lease, pause
 * check, tally or run counters, and IN_FLIGHT messages at a time from the first to the last.
 *
 * Run on the same DynamoDB Local, sink and cores as the pipeline and the seed's worker, its throughput is the ceiling
 * of any design that writes an item per recipient on this machine: the pipeline does all of this and more for each
 * message (docs/performance.md).
 */
export async function sendAndRecordAlone(
  deps: Deps,
  sender: ChannelSender,
  tenantId: string,
  broadcastId: string,
): Promise<{ contacts: number; sent: number; failed: number }> {
  const broadcast = await deps.broadcasts.findById(tenantId, broadcastId);
  if (!broadcast) throw new Error(`ceiling: no broadcast ${broadcastId}`);
  const list = await deps.contactLists.findById(tenantId, broadcast.listId);
  if (!list) throw new Error(`ceiling: no list ${broadcast.listId}`);
  const ids = await allMemberIds(deps.contactLists, list);
  const compiled = compileMessageTemplate(broadcast.messageTemplate);
  const pages: Promise<Contact[]>[] = [];
  for (let i = 0; i < ids.length; i += READ_PAGE) {
    pages.push(deps.contacts.findByIds(tenantId, ids.slice(i, i + READ_PAGE)));
  }
  let next = 0;
  // The i-th recipient, from the page it is on (each page is read once, and early, for all of its messages).
  const take = async (): Promise<Contact | undefined> => {
    const i = next++;
    const page = pages[Math.floor(i / READ_PAGE)];
    return page ? (await page)[i % READ_PAGE] : undefined;
  };
  let sent = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let contact = await take(); contact; contact = await take()) {
        await sendAndRecord(deps, sender, { tenantId, broadcast, compiled, contact });
        sent++;
      }
    }),
  );
  return { contacts: ids.length, sent, failed: 0 };
}

async function sendAndRecord(
  deps: Deps,
  sender: ChannelSender,
  job: { tenantId: string; broadcast: Broadcast; compiled: CompiledMessageTemplate; contact: Contact },
): Promise<void> {
  const { tenantId, broadcast, compiled, contact } = job;
  const executionId = randomUUID();
  const link = deps.unsubscribeLinks.linkFor({ tenantId, contactId: contact.id, broadcastId: broadcast.id });
  const rendered = renderMessage(compiled, renderContextFor(contact, broadcast, new Date(), link));
  if (isMissing(rendered)) throw new Error(`ceiling: ${rendered.reason}`);
  const outcome = await sender.send({
    idempotencyKey: `ceiling-${executionId}`,
    tenantId,
    broadcastId: broadcast.id,
    executionId,
    executionReference: executionId,
    contact: { id: contact.id, ...(contact.phone ? { phone: contact.phone } : {}) },
    message: { type: 'text', ...(rendered.content !== undefined ? { content: rendered.content } : {}) },
    unsubscribeLink: link,
  });
  if (outcome.kind !== 'accepted') throw new Error(`ceiling: a send was refused: ${JSON.stringify(outcome)}`);
  const now = new Date().toISOString();
  const recorded = await deps.executions.transition(
    {
      id: executionId,
      tenantId,
      broadcastId: broadcast.id,
      contactId: contact.id,
      chunk: 0,
      status: 'sent',
      attempts: 1,
      sentAt: now,
      createdAt: now,
      updatedAt: now,
      ...(outcome.providerMessageId ? { messageId: outcome.providerMessageId } : {}),
    },
    'pending',
  );
  if (!recorded) throw new Error('ceiling: an outcome write was refused on a fresh key');
}
