import { useRef, useState } from 'preact/hooks';
import { api, collect, type Page } from '../api.js';
import { ErrorMessage } from '../components/error-message.js';
import { ProgressBar } from '../components/progress-bar.js';
import { StatusBadge } from '../components/status-badge.js';
import { useLoad, usePolling } from '../hooks.js';
import { isLive } from '../logic/actions.js';
import { formatDuration, formatInstant } from '../logic/format.js';
import { addSample, doneOf, etaSeconds, type ProgressSample, ratePerMinute } from '../logic/progress.js';
import { href } from '../router.js';
import type { Broadcast, Channel, ContactList, Stats } from '../types.js';

export const POLL_MS = 1500;

const FINAL = new Set(['completed', 'failed', 'cancelled']);

interface Row {
  broadcast: Broadcast;
  stats?: Stats;
  rate: number | null;
}

/** Every broadcast with its status; the running ones with live progress, rate and ETA, refreshed while any runs. */
export function BroadcastsPage() {
  const [status, setStatus] = useState('');
  const samples = useRef(new Map<string, ProgressSample[]>());
  // A finished broadcast's counters never change again: read once, not on every refresh.
  const finalStats = useRef(new Map<string, Stats>());
  const names = useLoad(async () => {
    const [lists, channels] = await Promise.all([
      collect<ContactList>('/api/v1/contact-lists', 5000),
      collect<Channel>('/api/v1/channels', 1000),
    ]);
    return {
      lists: new Map(lists.items.map((l) => [l.id, l.name])),
      channels: new Map(channels.items.map((c) => [c.id, c.name])),
    };
  }, []);
  const rows = useLoad(async (): Promise<Row[]> => {
    const page = await api.get<Page<Broadcast>>(
      `/api/v1/broadcasts?limit=100${status ? `&status=${encodeURIComponent(status)}` : ''}`,
    );
    // The list's counters stay 0 once a broadcast runs (they live on its run): read the live ones from /stats.
    return Promise.all(
      page.items.map(async (broadcast): Promise<Row> => {
        if (broadcast.status === 'draft' || broadcast.status === 'scheduled') return { broadcast, rate: null };
        const kept = finalStats.current.get(broadcast.id);
        if (kept) return { broadcast, stats: kept, rate: null };
        const stats = await api.get<Stats>(`/api/v1/broadcasts/${broadcast.id}/stats`);
        if (FINAL.has(stats.status) && !isLive(broadcast, stats)) finalStats.current.set(broadcast.id, stats);
        const window = addSample(samples.current.get(broadcast.id) ?? [], { atMs: Date.now(), done: doneOf(stats) });
        samples.current.set(broadcast.id, window);
        return { broadcast, stats, rate: broadcast.status === 'running' ? ratePerMinute(window) : null };
      }),
    );
  }, [status]);
  const live = (rows.data ?? []).some((row) => isLive(row.broadcast, row.stats));
  usePolling(live, POLL_MS, rows.reload);

  return (
    <section aria-labelledby="broadcasts-title">
      <div class="page-head">
        <h1 id="broadcasts-title">Broadcasts</h1>
        <a class="button primary" href={href({ page: 'broadcast-new' })}>
          New broadcast
        </a>
      </div>
      <div class="toolbar">
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">all</option>
            {['draft', 'scheduled', 'running', 'paused', 'completed', 'failed', 'cancelled'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <p class="live-status" aria-live="polite" data-testid="live-status">
          {live
            ? `Live: refreshing every ${POLL_MS / 1000} s while a broadcast runs`
            : 'Nothing moving: not refreshing'}
        </p>
      </div>
      <ErrorMessage error={rows.error ?? names.error} />
      {rows.data && rows.data.length === 0 && <p>No broadcasts yet.</p>}
      {rows.data && rows.data.length > 0 && (
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Channel</th>
              <th scope="col">List</th>
              <th scope="col">Created</th>
              <th scope="col">Started</th>
              <th scope="col">Completed</th>
              <th scope="col">Progress</th>
            </tr>
          </thead>
          <tbody>
            {rows.data.map(({ broadcast: b, stats, rate }) => (
              <tr key={b.id} data-broadcast-id={b.id}>
                <th scope="row">
                  <a href={href({ page: 'broadcast', id: b.id })}>{b.name}</a>
                </th>
                <td>
                  <StatusBadge status={b.status} />
                </td>
                <td>{b.channel_id ? (names.data?.channels.get(b.channel_id) ?? b.channel_id) : 'stage default'}</td>
                <td>{names.data?.lists.get(b.list_id) ?? b.list_id}</td>
                <td>{formatInstant(b.created_at)}</td>
                <td>{formatInstant(b.started_at)}</td>
                <td>{formatInstant(b.completed_at ?? b.cancelled_at)}</td>
                <td class="progress-cell">
                  {stats ? (
                    <>
                      <ProgressBar stats={stats} label={`Progress of ${b.name}`} />
                      {b.status === 'running' && (
                        <p class="muted">
                          {rate === null ? 'measuring rate…' : `${Math.round(rate)} msgs/min`} · ETA{' '}
                          {formatDuration(etaSeconds(stats, rate))}
                        </p>
                      )}
                    </>
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
