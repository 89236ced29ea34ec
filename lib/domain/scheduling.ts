/** The status reason of a scheduled broadcast that could not start within the allowed lateness. */
export const SCHEDULE_EXPIRED = 'schedule_expired';

/** The status reason prefix of a scheduled broadcast that could not start at all (no channel, ...). */
export const START_FAILED = 'start_failed';

/**
 * What to do with a scheduled broadcast at `now`:
 * - `early`: its time has not come (a start that arrives early is put off, never honoured early);
 * - `start`: due, and at most `maxLatenessMs` late;
 * - `expire`: more than `maxLatenessMs` late (a lost schedule, a long outage): it becomes `failed` with
 *   reason `schedule_expired` rather than sending a stale campaign.
 */
export type ScheduledStartDecision = 'early' | 'start' | 'expire';

export function scheduledStartDecision(scheduledFor: string, now: Date, maxLatenessMs: number): ScheduledStartDecision {
  const lateness = now.getTime() - Date.parse(scheduledFor);
  if (Number.isNaN(lateness)) throw new RangeError(`not a date-time: ${scheduledFor}`);
  if (lateness < 0) return 'early';
  return lateness > maxLatenessMs ? 'expire' : 'start';
}
