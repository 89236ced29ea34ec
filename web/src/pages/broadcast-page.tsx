import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { BroadcastActions } from '../components/broadcast-actions.js';
import { DeliveryFunnel } from '../components/delivery-funnel.js';
import { ErrorMessage } from '../components/error-message.js';
import { ExecutionsTable } from '../components/executions-table.js';
import { FailureReasons } from '../components/failure-reasons.js';
import { ProgressBar } from '../components/progress-bar.js';
import { StatusBadge } from '../components/status-badge.js';
import { TimelineChart } from '../components/timeline-chart.js';
import { useLoad, usePolling } from '../hooks.js';
import { isLive } from '../logic/actions.js';
import { formatCount, formatInstant } from '../logic/format.js';
import { href } from '../router.js';
import type { Broadcast, Stats, Timeline } from '../types.js';
import { POLL_MS } from './broadcasts-page.js';

/** One broadcast: its progress, per-minute chart, funnel, reasons, executions and the actions its status allows. */
export function BroadcastPage({ id }: { id: string }) {
  // Bumped on every refresh, so the sections that read executions read them again.
  const [refreshKey, setRefreshKey] = useState(0);
  const detail = useLoad(async () => {
    const [broadcast, stats] = await Promise.all([
      api.get<Broadcast>(`/api/v1/broadcasts/${id}`),
      api.get<Stats>(`/api/v1/broadcasts/${id}/stats`),
    ]);
    return { broadcast, stats };
  }, [id, refreshKey]);
  const timeline = useLoad(() => api.get<Timeline>(`/api/v1/broadcasts/${id}/timeline`), [id, refreshKey]);
  const live = detail.data ? isLive(detail.data.broadcast, detail.data.stats) : false;
  usePolling(live, POLL_MS, async () => setRefreshKey((k) => k + 1));

  if (!detail.data) {
    return (
      <section>
        <p>
          <a href={href({ page: 'broadcasts' })}>← Broadcasts</a>
        </p>
        {detail.error ? <ErrorMessage error={detail.error} /> : <p>Loading…</p>}
      </section>
    );
  }
  const { broadcast: b, stats } = detail.data;
  return (
    <section aria-labelledby="broadcast-title">
      <p>
        <a href={href({ page: 'broadcasts' })}>← Broadcasts</a>
      </p>
      <div class="page-head">
        <h1 id="broadcast-title">{b.name}</h1>
        <StatusBadge status={b.status} />
      </div>
      {b.status_reason && <p class="muted">Reason: {b.status_reason}</p>}
      <p class="live-status" aria-live="polite" data-testid="live-status">
        {live ? `Live: refreshing every ${POLL_MS / 1000} s` : 'Not moving: not refreshing'}
      </p>
      <ErrorMessage error={detail.error} />
      <BroadcastActions broadcast={b} onChanged={() => setRefreshKey((k) => k + 1)} />

      <div class="cards">
        <dl class="facts">
          <dt>Created</dt>
          <dd>{formatInstant(b.created_at)}</dd>
          <dt>Scheduled for</dt>
          <dd>{formatInstant(b.scheduled_for)}</dd>
          <dt>Started</dt>
          <dd>{formatInstant(b.started_at)}</dd>
          <dt>Completed</dt>
          <dd>{formatInstant(b.completed_at ?? b.cancelled_at)}</dd>
          <dt>Rate limit</dt>
          <dd>{b.rate_limit === 0 ? 'unlimited' : `${formatCount(b.rate_limit)} / min`}</dd>
        </dl>
        <dl class="facts">
          <dt>Audience</dt>
          <dd>{formatCount(stats.total_contacts)}</dd>
          <dt>Pending</dt>
          <dd>{formatCount(stats.pending)}</dd>
          <dt>Sending</dt>
          <dd>{formatCount(stats.sending)}</dd>
          <dt>Sent</dt>
          <dd>{formatCount(stats.sent)}</dd>
          <dt>Failed</dt>
          <dd>{formatCount(stats.failed)}</dd>
          <dt>Skipped</dt>
          <dd>{formatCount(stats.skipped)}</dd>
        </dl>
      </div>
      <ProgressBar stats={stats} label={`Progress of ${b.name}`} />

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Sent and failed per minute</h2>
        {timeline.data ? <TimelineChart timeline={timeline.data} /> : <ErrorMessage error={timeline.error} />}
      </section>
      <section aria-labelledby="funnel-title">
        <h2 id="funnel-title">Delivery funnel</h2>
        <DeliveryFunnel stats={stats} />
      </section>
      <FailureReasons broadcastId={id} refreshKey={refreshKey} />
      <ExecutionsTable broadcastId={id} refreshKey={refreshKey} />
    </section>
  );
}
