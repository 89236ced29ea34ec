import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqsEventSourceStats } from '../../../local/sqs-event-source.js';
import type { MeterSnapshot } from './aws-meter.js';
import { onInterrupt } from './environment.js';

/**
 * The benchmarks run what they measure in a child process of its own (test/bench/worker.ts), so its peak
 * RSS is that of the pipeline (or of the baseline) and nothing else: DynamoDB Local is a Java process of
 * its own, the webhook sink and the bookkeeping stay in the parent.
 */

export type ChildRole = 'pipeline' | 'baseline' | 'ceiling';

export type ParentMessage =
  | { type: 'start' }
  | { type: 'finish' }
  /** Baseline and ceiling roles: send the broadcast once, then report. */
  | { type: 'run-broadcast'; tenantId: string; broadcastId: string }
  | { type: 'stop' };

export interface ChildReport {
  meter: MeterSnapshot;
  /** Event-source stats over the measured window (pipeline role). */
  consumers?: {
    pipeline: SqsEventSourceStats;
    send: SqsEventSourceStats;
    receipts: SqsEventSourceStats;
    events: SqsEventSourceStats;
  };
  /** Domain events published (events.jsonl lines) over the measured window: EventBridge events in AWS. */
  domainEvents: number;
  /** process.resourceUsage().maxRSS: the highest RSS the process ever had. */
  peakRssMb: number;
  /** RSS when the measured window opened. */
  rssAtStartMb: number;
  /**
   * Pipeline role: when each message was handed to its channel adapter (epoch ms, by broadcast), as the sender's
   * own record of its pace; the receiver's clock adds the network and its own stalls.
   */
  handedToChannel?: Record<string, number[]>;
  /** Baseline and ceiling roles: how long the run took, and what it did. */
  baseline?: { durationMs: number; contacts: number; sent: number; failed: number };
}

export type ChildMessage =
  | { type: 'ready'; url?: string }
  | { type: 'started' }
  | { type: 'report'; report: ChildReport }
  | { type: 'error'; message: string };

export interface Child {
  url?: string;
  send(message: ParentMessage): void;
  next<T extends ChildMessage['type']>(type: T): Promise<Extract<ChildMessage, { type: T }>>;
  stop(): Promise<void>;
}

const WORKER = fileURLToPath(new URL('../worker.ts', import.meta.url));

export async function startChild(role: ChildRole, env: Record<string, string>): Promise<Child> {
  // Its own data directory: the log channel's outbox and the published domain events (events.jsonl).
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${role}-`));
  const child: ChildProcess = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env, BENCH_ROLE: role, DATA_DIR: dataDir },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const forget = onInterrupt(async () => {
    child.kill('SIGKILL');
  });
  child.once('exit', () => {
    forget();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const inbox: ChildMessage[] = [];
  let waiting: (() => void) | undefined;
  let exited: string | undefined;
  child.on('message', (message: ChildMessage) => {
    inbox.push(message);
    waiting?.();
  });
  child.on('exit', (code, signal) => {
    exited = `the ${role} child exited (${signal ?? code})`;
    waiting?.();
  });
  const next = async <T extends ChildMessage['type']>(type: T): Promise<Extract<ChildMessage, { type: T }>> => {
    for (;;) {
      const index = inbox.findIndex((m) => m.type === type || m.type === 'error');
      if (index >= 0) {
        const [message] = inbox.splice(index, 1) as [ChildMessage];
        if (message.type === 'error') throw new Error(`${role} child: ${message.message}`);
        return message as Extract<ChildMessage, { type: T }>;
      }
      if (exited) throw new Error(exited);
      await new Promise<void>((done) => {
        waiting = done;
      });
      waiting = undefined;
    }
  };
  const ready = await next('ready');
  return {
    ...(ready.url ? { url: ready.url } : {}),
    send: (message) => child.send(message),
    next,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((done) => child.once('exit', () => done()));
      child.send({ type: 'stop' } satisfies ParentMessage);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
