import { collect } from '../api.js';
import { useLoad } from '../hooks.js';
import { formatCount } from '../logic/format.js';
import type { Execution } from '../types.js';
import { ErrorMessage } from './error-message.js';

/** How many executions are read to group them: enough for any campaign a person reads reasons of, bounded in time. */
const MAX_EXAMINED = 5000;

/**
 * Failed and skipped contacts grouped by reason. The API has no aggregate for this: the executions of those statuses
 * are read (up to MAX_EXAMINED each) and counted here.
 */
export function FailureReasons({ broadcastId, refreshKey }: { broadcastId: string; refreshKey: number }) {
  const groups = useLoad(async () => {
    const read = async (status: 'failed' | 'skipped') => {
      const { items, complete } = await collect<Execution>(
        `/api/v1/broadcasts/${broadcastId}/executions?status=${status}`,
        MAX_EXAMINED,
      );
      const counts = new Map<string, number>();
      for (const e of items) counts.set(e.reason ?? 'unknown', (counts.get(e.reason ?? 'unknown') ?? 0) + 1);
      return { status, complete, counts: [...counts.entries()].sort((a, b) => b[1] - a[1]) };
    };
    return Promise.all([read('failed'), read('skipped')]);
  }, [broadcastId, refreshKey]);
  const rows = (groups.data ?? []).flatMap((g) =>
    g.counts.map(([reason, count]) => ({ status: g.status, reason, count })),
  );
  return (
    <section aria-labelledby="reasons-title">
      <h2 id="reasons-title">Failures and skips by reason</h2>
      <ErrorMessage error={groups.error} />
      {groups.data && rows.length === 0 && <p>No contact failed or was skipped.</p>}
      {rows.length > 0 && (
        <table class="data" data-testid="reasons">
          <thead>
            <tr>
              <th scope="col">Outcome</th>
              <th scope="col">Reason</th>
              <th scope="col">Contacts</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.status}:${r.reason}`}>
                <td>{r.status}</td>
                <td>{r.reason}</td>
                <td>{formatCount(r.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {groups.data?.some((g) => !g.complete) && (
        <p class="muted">Counted over the first {formatCount(MAX_EXAMINED)} of each outcome.</p>
      )}
    </section>
  );
}
