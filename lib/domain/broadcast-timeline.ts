/**
 * A broadcast's outcomes per minute. Counted per send chunk, never per message: when a chunk's tally is committed,
 * its counts are added to the bucket of the minute it was committed in, in the same transaction (exactly once, as
 * the tally itself). Contacts skipped while the audience was planned, before any chunk, are not in it.
 */
export const TIMELINE_BUCKET_SECONDS = 60;

export interface TimelineBucket {
  /** The minute's first instant, ISO 8601 UTC. */
  start: string;
  sent: number;
  failed: number;
  skipped: number;
}

/** The start of the bucket an instant falls in. */
export function bucketStart(instant: string): string {
  const ms = new Date(instant).getTime();
  return new Date(ms - (ms % (TIMELINE_BUCKET_SECONDS * 1000))).toISOString();
}
