import { api } from '../api.js';
import { useLoad } from '../hooks.js';
import { formatCount, formatDuration } from '../logic/format.js';
import type { Preflight } from '../types.js';
import { ErrorMessage } from './error-message.js';

const LIMITED_BY: Record<Preflight['limited_by'], string> = {
  broadcast_rate: "the broadcast's rate limit",
  channel_cap: "the channel's cap",
  none: 'nothing (unlimited)',
};

/**
 * What executing would do (POST /preflight), then the operator's go-ahead. When the preflight itself fails, its
 * problem detail is shown and confirming is still possible: it informs the decision, it does not gate it.
 */
export function PreflightConfirm({
  broadcastId,
  busy,
  onConfirm,
  onCancel,
}: {
  broadcastId: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const preflight = useLoad(() => api.post<Preflight>(`/api/v1/broadcasts/${broadcastId}/preflight`), [broadcastId]);
  const p = preflight.data;
  return (
    <div>
      {preflight.loading && !p && <p aria-live="polite">Checking the audience…</p>}
      {preflight.error && (
        <>
          <p>The preflight check could not be made:</p>
          <ErrorMessage error={preflight.error} />
        </>
      )}
      {p && (
        <dl class="facts" data-testid="preflight">
          <dt>Audience</dt>
          <dd>{formatCount(p.audience_size)}</dd>
          <dt>Would send</dt>
          <dd>{formatCount(p.would_send)}</dd>
          <dt>Would skip</dt>
          <dd>
            {formatCount(p.would_skip.opted_out)} opted out, {formatCount(p.would_skip.suppressed)} suppressed,{' '}
            {formatCount(p.would_skip.no_address)} without an address, {formatCount(p.would_skip.missing_variable)}{' '}
            missing a variable
          </dd>
          <dt>Rate</dt>
          <dd>
            {p.effective_rate_per_minute === null ? 'unlimited' : `${formatCount(p.effective_rate_per_minute)} / min`},
            limited by {LIMITED_BY[p.limited_by] ?? p.limited_by}
          </dd>
          <dt>Estimated duration</dt>
          <dd>{formatDuration(p.estimated_duration_seconds)}</dd>
          <dt>Estimated cost</dt>
          <dd>{formatUsd(p.estimated_cost_usd)}</dd>
        </dl>
      )}
      <div class="dialog-actions">
        <button type="button" class="primary" disabled={busy || preflight.loading} onClick={onConfirm}>
          Confirm and execute
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** Dollars to the cent, and a small campaign's fraction of a cent with two significant digits rather than $0.00. */
function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}
