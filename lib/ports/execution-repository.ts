import type { BroadcastExecution, ExecutionStatus } from '../domain/broadcast-execution.js';
import type { Page, PageRequest } from './pagination.js';

export interface ExecutionRepository {
  /** Writes new executions; an execution that already exists for the contact is left as it is. */
  saveBatch(executions: readonly BroadcastExecution[]): Promise<void>;
  /** Writes a status change only if the stored status is still `expectedStatus`; returns whether it applied. */
  save(execution: BroadcastExecution, expectedStatus: ExecutionStatus): Promise<boolean>;
  findByContact(tenantId: string, broadcastId: string, contactId: string): Promise<BroadcastExecution | undefined>;
  findByBroadcast(
    tenantId: string,
    broadcastId: string,
    page: PageRequest,
    status?: ExecutionStatus,
  ): Promise<Page<BroadcastExecution>>;
  findPending(tenantId: string, broadcastId: string, page: PageRequest): Promise<Page<BroadcastExecution>>;
}
