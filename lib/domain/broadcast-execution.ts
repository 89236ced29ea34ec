import type { DeliveryState } from './delivery-status.js';

/** One contact's delivery within one broadcast: the record of exactly who got what. */
export const EXECUTION_STATUSES = ['pending', 'sending', 'sent', 'failed', 'skipped'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TERMINAL_EXECUTION_STATUSES: readonly ExecutionStatus[] = ['sent', 'failed', 'skipped'];

/** The delivery fields (DeliveryState) are written by delivery receipts, only once the execution is `sent`. */
export interface BroadcastExecution extends DeliveryState {
  id: string;
  tenantId: string;
  broadcastId: string;
  contactId: string;
  /** The send chunk it belongs to; absent for contacts skipped at planning (see skipPage). */
  chunk?: number;
  /** The planning page, for contacts skipped at planning (opted out, no address). */
  skipPage?: number;
  status: ExecutionStatus;
  /** The provider's id for the accepted message. */
  messageId?: string;
  /** Why it failed or was skipped: a short machine reason such as `opted_out` or `no_address`. */
  reason?: string;
  error?: string;
  attempts: number;
  /**
   * The version of the chunk lease under which a failed attempt was recorded (the contact stays pending for a
   * retry): that attempt's outcome is known, even if its holder died later with the contact still in flight.
   */
  attemptLease?: number;
  sentAt?: string;
  createdAt: string;
  updatedAt: string;
}

const EXECUTION_TRANSITIONS: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = {
  pending: ['sending', 'skipped', 'failed'],
  sending: ['sent', 'failed', 'pending'],
  sent: [],
  failed: [],
  skipped: [],
};

export function canExecutionTransition(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return EXECUTION_TRANSITIONS[from].includes(to);
}

export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL_EXECUTION_STATUSES.includes(status);
}
