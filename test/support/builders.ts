import { randomUUID } from 'node:crypto';
import { type Broadcast, newDraftBroadcast } from '../../lib/domain/broadcast.js';
import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import { type Contact, type ContactFields, newContact } from '../../lib/domain/contact.js';
import type { ContactList } from '../../lib/domain/contact-list.js';
import type { BroadcastRepository } from '../../lib/ports/broadcast-repository.js';
import type { ContactListRepository } from '../../lib/ports/contact-list-repository.js';
import type { Page, PageRequest } from '../../lib/ports/pagination.js';

const NOW = '2025-01-15T12:00:00.000Z';

export function aContact(tenantId: string, fields: ContactFields = {}, id = randomUUID()): Contact {
  return newContact(tenantId, id, { name: 'Ana', phone: '+5511999998888', ...fields }, NOW);
}

export function aStaticList(tenantId: string, overrides: Partial<ContactList> = {}): ContactList {
  return {
    id: randomUUID(),
    tenantId,
    name: 'VIP',
    tags: [],
    isDynamic: false,
    contactCount: 0,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

/** A draft as the domain makes one (zeroed counters, version 1), with `overrides` applied. */
export function aBroadcast(tenantId: string, overrides: Partial<Broadcast> = {}): Broadcast {
  const fields = {
    name: 'Black Friday',
    listId: randomUUID(),
    messageTemplate: { type: 'text', content: 'Hi {{contact.name}}' },
    rateLimit: 60,
  } as const;
  return { ...newDraftBroadcast(randomUUID(), tenantId, fields, NOW), ...overrides };
}

export function anExecution(
  tenantId: string,
  broadcastId: string,
  contactId = randomUUID(),
  overrides: Partial<BroadcastExecution> = {},
): BroadcastExecution {
  return {
    id: randomUUID(),
    tenantId,
    broadcastId,
    contactId,
    status: 'pending',
    attempts: 0,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

/** Follows the cursors to the end, returning every item and the number of pages it took. */
export async function allPages<T>(
  fetch: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await fetch({ limit, ...(cursor ? { cursor } : {}) });
    pages++;
    if (page.items.length > limit) throw new Error(`a page held ${page.items.length} items, over the limit ${limit}`);
    if (pages > 10_000) throw new Error('the cursors never ended');
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return { items, pages };
}

/** The error `promise` rejects with; fails the test when it resolves instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/**
 * Stores a broadcast built by aBroadcast, with a list of its `listId` first when there is none: a broadcast is only
 * ever written on a list that exists (BroadcastRepository.create marks the list in the same transaction).
 */
export async function storeBroadcast(
  deps: { broadcasts: BroadcastRepository; contactLists: ContactListRepository },
  broadcast: Broadcast,
): Promise<Broadcast> {
  if (!(await deps.contactLists.findById(broadcast.tenantId, broadcast.listId))) {
    await deps.contactLists.create(aStaticList(broadcast.tenantId, { id: broadcast.listId }), []);
  }
  await deps.broadcasts.create(broadcast);
  return broadcast;
}
