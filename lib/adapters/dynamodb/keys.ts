/**
 * Key builders, one per access pattern. Every partition key starts with the tenant, so no query can
 * reach another tenant's items. Access patterns:
 *
 * | pattern                               | operation | pk                                   | sk                 |
 * |---------------------------------------|-----------|--------------------------------------|--------------------|
 * | contact by id                         | GetItem   | T#{t}#CONTACTS#{shard(id)}           | CONTACT#{id}       |
 * | contacts of a tenant (all shards)     | Query     | T#{t}#CONTACTS#{0..CONTACT_SHARDS-1} | -                  |
 * | contact by external id                | GetItem   | T#{t}#EXTID#{externalId}             | EXTID              |
 * | lists of a tenant                     | Query     | T#{t}#LISTS                          | begins LIST#       |
 * | list by id                            | GetItem   | T#{t}#LISTS                          | LIST#{id}          |
 * | members of a static list              | Query     | T#{t}#LIST#{id}#MEMBERS              | CONTACT#{cid}      |
 * | static lists a contact is a member of | Query     | T#{t}#CONTACT#{cid}#LISTS            | LIST#{id}          |
 * | broadcasts of a tenant                | Query     | T#{t}#BROADCASTS                     | begins BROADCAST#  |
 * | broadcast by id                       | GetItem   | T#{t}#BROADCASTS                     | BROADCAST#{id}     |
 * | scheduled broadcasts due (sparse GSI) | Query     | scheduledDuePk=SCHEDULED             | scheduledDueSk<=now|
 * | executions of a send chunk            | Query     | T#{t}#BROADCAST#{b}#CHUNK#{n}        | CONTACT#{cid}      |
 * | a chunk's planned contacts (manifest) | Put       | T#{t}#BROADCAST#{b}#CHUNK#{n}        | #PLANNED           |
 * | a chunk's tally marker (exactly once) | Put cond. | T#{t}#BROADCAST#{b}#CHUNK#{n}        | #TALLY             |
 * | a chunk's lease (one sender at a time)| Put cond. | T#{t}#BROADCAST#{b}#CHUNK#{n}        | #LEASE             |
 * | a chunk: lease, manifest, executions  | Query     | T#{t}#BROADCAST#{b}#CHUNK#{n}        | -                  |
 * | contacts skipped at planning, by page | Query     | T#{t}#BROADCAST#{b}#SKIP#{page}      | CONTACT#{cid}      |
 * | executions of a broadcast             | Query     | the chunk partitions, then the skip partitions  |       |
 * | delivery state of a started broadcast | GetItem   | T#{t}#BROADCAST#{b}#RUN              | RUN                |
 * | a planning segment of a run           | Update    | T#{t}#BROADCAST#{b}#RUN              | PLAN#{segment}     |
 * | a static list's members, one segment  | Query     | T#{t}#LIST#{id}#MEMBERS              | between 2 keys     |
 * | pacer loops past their deadline (GSI) | Query     | scheduledDuePk=PACER                 | scheduledDueSk<=now|
 * | channels of a tenant                  | Query     | T#{t}#CHANNELS                       | begins CHANNEL#    |
 * | channel by id                         | GetItem   | T#{t}#CHANNELS                       | CHANNEL#{id}       |
 * | the tenant's default channel (pointer)| GetItem   | T#{t}#CHANNELS                       | DEFAULT            |
 * | a channel's tenant (public webhooks)  | GetItem   | CHANNEL#{id}                         | TENANT             |
 * | a broadcast's delivery-receipt counts | GetItem   | T#{t}#BROADCAST#{b}#RUN              | RECEIPTS           |
 * | a broadcast's outcomes per minute     | Query     | T#{t}#BROADCAST#{b}#TIMELINE         | MINUTE#{start}     |
 * | an execution, from its reference      | GetItem   | T#{t}#BROADCAST#{b}#CHUNK#{n}        | CONTACT#{cid}      |
 * | test-send limit window of a broadcast | Get+Put c | T#{t}#BROADCAST#{b}#TESTSENDS        | #WINDOW            |
 * | test sends of a broadcast, newest 1st | Query     | T#{t}#BROADCAST#{b}#TESTSENDS        | begins SEND#, desc |
 * | a capped channel's timeline and AIMD  | Update    | T#{t}#CHANNEL#{c}#PACE               | PACE               |
 * | broadcasts' share claims on a channel | Update    | T#{t}#CHANNEL#{c}#PACE               | SHARES             |
 *
 * One key does not start with a tenant, on purpose: `CHANNEL#{id}` maps a channel id to its tenant for the public
 * webhook routes (a provider calls them without a token, so the tenant cannot come from one). It holds nothing but
 * the two ids, and no tenant-scoped key can ever equal it (those all start with `T#`).
 *
 * Contacts are spread over several partitions and every send chunk is its own partition (a partition
 * takes at most 1,000 writes/s and 3,000 reads/s), so a big import or a fast broadcast never queues
 * behind one hot key; the run item takes one write per chunk, not per message. A capped channel's pace item takes
 * one write per group of sends (lib/domain/channel-pace.ts), in a partition of its own, away from the tenant's
 * channel items.
 */
export const CONTACT_SHARDS = 8;

export interface ItemKey {
  pk: string;
  sk: string;
}

export const contactKeys = {
  partition: (tenantId: string, shard: number) => `T#${tenantId}#CONTACTS#${shard}`,
  byId: (tenantId: string, id: string): ItemKey => ({
    pk: contactKeys.partition(tenantId, shardOf(id, CONTACT_SHARDS)),
    sk: `CONTACT#${id}`,
  }),
  byExternalId: (tenantId: string, externalId: string): ItemKey => ({
    pk: `T#${tenantId}#EXTID#${externalId}`,
    sk: 'EXTID',
  }),
  listMemberships: (tenantId: string, contactId: string) => `T#${tenantId}#CONTACT#${contactId}#LISTS`,
  /** Whether `sk` is the sort key of a contact that lives in shard `shard` (a position in the walk over the shards). */
  sortKeyInShard: (sk: string, shard: number) =>
    sk.startsWith('CONTACT#') && shardOf(idFromSortKey(sk), CONTACT_SHARDS) === shard,
};

const HEX = '0123456789abcdef';
const MEMBERS_PARTITION = /^T#(.+)#LIST#([^#]+)#MEMBERS$/;

export const listKeys = {
  partition: (tenantId: string) => `T#${tenantId}#LISTS`,
  sortPrefix: 'LIST#',
  byId: (tenantId: string, id: string): ItemKey => ({ pk: listKeys.partition(tenantId), sk: `LIST#${id}` }),
  membersPartition: (tenantId: string, listId: string) => `T#${tenantId}#LIST#${listId}#MEMBERS`,
  /** The tenant and list of a members partition key (membersPartition's inverse); undefined for any other key. */
  parseMembersPartition: (pk: string): { tenantId: string; listId: string } | undefined => {
    const match = MEMBERS_PARTITION.exec(pk);
    return match?.[1] && match[2] ? { tenantId: match[1], listId: match[2] } : undefined;
  },
  member: (tenantId: string, listId: string, contactId: string): ItemKey => ({
    pk: listKeys.membersPartition(tenantId, listId),
    sk: `CONTACT#${contactId}`,
  }),
  /**
   * The members of segment `index` of `count` (lib/domain/plan-segments.ts): sort keys from `from` up to, not
   * including, `below`. Contact ids are random UUIDs, so cutting at their first hex digit gives even slices; an id of
   * any other shape still falls in exactly one of them (the slices cover every key after `CONTACT#`).
   */
  memberSegment: (index: number, count: number): { from: string; below: string } => {
    const cut = (i: number) =>
      i === 0 ? 'CONTACT#' : i === count ? 'CONTACT$' : `CONTACT#${HEX[Math.floor((i * 16) / count)]}`;
    return { from: cut(index), below: cut(index + 1) };
  },
  /** The contact-side copy of a membership, so deleting a contact can find its lists. */
  membership: (tenantId: string, listId: string, contactId: string): ItemKey => ({
    pk: contactKeys.listMemberships(tenantId, contactId),
    sk: `LIST#${listId}`,
  }),
};

export const broadcastKeys = {
  partition: (tenantId: string) => `T#${tenantId}#BROADCASTS`,
  sortPrefix: 'BROADCAST#',
  byId: (tenantId: string, id: string): ItemKey => ({ pk: broadcastKeys.partition(tenantId), sk: `BROADCAST#${id}` }),
  scheduledDuePartition: 'SCHEDULED',
  /** Sorted by due time; the ids make it unique and let the sweeper find the broadcast. */
  scheduledDueSort: (scheduledFor: string, tenantId: string, id: string) => `${scheduledFor}#${tenantId}#${id}`,
};

export const executionKeys = {
  chunkPartition: (tenantId: string, broadcastId: string, chunk: number) =>
    `T#${tenantId}#BROADCAST#${broadcastId}#CHUNK#${chunk}`,
  skipPartition: (tenantId: string, broadcastId: string, page: number) =>
    `T#${tenantId}#BROADCAST#${broadcastId}#SKIP#${page}`,
  contactSortKey: (contactId: string) => `CONTACT#${contactId}`,
  sortPrefix: 'CONTACT#',
  /** Sorts before every execution of its chunk, and is read with them. */
  tallySortKey: '#TALLY',
  /** Sorts before every execution of its chunk, and is read with them. */
  leaseSortKey: '#LEASE',
  /** A chunk a sender dropped while its broadcast was paused: resume releases it again. */
  parkedSortKey: '#PARKED',
  /** The chunk's planned contacts (execution-repository.ts): sorts before every execution, and is read with them. */
  manifestSortKey: '#PLANNED',
};

/** One item per minute in which a chunk of the broadcast was counted (lib/domain/broadcast-timeline.ts). */
export const timelineKeys = {
  partition: (tenantId: string, broadcastId: string) => `T#${tenantId}#BROADCAST#${broadcastId}#TIMELINE`,
  bucket: (tenantId: string, broadcastId: string, start: string): ItemKey => ({
    pk: timelineKeys.partition(tenantId, broadcastId),
    sk: `MINUTE#${start}`,
  }),
};

export const runKeys = {
  byBroadcast: (tenantId: string, broadcastId: string): ItemKey => ({
    pk: `T#${tenantId}#BROADCAST#${broadcastId}#RUN`,
    sk: 'RUN',
  }),
  /** Sparse index entry of a pacer loop: by when its next tick must have acted (see the sweeper's watchdog). */
  pacerWatchPartition: 'PACER',
  pacerWatchSort: (deadline: string, tenantId: string, broadcastId: string) => `${deadline}#${tenantId}#${broadcastId}`,
  /** One segment's planning state (cursor, carry, lease), beside its run: see lib/domain/plan-segments.ts. */
  planSegment: (tenantId: string, broadcastId: string, segment: number): ItemKey => ({
    pk: `T#${tenantId}#BROADCAST#${broadcastId}#RUN`,
    sk: `PLAN#${segment}`,
  }),
  /**
   * The broadcast's delivery-receipt counters, beside its run rather than on it: receipts update them in transactions
   * of their own, which would otherwise make the pacer's and the senders' writes to the run fail with a transaction
   * conflict while receipts flow, and wake the event publisher (whose stream filter lets run items through).
   */
  receipts: (tenantId: string, broadcastId: string): ItemKey => ({
    pk: `T#${tenantId}#BROADCAST#${broadcastId}#RUN`,
    sk: 'RECEIPTS',
  }),
};

/** FNV-1a: a stable, well-spread shard for an id. */
export function shardOf(id: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

export function idFromSortKey(sk: string): string {
  return sk.slice(sk.indexOf('#') + 1);
}

/**
 * A tenant's channels share one small partition. The `DEFAULT` item points at the default channel; every
 * write that makes a channel (not) the default changes that pointer in the same transaction, under a
 * condition on its previous value, so there is at most one default per tenant even under races.
 */
export const channelKeys = {
  partition: (tenantId: string) => `T#${tenantId}#CHANNELS`,
  sortPrefix: 'CHANNEL#',
  byId: (tenantId: string, id: string): ItemKey => ({ pk: channelKeys.partition(tenantId), sk: `CHANNEL#${id}` }),
  defaultPointer: (tenantId: string): ItemKey => ({ pk: channelKeys.partition(tenantId), sk: 'DEFAULT' }),
  /** Outside every tenant's keys: a public webhook's channel id -> its tenant. Written and deleted with the channel. */
  tenantOf: (id: string): ItemKey => ({ pk: `CHANNEL#${id}`, sk: 'TENANT' }),
};

/**
 * A broadcast's test sends live in a partition of their own, away from its executions and run item (nothing that
 * counts or lists executions ever reads it): the limiter's window item, and one item per test send sorted by
 * admission time, so the history reads newest first. At most 10 writes a minute reach it (the limit itself).
 */
export const testSendKeys = {
  partition: (tenantId: string, broadcastId: string) => `T#${tenantId}#BROADCAST#${broadcastId}#TESTSENDS`,
  window: (tenantId: string, broadcastId: string): ItemKey => ({
    pk: testSendKeys.partition(tenantId, broadcastId),
    sk: '#WINDOW',
  }),
  sortPrefix: 'SEND#',
  byId: (tenantId: string, broadcastId: string, createdAt: string, id: string): ItemKey => ({
    pk: testSendKeys.partition(tenantId, broadcastId),
    sk: `SEND#${createdAt}#${id}`,
  }),
};

/**
 * A capped channel's shared pacing state: the timeline every sender reserves its sends on (written per group of
 * sends) and, apart from it so that its size never weighs on those writes, the broadcasts' share claims (written
 * once per pacer tick). Each claim is an attribute of its own (`claim#{broadcastId}`), so a claim is put or
 * removed without reading the others.
 */
export const channelPaceKeys = {
  partition: (tenantId: string, channelId: string) => `T#${tenantId}#CHANNEL#${channelId}#PACE`,
  pace: (tenantId: string, channelId: string): ItemKey => ({
    pk: channelPaceKeys.partition(tenantId, channelId),
    sk: 'PACE',
  }),
  shares: (tenantId: string, channelId: string): ItemKey => ({
    pk: channelPaceKeys.partition(tenantId, channelId),
    sk: 'SHARES',
  }),
  claimPrefix: 'claim#',
};
