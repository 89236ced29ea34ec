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
 * | executions of a broadcast (by shard)  | Query     | T#{t}#BROADCAST#{b}#EXEC#{shard(cid)}| CONTACT#{cid}      |
 * | execution of a contact                | GetItem   | T#{t}#BROADCAST#{b}#EXEC#{shard(cid)}| CONTACT#{cid}      |
 * | channels of a tenant                  | Query     | T#{t}#CHANNELS                       | begins CHANNEL#    |
 * | channel by id                         | GetItem   | T#{t}#CHANNELS                       | CHANNEL#{id}       |
 * | the tenant's default channel (pointer)| GetItem   | T#{t}#CHANNELS                       | DEFAULT            |
 *
 * Contacts and executions are spread over several partitions (a partition takes at most 1,000 writes/s
 * and 3,000 reads/s), so a big import or a fast broadcast never queues behind one hot key.
 */
export const CONTACT_SHARDS = 8;
export const EXECUTION_SHARDS = 16;

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
};

export const listKeys = {
  partition: (tenantId: string) => `T#${tenantId}#LISTS`,
  sortPrefix: 'LIST#',
  byId: (tenantId: string, id: string): ItemKey => ({ pk: listKeys.partition(tenantId), sk: `LIST#${id}` }),
  membersPartition: (tenantId: string, listId: string) => `T#${tenantId}#LIST#${listId}#MEMBERS`,
  member: (tenantId: string, listId: string, contactId: string): ItemKey => ({
    pk: listKeys.membersPartition(tenantId, listId),
    sk: `CONTACT#${contactId}`,
  }),
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
  partition: (tenantId: string, broadcastId: string, shard: number) =>
    `T#${tenantId}#BROADCAST#${broadcastId}#EXEC#${shard}`,
  byContact: (tenantId: string, broadcastId: string, contactId: string): ItemKey => ({
    pk: executionKeys.partition(tenantId, broadcastId, shardOf(contactId, EXECUTION_SHARDS)),
    sk: `CONTACT#${contactId}`,
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
};
