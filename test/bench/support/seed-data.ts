import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchWriteCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { contactKeys, listKeys } from '../../../lib/adapters/dynamodb/keys.js';
import { newContact } from '../../../lib/domain/contact.js';
import type { Api } from './environment.js';

/**
 * Audiences for the benchmarks, written straight into the table in the repositories' item formats
 * (lib/adapters/dynamodb: contact-repository toItem, contact-list-repository addActions) with BatchWriteItem:
 * importing 50,000 contacts through the API would take minutes of the 15 the run may use, and the import is
 * not what is measured. checkAudience() reads the result back through the API, so a format drift fails loudly.
 */

const PARALLEL_BATCHES = 4;

export async function seedContacts(
  client: DynamoDBDocumentClient,
  tableName: string,
  tenantId: string,
  count: number,
  offset = 0,
): Promise<string[]> {
  const now = new Date().toISOString();
  const ids = Array.from({ length: count }, () => randomUUID());
  await writeAll(
    client,
    tableName,
    ids.map((id, i) => {
      const n = offset + i;
      const contact = newContact(
        tenantId,
        id,
        { name: `Contact ${n}`, phone: `+55119${String(n).padStart(8, '0')}`, email: `contact${n}@example.com` },
        now,
      );
      return { ...contactKeys.byId(tenantId, id), entity: 'contact', ...contact };
    }),
  );
  return ids;
}

/** A static list created through the API, its members written straight into the table. */
export async function seedList(
  client: DynamoDBDocumentClient,
  tableName: string,
  api: Api,
  contactIds: readonly string[],
  name: string,
): Promise<string> {
  const list = await api.ok('POST', '/api/v1/contact-lists', { name });
  const tenantId = api.tenantId;
  await writeAll(
    client,
    tableName,
    contactIds.flatMap((contactId) => [
      { ...listKeys.member(tenantId, list.id, contactId), entity: 'list_member' },
      { ...listKeys.membership(tenantId, list.id, contactId), entity: 'list_membership' },
    ]),
  );
  await client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: listKeys.byId(tenantId, list.id),
      UpdateExpression: 'ADD contactCount :n',
      ExpressionAttributeValues: { ':n': contactIds.length },
    }),
  );
  return list.id;
}

/** Reads the list and one of its contacts back through the API. */
export async function checkAudience(api: Api, listId: string, contactIds: readonly string[]): Promise<void> {
  const list = await api.ok('GET', `/api/v1/contact-lists/${listId}`);
  if (list.contact_count !== contactIds.length) {
    throw new Error(`seeded list ${listId}: the API counts ${list.contact_count} contacts, not ${contactIds.length}`);
  }
  const members = await api.ok('GET', `/api/v1/contact-lists/${listId}/contacts?limit=5`);
  if (!Array.isArray(members.items) || members.items.length === 0) throw new Error(`seeded list ${listId}: no members`);
  const last = contactIds[contactIds.length - 1];
  const contact = await api.ok('GET', `/api/v1/contacts/${last}`);
  if (contact.id !== last || !contact.phone) throw new Error(`seeded contact ${last} does not read back`);
}

async function writeAll(client: DynamoDBDocumentClient, tableName: string, items: Record<string, unknown>[]) {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    for (let batch = batches[next++]; batch; batch = batches[next++]) {
      let pending: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let round = 0; pending.length > 0; round++) {
        if (round > 20) throw new Error('BatchWriteItem kept items unprocessed');
        if (round > 0) await sleep(50 * round);
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
        pending = (result.UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_BATCHES }, worker));
}
