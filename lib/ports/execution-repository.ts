import type { BroadcastExecution, ExecutionStatus } from '../domain/broadcast-execution.js';
import type { Page, PageRequest } from './pagination.js';

/** Where a broadcast's executions live: its send chunks, then its pages of contacts skipped at planning. */
export interface ExecutionLayout {
  chunks: number;
  skipPages: number;
}

export type ExecutionPartition = { chunk: number } | { skipPage: number };

export interface ExecutionRepository {
  /** Writes planned executions; idempotent, since a page planned twice writes the same items again. */
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
  /**
   * Writes the execution only if the stored one is still in status `from` (and, when given, still holds
   * the claim `claimedAt`): the guard that makes every claim and every outcome happen once.
   */
  transition(execution: BroadcastExecution, from: ExecutionStatus, claimedAt?: string): Promise<boolean>;
  findByBroadcast(
    tenantId: string,
    broadcastId: string,
    layout: ExecutionLayout,
    page: PageRequest,
    status?: ExecutionStatus,
  ): Promise<Page<BroadcastExecution>>;
}
