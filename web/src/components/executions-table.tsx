import { useState } from 'preact/hooks';
import { api, type Page } from '../api.js';
import { useLoad } from '../hooks.js';
import { formatInstant } from '../logic/format.js';
import type { Execution } from '../types.js';
import { ErrorMessage } from './error-message.js';
import { StatusBadge } from './status-badge.js';

const PAGE_SIZE = 25;

/** Who got what: one page at a time, by cursor, narrowed to one status. */
export function ExecutionsTable({ broadcastId, refreshKey }: { broadcastId: string; refreshKey: number }) {
  const [status, setStatus] = useState('');
  // The cursors of the pages before this one: "Previous" pops, "Next" pushes.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (status) query.set('status', status);
  if (cursor) query.set('cursor', cursor);
  const path = `/api/v1/broadcasts/${broadcastId}/executions?${query}`;
  const loaded = useLoad(async () => ({ path, page: await api.get<Page<Execution>>(path) }), [path, refreshKey]);
  // A refresh keeps the rows on screen until its answer comes; another status or page never shows the last one's rows.
  const page = { error: loaded.error, data: loaded.data?.path === path ? loaded.data.page : undefined };

  return (
    <section aria-labelledby="executions-title">
      <h2 id="executions-title">Executions</h2>
      <div class="toolbar">
        <label>
          Status{' '}
          <select
            value={status}
            onChange={(e) => {
              setStatus((e.target as HTMLSelectElement).value);
              setCursors([null]);
            }}
          >
            <option value="">all</option>
            {['pending', 'sending', 'sent', 'failed', 'skipped'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <span class="muted">Page {cursors.length}</span>
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <button
          type="button"
          disabled={!page.data?.next_cursor}
          onClick={() => page.data?.next_cursor && setCursors([...cursors, page.data.next_cursor])}
        >
          Next
        </button>
      </div>
      <ErrorMessage error={page.error} />
      {!page.data && !page.error && <p class="muted">Loading…</p>}
      {page.data && page.data.items.length === 0 && <p>No executions{status ? ` with status ${status}` : ''}.</p>}
      {page.data && page.data.items.length > 0 && (
        <table class="data" data-testid="executions">
          <thead>
            <tr>
              <th scope="col">Contact</th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col">Error</th>
              <th scope="col">Attempts</th>
              <th scope="col">Sent at</th>
              <th scope="col">Delivery</th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((e) => (
              <tr key={e.id}>
                <td>
                  <code>{e.contact_id}</code>
                </td>
                <td>
                  <StatusBadge status={e.status} />
                </td>
                <td>{e.reason ?? '—'}</td>
                <td>{e.error ?? '—'}</td>
                <td>{e.attempts}</td>
                <td>{formatInstant(e.sent_at)}</td>
                <td>{e.delivery_status ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
