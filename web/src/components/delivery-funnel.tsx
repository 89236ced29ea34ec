import { formatCount } from '../logic/format.js';
import type { Stats } from '../types.js';

/** Sent → delivered → read, as the channel's receipts report them; absent figures are said to be absent. */
export function DeliveryFunnel({ stats }: { stats: Stats }) {
  if (typeof stats.delivered !== 'number' || typeof stats.read !== 'number') {
    return <p class="muted">This service reports no delivery receipts for this broadcast.</p>;
  }
  const steps = [
    { label: 'Sent', value: stats.sent },
    { label: 'Delivered', value: stats.delivered },
    { label: 'Read', value: stats.read },
  ];
  const base = Math.max(stats.sent, 1);
  return (
    <div>
      <ol class="funnel" data-testid="funnel">
        {steps.map((step) => (
          <li key={step.label}>
            <span class="funnel-label">{step.label}</span>
            <span class="funnel-bar" style={{ width: `${Math.max(2, (step.value * 100) / base)}%` }} />
            <span class="funnel-value">
              {formatCount(step.value)} ({Math.round((step.value * 100) / base)} %)
            </span>
          </li>
        ))}
      </ol>
      {stats.sent > 0 && stats.delivered === 0 && (
        <p class="muted">No receipts yet: channels such as log and webhook do not report deliveries or reads.</p>
      )}
    </div>
  );
}
