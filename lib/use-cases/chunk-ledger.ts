import { type BroadcastExecution, isTerminal } from '../domain/broadcast-execution.js';
import type { ChunkTally } from '../domain/broadcast-run.js';
import { tallyOf } from '../domain/chunk-tally.js';
import type { UseCaseDeps } from './deps.js';

type Deps = Pick<UseCaseDeps, 'executions' | 'clock'>;

/** What one delivery of a chunk wrote: terminal outcomes, and attempts put back for later. */
export interface RecordedCounts {
  sent: number;
  failed: number;
  skipped: number;
  /** Transient failures put back for a later attempt. */
  retried: number;
  /** Of those, the ones where the channel asked to slow down. */
  throttled: number;
}

export type TerminalFields = Partial<Pick<BroadcastExecution, 'reason' | 'error' | 'messageId' | 'sentAt'>>;

/**
 * Records what happens to a chunk's executions, each write conditional on the status it was read with, so every
 * outcome happens once even when two deliveries overlap. Keeps each execution's latest state (for the tally) and
 * counts what this delivery wrote (for its report).
 */
export class ChunkLedger {
  readonly counts: RecordedCounts = { sent: 0, failed: 0, skipped: 0, retried: 0, throttled: 0 };
  /** A write found its execution changed since it was read: another delivery of the chunk is at work. */
  lostARace = false;
  /** The longest wait asked for by an attempt put back for later. */
  retryAfterMs: number | undefined;
  private readonly latest = new Map<string, BroadcastExecution>();

  constructor(
    private readonly deps: Deps,
    executions: readonly BroadcastExecution[],
  ) {
    for (const execution of executions) this.latest.set(execution.contactId, execution);
  }

  /** Every execution is sent, failed or skipped. */
  isDone(): boolean {
    return [...this.latest.values()].every((e) => isTerminal(e.status));
  }

  tally(chunk: number): ChunkTally {
    return tallyOf(chunk, [...this.latest.values()]);
  }

  /** Records a terminal status. */
  async close(
    execution: BroadcastExecution,
    status: 'sent' | 'failed' | 'skipped',
    fields: TerminalFields,
    attempts = execution.attempts,
  ): Promise<void> {
    const done: BroadcastExecution = {
      ...execution,
      ...fields,
      status,
      attempts,
      updatedAt: this.deps.clock.now().toISOString(),
    };
    delete done.attemptLease;
    if (await this.apply(done, execution)) this.counts[status]++;
  }

  /**
   * Puts an execution back for a later attempt, recording this one under `attemptLease` (the lease version it
   * was made under: its outcome is known, whatever becomes of that lease).
   */
  async putBack(
    execution: BroadcastExecution,
    attempt: { attempts: number; error: string; attemptLease: number; retryAfterMs: number; throttled: boolean },
  ): Promise<void> {
    const back: BroadcastExecution = {
      ...execution,
      attempts: attempt.attempts,
      error: attempt.error,
      attemptLease: attempt.attemptLease,
      updatedAt: this.deps.clock.now().toISOString(),
    };
    if (!(await this.apply(back, execution))) return;
    this.counts.retried++;
    if (attempt.throttled) this.counts.throttled++;
    this.retryAfterMs = Math.max(this.retryAfterMs ?? 0, attempt.retryAfterMs);
  }

  private async apply(next: BroadcastExecution, read: BroadcastExecution): Promise<boolean> {
    const applied = await this.deps.executions.transition(next, read.status);
    if (applied) this.latest.set(read.contactId, next);
    else this.lostARace = true;
    return applied;
  }
}
