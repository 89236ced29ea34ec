import type { Broadcast, BroadcastChange, BroadcastStatus } from '../domain/broadcast.js';
import type { BroadcastRun } from '../domain/broadcast-run.js';
import type { PacerRestart } from './broadcast-run-repository.js';
import type { Page, PageRequest } from './pagination.js';

/** Where a broadcast sits in the due order of scheduled broadcasts. */
export type ScheduledPosition = Pick<Broadcast, 'tenantId' | 'id' | 'scheduledFor'>;

export interface BroadcastRepository {
  /**
   * Stores a new broadcast and, in the same transaction, marks its list as used (ContactListRepository.delete is
   * conditional on that mark): UnprocessableError `broadcast.unknown_list` when the list does not exist (any more).
   */
  create(broadcast: Broadcast): Promise<void>;
  findById(tenantId: string, id: string): Promise<Broadcast | undefined>;
  list(tenantId: string, page: PageRequest, status?: BroadcastStatus): Promise<Page<Broadcast>>;
  /**
   * Writes an edit of a draft. Fails with ConflictError when the stored broadcast is no longer the
   * version that was read (`broadcast.concurrent_update`) or no longer a draft (`broadcast.not_draft`). Marks the
   * list it names as used in the same transaction, as create does (`broadcast.unknown_list` when it is gone).
   */
  update(broadcast: Broadcast, expectedVersion: number): Promise<void>;
  /** Writes a status change only if the stored status is still `change.expectedStatus`, else InvalidTransitionError. */
  applyTransition(change: BroadcastChange): Promise<void>;
  /** Starts a broadcast: the status change and the new run item commit together, or neither does. */
  start(change: BroadcastChange, run: BroadcastRun): Promise<void>;
  /**
   * Resume and cancel of a started broadcast: the status change and a new pacer loop for its run (the tick moved on,
   * a rescan asked for, the watchdog's deadline) commit together, or neither does. A call that loses its race
   * (InvalidTransitionError, as applyTransition) therefore leaves the run alone, and the loop the winner queues is
   * the run's. Returns the run's pacer tick read right after the commit: the tick to queue.
   */
  changeStatusRestartingPacer(change: BroadcastChange, restart: PacerRestart): Promise<number>;
  /** Deletes a draft; ConflictError `broadcast.not_draft` when it is no longer one. */
  delete(broadcast: Broadcast): Promise<void>;
  /**
   * Scheduled broadcasts whose time has come (`scheduledFor` <= `now`), oldest first, across tenants (the
   * sweeper's safety net), from the sparse index. `after`, the last broadcast of the previous call, pages on
   * past it (a broadcast that could not be started stays due, and must not hide the ones behind it).
   */
  findScheduledReady(now: Date, limit: number, after?: ScheduledPosition): Promise<Broadcast[]>;
  /** Broadcasts of the list that have not finished (draft, scheduled, running, paused); strongly consistent. */
  findUnfinishedByList(tenantId: string, listId: string): Promise<Broadcast[]>;
}
