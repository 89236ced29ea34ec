import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BroadcastExecution, ExecutionStatus } from '../../../lib/domain/broadcast-execution.js';
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
 *   queue's visibility timeout, as after a crash.
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

export class HandlerKilled extends Error {
  constructor(readonly point: KillPoint) {
    super(`chaos: sender handler killed (${point})`);
    this.name = 'HandlerKilled';
  }
}

export class FaultInjector {
  /** Off until the measured broadcast starts, and again while the results are read. */
  on = false;
  throttleRate = 0.02;
  throttled = 0;
  readonly kills: Record<KillPoint, number> = {
    before_read_chunk: 0,
    after_lease: 0,
    after_provider_accepted_before_record: 0,
    after_record: 0,
    before_tally: 0,
    after_tally: 0,
  };
  /** Executions whose message the provider accepted and whose record must now die. */
  private readonly doomed = new Set<string>();

  constructor(private readonly random: () => number = Math.random) {}

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

  /** Wraps the sender's dependencies so that its handler dies at the KILL_RATES. */
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
                this.random() < KILL_RATES.after_provider_accepted_before_record
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
    if (this.on && this.random() < KILL_RATES[point]) this.kill(point);
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
