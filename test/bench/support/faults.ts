import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BroadcastExecution, ExecutionStatus } from '../../../lib/domain/broadcast-execution.js';
import type { PlanPageCommit } from '../../../lib/ports/broadcast-run-repository.js';
import type { ChannelSender, OutboundMessage } from '../../../lib/ports/channel-sender.js';
import type { UseCaseDeps } from '../../../lib/use-cases/deps.js';

/**
 * Faults for `npm run chaos`, injected through the composition root's hooks (lib/composition-root.ts
 * setRuntimeHooks), never through product code:
 * - DynamoDB throttling: an SDK middleware that fails a share of attempts with the error DynamoDB sends,
 *   after the SDK's retry middleware, so the SDK retries them as it would in AWS;
 * - the sender handler killed at random points: an exception that nothing in the sender catches, thrown
 *   from its repositories before or after the real call, and between the provider's acceptance of a message
 *   and the write that records it. The handler's invocation fails, its message comes back after the send
 *   queue's visibility timeout, as after a crash;
 * - a segment's planner killed mid-segment (PLANNER_KILL_RATES, off unless a scenario sets them): between the write of
 *   a page's executions and its commit, or right after the commit, before the next plan message is queued. A killed
 *   planner is a dead process: it never gives its lease back, so the page waits for the lease to expire and the
 *   pacer's planner watch to queue the segment again.
 */

export type KillPoint =
  | 'before_read_chunk'
  | 'after_lease'
  | 'after_provider_accepted_before_record'
  | 'after_record'
  | 'before_tally'
  | 'after_tally';

/** Probability per call at each point. */
export const KILL_RATES: Readonly<Record<KillPoint, number>> = {
  before_read_chunk: 0.01,
  after_lease: 0.02,
  after_provider_accepted_before_record: 0.002,
  after_record: 0.001,
  before_tally: 0.01,
  after_tally: 0.01,
};

export type PlannerKillPoint = 'planner_after_executions_before_commit' | 'planner_after_commit';

/** Probability per page commit at each point (the planner_crash scenario of `npm run chaos`). */
export const PLANNER_KILL_RATES: Readonly<Record<PlannerKillPoint, number>> = {
  planner_after_executions_before_commit: 0.08,
  planner_after_commit: 0.05,
};

export const SENDER_KILLS_OFF: Readonly<Record<KillPoint, number>> = {
  before_read_chunk: 0,
  after_lease: 0,
  after_provider_accepted_before_record: 0,
  after_record: 0,
  before_tally: 0,
  after_tally: 0,
};

export const PLANNER_KILLS_OFF: Readonly<Record<PlannerKillPoint, number>> = {
  planner_after_executions_before_commit: 0,
  planner_after_commit: 0,
};

/** A scenario's fault rates; what it leaves out is as in the every-fault scenario (no planner kills). */
export interface FaultRates {
  throttleRate?: number;
  senderKillRates?: Readonly<Record<KillPoint, number>>;
  plannerKillRates?: Readonly<Record<PlannerKillPoint, number>>;
}

/** A planner kill, for the report: which page of which segment, and when. */
export interface PlannerKill {
  point: PlannerKillPoint;
  segment: number;
  /** The segment's page count the commit expected (the page being planned). */
  page: number;
  done: boolean;
  atMs: number;
  /** Ms from the kill to the segment's next committed page; undefined if none came. */
  recoveredAfterMs?: number;
}

export class HandlerKilled extends Error {
  constructor(readonly point: KillPoint) {
    super(`chaos: sender handler killed (${point})`);
    this.name = 'HandlerKilled';
  }
}

export class PlannerKilled extends Error {
  constructor(readonly point: PlannerKillPoint) {
    super(`chaos: planner killed (${point})`);
    this.name = 'PlannerKilled';
  }
}

export class FaultInjector {
  /** Off until the measured broadcast starts, and again while the results are read. */
  on = false;
  throttleRate: number;
  throttled = 0;
  readonly senderKillRates: Readonly<Record<KillPoint, number>>;
  readonly plannerKillRates: Readonly<Record<PlannerKillPoint, number>>;
  readonly kills: Record<KillPoint, number> = { ...SENDER_KILLS_OFF };
  readonly plannerKills: Record<PlannerKillPoint, number> = { ...PLANNER_KILLS_OFF };
  /** Every planner kill, in order. */
  readonly plannerKillLog: PlannerKill[] = [];
  /** Executions whose message the provider accepted and whose record must now die. */
  private readonly doomed = new Set<string>();
  /** Leases of killed planners: a dead process gives nothing back. */
  private readonly deadLeases = new Set<string>();

  constructor(
    rates: FaultRates = {},
    private readonly random: () => number = Math.random,
  ) {
    this.throttleRate = rates.throttleRate ?? 0.02;
    this.senderKillRates = rates.senderKillRates ?? KILL_RATES;
    this.plannerKillRates = rates.plannerKillRates ?? PLANNER_KILLS_OFF;
  }

  /** Planner kills per segment and point. */
  plannerKillsBySegment(): Record<string, Record<PlannerKillPoint, number>> {
    const bySegment: Record<string, Record<PlannerKillPoint, number>> = {};
    for (const { segment, point } of this.plannerKillLog) {
      const counts = bySegment[String(segment)] ?? { ...PLANNER_KILLS_OFF };
      counts[point]++;
      bySegment[String(segment)] = counts;
    }
    return bySegment;
  }

  /** A throttling error like DynamoDB's own, for a share of attempts (the SDK retries it). */
  throttle(client: DynamoDBDocumentClient): void {
    const stack = client.middlewareStack as unknown as {
      add(middleware: unknown, options: Record<string, unknown>): void;
    };
    stack.add(
      (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        if (this.on && this.random() < this.throttleRate) {
          this.throttled++;
          throw Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded'), {
            name: 'ProvisionedThroughputExceededException',
            $fault: 'client',
            $retryable: { throttling: true },
            $metadata: { httpStatusCode: 400, requestId: 'chaos-throttle', attempts: 1, totalRetryDelay: 0 },
          });
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'chaosThrottle', override: true },
    );
  }

  /** Wraps the sender's dependencies so that its handler dies at its kill rates, and the planner's at its own. */
  decorate(deps: UseCaseDeps): UseCaseDeps {
    const executions = deps.executions;
    const runs = deps.runs;
    const senders = deps.senders;
    return {
      ...deps,
      executions: proxy(executions, {
        readChunk: async (...args: Parameters<typeof executions.readChunk>) => {
          this.maybeKill('before_read_chunk');
          return executions.readChunk(...args);
        },
        takeChunkLease: async (...args: Parameters<typeof executions.takeChunkLease>) => {
          const taken = await executions.takeChunkLease(...args);
          if (taken) this.maybeKill('after_lease');
          return taken;
        },
        transition: async (execution: BroadcastExecution, from: ExecutionStatus) => {
          if (execution.status === 'sent' && this.doomed.delete(execution.id))
            this.kill('after_provider_accepted_before_record');
          const applied = await executions.transition(execution, from);
          if (applied) this.maybeKill('after_record');
          return applied;
        },
      }),
      runs: proxy(runs, {
        commitTally: async (...args: Parameters<typeof runs.commitTally>) => {
          this.maybeKill('before_tally');
          const counted = await runs.commitTally(...args);
          this.maybeKill('after_tally');
          return counted;
        },
        commitPlanPage: async (...args: Parameters<typeof runs.commitPlanPage>) => {
          const commit = args[2];
          // The page's executions are written; its commit is not.
          this.maybeKillPlanner('planner_after_executions_before_commit', commit);
          const committed = await runs.commitPlanPage(...args);
          if (committed) this.noteCommitted(commit.segment);
          // Committed, but the next plan message is never queued.
          if (committed) this.maybeKillPlanner('planner_after_commit', commit);
          return committed;
        },
        releasePlanLease: async (...args: Parameters<typeof runs.releasePlanLease>) => {
          if (this.deadLeases.has(args[3])) throw new Error('chaos: a killed planner gives no lease back');
          return runs.releasePlanLease(...args);
        },
      }),
      senders: {
        senderFor: (channel) => {
          const sender: ChannelSender = senders.senderFor(channel);
          return {
            honoursIdempotencyKey: sender.honoursIdempotencyKey,
            send: async (message: OutboundMessage) => {
              const outcome = await sender.send(message);
              if (
                outcome.kind === 'accepted' &&
                this.on &&
                this.random() < this.senderKillRates.after_provider_accepted_before_record
              ) {
                this.doomed.add(message.executionId);
              }
              return outcome;
            },
          };
        },
      },
    };
  }

  private maybeKill(point: KillPoint): void {
    if (this.on && this.random() < this.senderKillRates[point]) this.kill(point);
  }

  private maybeKillPlanner(point: PlannerKillPoint, commit: PlanPageCommit): void {
    const rate = this.plannerKillRates[point];
    if (!this.on || rate <= 0 || this.random() >= rate) return;
    this.plannerKills[point]++;
    this.deadLeases.add(commit.lease);
    this.plannerKillLog.push({
      point,
      segment: commit.segment,
      page: commit.expectedPages,
      done: commit.done,
      atMs: performance.now(),
    });
    throw new PlannerKilled(point);
  }

  /** The segment planned on: the kills it had waiting for this are over. */
  private noteCommitted(segment: number): void {
    const now = performance.now();
    for (const kill of this.plannerKillLog) {
      if (kill.segment === segment && kill.recoveredAfterMs === undefined) kill.recoveredAfterMs = now - kill.atMs;
    }
  }

  private kill(point: KillPoint): never {
    this.kills[point]++;
    throw new HandlerKilled(point);
  }
}

/** `target` with some methods replaced; the others still bound to it. */
function proxy<T extends object>(target: T, overrides: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (property in overrides) return overrides[property as keyof T];
      const value = Reflect.get(object, property, receiver);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
