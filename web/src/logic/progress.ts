/** What the dashboard knows of a running broadcast at one instant: how many contacts are final. */
export interface ProgressSample {
  atMs: number;
  /** sent + failed + skipped */
  done: number;
}

export interface StatsCounts {
  total_contacts: number;
  sent: number;
  failed: number;
  skipped: number;
}

/** How far back the current rate looks: long enough to smooth a pacer's bursts, short enough to follow a pause. */
export const RATE_WINDOW_MS = 30_000;

export function doneOf(stats: StatsCounts): number {
  return stats.sent + stats.failed + stats.skipped;
}

/** Percent of the audience that is final (sent, failed or skipped), 0..100, rounded down so 100 means all. */
export function percentDone(stats: StatsCounts): number {
  if (stats.total_contacts <= 0) return 0;
  return Math.min(100, Math.floor((doneOf(stats) * 100) / stats.total_contacts));
}

/** Adds a sample and drops those older than the window (keeping one before it, so a rate always has two ends). */
export function addSample(samples: readonly ProgressSample[], sample: ProgressSample): ProgressSample[] {
  const kept = [...samples, sample];
  const firstInWindow = kept.findIndex((s) => s.atMs >= sample.atMs - RATE_WINDOW_MS);
  return kept.slice(Math.max(0, firstInWindow - 1));
}

/** Contacts made final per minute over the window; null until two samples some time apart exist. */
export function ratePerMinute(samples: readonly ProgressSample[]): number | null {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined || last.atMs - first.atMs < 1000) return null;
  return Math.max(0, ((last.done - first.done) * 60_000) / (last.atMs - first.atMs));
}

/** Seconds until every contact is final at this rate; null when there is no rate to go by. */
export function etaSeconds(stats: StatsCounts, rate: number | null): number | null {
  const remaining = Math.max(0, stats.total_contacts - doneOf(stats));
  if (remaining === 0) return 0;
  if (rate === null || rate <= 0) return null;
  return Math.ceil((remaining * 60) / rate);
}
