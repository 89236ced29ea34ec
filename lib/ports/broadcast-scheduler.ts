import type { Broadcast } from '../domain/broadcast.js';
import type { StartMessage } from './message-queue.js';

/**
 * Starts scheduled broadcasts at their time (docs/design.md section 9): one one-time schedule per broadcast which,
 * when it fires, puts the broadcast's start message on the pipeline queue. The table stays the truth: a
 * schedule that fires for a broadcast no longer scheduled for that time is ignored, and the sweeper starts
 * a scheduled broadcast whose schedule was lost.
 */
export interface BroadcastScheduler {
  /** Creates the broadcast's schedule for its `scheduledFor`, or moves the existing one there. */
  schedule(broadcast: Broadcast): Promise<void>;
  /** Deletes the broadcast's schedule; one that is already gone (fired, deleted) is not an error. */
  unschedule(tenantId: string, broadcastId: string): Promise<void>;
}

/** The message a broadcast's schedule puts on the pipeline queue. */
export function startMessageFor(broadcast: Broadcast): StartMessage {
  if (broadcast.status !== 'scheduled' || broadcast.scheduledFor === undefined) {
    throw new Error(`broadcast ${broadcast.id} is ${broadcast.status}, not scheduled: nothing to schedule`);
  }
  return {
    type: 'start',
    tenantId: broadcast.tenantId,
    broadcastId: broadcast.id,
    scheduledFor: broadcast.scheduledFor,
  };
}
