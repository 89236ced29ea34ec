import { formatCount } from '../logic/format.js';
import { percentDone, type StatsCounts } from '../logic/progress.js';

/** Sent, failed and skipped as stacked segments of the audience, with the same figures in text for screen readers. */
export function ProgressBar({ stats, label }: { stats: StatsCounts; label: string }) {
  const total = Math.max(stats.total_contacts, 1);
  const percent = percentDone(stats);
  const width = (n: number) => `${Math.min(100, (n * 100) / total)}%`;
  return (
    <div class="progress">
      <div
        class="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent} %`}
      >
        <span class="seg sent" style={{ width: width(stats.sent) }} />
        <span class="seg failed" style={{ width: width(stats.failed) }} />
        <span class="seg skipped" style={{ width: width(stats.skipped) }} />
      </div>
      <p class="progress-text">
        <strong>{percent} %</strong> · {formatCount(stats.sent)} sent · {formatCount(stats.failed)} failed ·{' '}
        {formatCount(stats.skipped)} skipped of {formatCount(stats.total_contacts)}
      </p>
    </div>
  );
}
