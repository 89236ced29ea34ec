import type { BroadcastExecution, ExecutionStatus } from '../domain/broadcast-execution.js';
import type { Page, PageRequest } from './pagination.js';

/** Where a broadcast's executions live: its send chunks, then its pages of contacts skipped at planning. */
export interface ExecutionLayout {
  chunks: number;
  skipPages: number;
}

export type ExecutionPartition = { chunk: number } | { skipPage: number };

/**
 * Who works on a send chunk. One delivery at a time holds it, until `until` (epoch ms); `inFlight` names the
 * contacts it is about to send to, so that if it dies, the next holder knows which of them the channel may
 * already have. One write per chunk instead of one claim per contact; where the channel cannot de-duplicate, one
 * write per small group of sends, so that a death leaves only that group's outcomes unknown.
 */
export interface ChunkLease {
  /** Bumped by every take: a take succeeds only against the version its taker read. */
  version: number;
  holder?: string;
  until?: number;
  inFlight: string[];
}

/** A send chunk as one strongly consistent read: its executions and its lease, if it ever had one. */
export interface ChunkState {
  executions: BroadcastExecution[];
  lease?: ChunkLease;
}

export interface ExecutionRepository {
  /**
   * Writes planned executions; idempotent, since a page planned twice writes the same items again. A chunk's pending
   * executions come in one call, all of them: they are written as one item, the chunk's manifest, which a second
   * call replaces.
   */
  writePlanned(executions: readonly BroadcastExecution[]): Promise<void>;
  /** Deletes what an earlier, uncommitted attempt at planning left in a partition and is not planned now. */
  removeExcept(
    tenantId: string,
    broadcastId: string,
    partition: ExecutionPartition,
    keepContactIds: ReadonlySet<string>,
  ): Promise<void>;
  /** The executions of one send chunk, strongly consistent. */
  listChunk(tenantId: string, broadcastId: string, chunk: number): Promise<BroadcastExecution[]>;
  /** The executions of one send chunk and its lease, in one strongly consistent query. */
  readChunk(tenantId: string, broadcastId: string, chunk: number): Promise<ChunkState>;
  /**
   * Takes the chunk's lease for `holder` until `until`, naming the contacts about to be sent, but only if the
   * lease is still the version read with the chunk (`seenVersion`; undefined: it never had one). False when
   * another delivery changed it since: what was read may be stale.
   */
  takeChunkLease(
    tenantId: string,
    broadcastId: string,
    chunk: number,
    take: { seenVersion: number | undefined; holder: string; until: number; inFlight: readonly string[] },
  ): Promise<boolean>;
  /**
   * Names the next contacts about to be sent under a lease `holder` took (at `version`), and extends it to `until`.
   * False when it is no longer theirs (it expired and another delivery took it).
   */
  renameChunkLease(
    tenantId: string,
    broadcastId: string,
    chunk: number,
    hold: { holder: string; version: number; until: number; inFlight: readonly string[] },
  ): Promise<boolean>;
  /** Gives the lease back with nothing in flight, if `holder` still has it. */
  releaseChunkLease(tenantId: string, broadcastId: string, chunk: number, holder: string): Promise<void>;
  /**
   * Writes the execution only if the stored one is still in status `from`: the guard that makes every outcome
   * happen once, even when a sender outlived its chunk lease.
   */
  transition(execution: BroadcastExecution, from: ExecutionStatus): Promise<boolean>;
  findByBroadcast(
    tenantId: string,
    broadcastId: string,
    layout: ExecutionLayout,
    page: PageRequest,
    status?: ExecutionStatus,
  ): Promise<Page<BroadcastExecution>>;
}
