import type { ContactFields } from '../domain/contact.js';
import { DomainError, type FieldError } from '../domain/errors.js';
import { logger } from '../observability/logger.js';
import type { UseCaseDeps } from './deps.js';
import { upsertContact } from './upsert-contact.js';

export const MAX_BATCH_CONTACTS = 1000;
/** Enough to keep DynamoDB busy without one request hogging a partition. */
const PARALLELISM = 16;

/** One entry of the batch: either fields that passed validation, or the errors that rejected it. */
export type BatchEntry = { fields: ContactFields } | { errors: FieldError[] };

export type BatchItemResult =
  | { index: number; status: 'created' | 'updated'; id: string }
  | { index: number; status: 'invalid' | 'rejected'; code: string; errors?: FieldError[]; detail?: string };

/**
 * POST /contacts/batch: upserts each valid entry independently, so one bad entry never rejects the rest.
 * Entries sharing an external_id are applied in order, the last one winning. Every entry gets a result of its own,
 * whatever happens to the others: a write that fails for any reason is that entry's `rejected` result (code
 * `contact.not_stored`), never an error for the whole batch after part of it was written.
 */
export async function batchUpsertContacts(
  deps: Pick<UseCaseDeps, 'contacts' | 'clock' | 'ids'>,
  tenantId: string,
  entries: readonly BatchEntry[],
): Promise<BatchItemResult[]> {
  const results: BatchItemResult[] = new Array(entries.length);
  const lanes = groupByExternalId(entries);
  let next = 0;
  const worker = async () => {
    for (let lane = lanes[next++]; lane; lane = lanes[next++]) {
      for (const index of lane) results[index] = await applyEntry(deps, tenantId, entries[index] as BatchEntry, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLELISM, lanes.length) }, worker));
  return results;
}

async function applyEntry(
  deps: Pick<UseCaseDeps, 'contacts' | 'clock' | 'ids'>,
  tenantId: string,
  entry: BatchEntry,
  index: number,
): Promise<BatchItemResult> {
  if ('errors' in entry) {
    return { index, status: 'invalid', code: 'request.validation_failed', errors: entry.errors };
  }
  try {
    const { contact, created } = await upsertContact(deps, tenantId, entry.fields);
    return { index, status: created ? 'created' : 'updated', id: contact.id };
  } catch (error) {
    if (error instanceof DomainError) return { index, status: 'rejected', code: error.code, detail: error.message };
    // Each write is one item or one transaction: a failed one wrote nothing, unless the failure came after the
    // commit (a lost answer), which a repeat of the entry resolves (an external_id makes it an update).
    logger.error('a contact of a batch could not be stored', { error: error as Error, tenantId, index });
    return {
      index,
      status: 'rejected',
      code: 'contact.not_stored',
      detail: 'the contact could not be stored (an internal error, logged); send this entry again',
    };
  }
}

/** Indexes grouped so that entries with the same external_id run one after another, in input order. */
function groupByExternalId(entries: readonly BatchEntry[]): number[][] {
  const lanes = new Map<string, number[]>();
  const singles: number[][] = [];
  for (const [index, entry] of entries.entries()) {
    const externalId = 'fields' in entry ? entry.fields.externalId : undefined;
    if (externalId === undefined) {
      singles.push([index]);
      continue;
    }
    const lane = lanes.get(externalId) ?? [];
    lane.push(index);
    lanes.set(externalId, lane);
  }
  return [...lanes.values(), ...singles];
}
