import type { BroadcastExecution } from './broadcast-execution.js';
import type { ChunkTally } from './broadcast-run.js';

/** The outcome counts of a chunk's executions, as they stand. */
export function tallyOf(chunk: number, executions: readonly BroadcastExecution[]): ChunkTally {
  return {
    chunk,
    contacts: executions.length,
    sent: executions.filter((e) => e.status === 'sent').length,
    failed: executions.filter((e) => e.status === 'failed').length,
    skipped: executions.filter((e) => e.status === 'skipped').length,
  };
}

/** A chunk is counted only when every one of its executions is sent, failed or skipped. */
export function isChunkFinished(tally: ChunkTally): boolean {
  return tally.sent + tally.failed + tally.skipped === tally.contacts;
}
