import { createHash } from 'node:crypto';
import { InvalidCursorError } from '../domain/errors.js';
import type { Page, PageRequest } from '../ports/pagination.js';
import type { HttpEvent } from './middlewares.js';

/**
 * Cursors on the wire are bound to what they page: the tenant, the route and the resource its path names (a list's
 * members, a broadcast's executions). A cursor is `<position>.<binding>`, the binding a hash of those and of the
 * position; a cursor presented anywhere else (another tenant, another route, another list), or changed, is 400
 * `request.invalid_cursor` instead of a silently wrong page.
 *
 * The binding is not a signature: whoever knows this scheme can bind a position of their choosing to their own
 * tenant. That is harmless by design, since the partition a query reads is always rebuilt from the caller's tenant,
 * and the repositories check a position fits the collection (lib/adapters/dynamodb/paged-query.ts).
 */
const BINDING_CHARS = 22;

function scopeOf(event: HttpEvent, tenantId: string): string {
  const path = Object.entries(event.pathParameters ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([tenantId, event.routeKey, path]);
}

function bindingOf(scope: string, position: string): string {
  return createHash('sha256').update(scope).update('\n').update(position).digest('base64url').slice(0, BINDING_CHARS);
}

/** The page a collection route asks for, and its answer on the wire, both bound to the route and tenant. */
export interface Paging {
  request: PageRequest;
  body<T, R>(page: Page<T>, present: (item: T) => R): { items: R[]; next_cursor: string | null };
}

export function paging(
  event: HttpEvent,
  tenantId: string,
  query: { limit: number; cursor?: string | undefined },
): Paging {
  const scope = scopeOf(event, tenantId);
  const position = query.cursor === undefined ? undefined : openCursor(scope, query.cursor);
  return {
    request: { limit: query.limit, ...(position === undefined ? {} : { cursor: position }) },
    body: (page, present) => ({
      items: page.items.map(present),
      next_cursor: page.nextCursor === undefined ? null : `${page.nextCursor}.${bindingOf(scope, page.nextCursor)}`,
    }),
  };
}

function openCursor(scope: string, cursor: string): string {
  const dot = cursor.lastIndexOf('.');
  const position = cursor.slice(0, dot);
  if (dot <= 0 || cursor.slice(dot + 1) !== bindingOf(scope, position)) throw new InvalidCursorError();
  return position;
}
