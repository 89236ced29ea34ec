import { z } from 'zod';
import { InvalidCursorError } from '../../domain/errors.js';

/**
 * A cursor holds only a shard number and the last sort key seen: the partition key is always rebuilt
 * from the caller's tenant, so a forged cursor can never start a query in someone else's partition.
 */
/**
 * A broadcast's executions span a partition per send chunk (50 contacts by default): ten million partitions cover
 * a 500-million-contact broadcast, where 1,024 stopped a listing after its 51,200th contact.
 */
const MAX_CURSOR_PARTITION = 10_000_000;
const cursorSchema = z.strictObject({
  s: z.int().min(0).max(MAX_CURSOR_PARTITION),
  k: z.string().min(1).max(1024).optional(),
});
export type Cursor = z.infer<typeof cursorSchema>;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(value: string | undefined): Cursor | undefined {
  if (value === undefined) return undefined;
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError();
  }
}
