/**
 * Where an execution lives, as one opaque string a provider echoes back with its delivery receipts (WhatsApp's
 * `biz_opaque_callback_data`, an e-mail's tags, an SMS's context): the receipt then finds its execution with one
 * read, without an index from provider message ids to executions (a write per message that only receipts would use).
 * The tenant is not in it: a receipt's tenant is the channel's, which the receipt's route already resolved.
 */
export interface ExecutionReference {
  executionId: string;
  broadcastId: string;
  chunk: number;
  contactId: string;
}

const VERSION = 'x1';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const PATTERN = new RegExp(`^${VERSION}\\.(${UUID})\\.(${UUID})\\.([0-9]{1,9})\\.(${UUID})$`);

/** `x1.<executionId>.<broadcastId>.<chunk>.<contactId>`: 153 characters, well inside WhatsApp's 512. */
export function formatExecutionReference(reference: ExecutionReference): string {
  return [VERSION, reference.executionId, reference.broadcastId, reference.chunk, reference.contactId].join('.');
}

/** The reference a receipt carried, or undefined for anything this service did not write (forged, foreign, old). */
export function parseExecutionReference(text: string | undefined): ExecutionReference | undefined {
  const match = text === undefined ? null : PATTERN.exec(text);
  if (!match) return undefined;
  const [, executionId = '', broadcastId = '', chunk = '', contactId = ''] = match;
  return { executionId, broadcastId, chunk: Number(chunk), contactId };
}
