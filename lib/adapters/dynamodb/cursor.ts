import { z } from 'zod';
import { InvalidCursorError } from '../../domain/errors.js';

/**
 * A cursor holds only a shard number and the last sort key seen: the partition key is always rebuilt
 * from the caller's tenant, so a forged cursor can never start a query in someone else's partition.
 */
const cursorSchema = z.strictObject({ s: z.int().min(0).max(1024), k: z.string().min(1).max(1024).optional() });
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
