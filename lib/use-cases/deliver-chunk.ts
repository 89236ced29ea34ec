import type { Broadcast } from '../domain/broadcast.js';
import { type BroadcastExecution, isTerminal } from '../domain/broadcast-execution.js';
import type { ChunkTally } from '../domain/broadcast-run.js';
import type { OutboundMessage } from '../domain/outbound-message.js';
import type { SendDecision } from '../domain/send-decision.js';
import { classifySend, type SendResult } from '../domain/send-outcome.js';
import { addressOf, type SuppressionKind } from '../domain/suppression.js';
import type { ChannelSender } from '../ports/channel-sender.js';
import type { ChunkState } from '../ports/execution-repository.js';
import type { SendChunkMessage } from '../ports/message-queue.js';
import { ChannelHalt } from './channel-halt.js';
import { ChunkLeaseHold } from './chunk-lease.js';
import { ChunkLedger, type RecordedCounts } from './chunk-ledger.js';
import { decideSends } from './decide-sends.js';
import type { UseCaseDeps } from './deps.js';
import { suppressAddress } from './suppress-address.js';

export type DeliverChunkDeps = Pick<
  UseCaseDeps,
  | 'broadcasts'
  | 'executions'
  | 'contacts'
  | 'channels'
  | 'defaultChannel'
  | 'senders'
  | 'unsubscribeLinks'
  | 'clock'
  | 'ids'
  | 'delivery'
  // For the pause of a broken channel (ChannelHalt).
  | 'runs'
  | 'queue'
  | 'contactLists'
>;

export interface ChunkJob {
  broadcast: Broadcast;
  message: SendChunkMessage;
  /** The chunk's executions and lease, read together. */
  state: ChunkState;
  /** The broadcast was cancelled (or failed): close what is open, send nothing. */
  stopped: boolean;
}

/** Where a chunk stands after one delivery worked on it. */
export interface ChunkDelivery {
  /** The broadcast was paused or cancelled between the first status check and the sends: nothing was sent. */
  stoppedMeanwhile: boolean;
  /** Another delivery of the chunk holds its lease or wrote an execution first: its view may be newer. */
  busyElsewhere: boolean;
  /** Set when an attempt was put back: the longest wait it asked for. */
  retryAfterMs: number | undefined;
  /**
   * The channel is broken (a `halt` verdict): the broadcast was paused with this `status_reason`, the halted
   * contacts left pending with no attempt counted, and no send started after the halt. Resume releases the chunk.
   */
  halted: string | undefined;
  tally: ChunkTally;
  recorded: RecordedCounts;
}

/**
 * The work on one chunk's open executions: decide each one's fate (reads only), take the chunk's lease naming the
 * contacts about to be sent (one conditional write), record the closures, look at the broadcast's status once
 * more, send, record the outcomes, and give the lease back.
 */
export async function deliverChunk(deps: DeliverChunkDeps, job: ChunkJob): Promise<ChunkDelivery> {
  const ledger = new ChunkLedger(deps, job.state.executions);
  const halt = new ChannelHalt(deps, job.broadcast);
  const progress = await work(deps, job, ledger, halt);
  await halt.settle();
  return {
    stoppedMeanwhile: progress === 'stopped',
    busyElsewhere: progress === 'busy' || ledger.lostARace,
    retryAfterMs: ledger.retryAfterMs,
    halted: halt.reason,
    tally: ledger.tally(job.message.chunk),
    recorded: ledger.counts,
  };
}

async function work(
  deps: DeliverChunkDeps,
  job: ChunkJob,
  ledger: ChunkLedger,
  halt: ChannelHalt,
): Promise<'done' | 'busy' | 'stopped'> {
  const open = job.state.executions.filter((e) => !isTerminal(e.status));
  if (open.length === 0) return 'done';
  const now = deps.clock.now();
  const lease = new ChunkLeaseHold(deps, job.message, job.state.lease, now.getTime());
  if (lease.heldElsewhere()) return 'busy';
  const { decisions, sender } = await decideSends(deps, job.broadcast, open, {
    stopped: job.stopped,
    finalize: job.message.finalize === true,
    suspects: lease.suspects(job.state.executions),
    now,
  });
  const toSend = decisions.filter((d) => 'outbound' in d);
  // Another delivery took the lease since the chunk was read: what was read may be stale.
  if (!(await lease.take(toSend.map((d) => d.execution.contactId)))) return 'busy';
  let midSend = false;
  try {
    const closing = Promise.all(decisions.map((d) => closeIfDecided(ledger, d)));
    if (toSend.length === 0 || !sender) {
      await closing;
      return 'done';
    }
    // A pause or cancel may have landed since the status was read: look once more, right before sending.
    const [current] = await Promise.all([deps.broadcasts.findById(job.broadcast.tenantId, job.broadcast.id), closing]);
    if (current?.status !== 'running') return 'stopped';
    midSend = true;
    await Promise.all(toSend.map((d) => sendOne(deps, ledger, lease.version, sender, d.execution, d.outbound, halt)));
    midSend = false;
    return 'done';
  } finally {
    await lease.handBack(ledger.isDone(), midSend);
  }
}

function closeIfDecided(ledger: ChunkLedger, decision: SendDecision): Promise<void> | undefined {
  return 'close' in decision ? ledger.close(decision.execution, decision.close, decision.fields) : undefined;
}

/** One attempt for one contact, and its outcome recorded. */
async function sendOne(
  deps: DeliverChunkDeps,
  ledger: ChunkLedger,
  leaseVersion: number,
  sender: ChannelSender,
  execution: BroadcastExecution,
  outbound: OutboundMessage,
  halt: ChannelHalt,
): Promise<void> {
  // The channel broke since this delivery started: a send not started yet is abandoned, its contact left pending.
  if (halt.tripped) return;
  const attempts = execution.attempts + 1;
  let result: SendResult;
  try {
    result = { outcome: await sender.send(outbound) };
  } catch (thrown) {
    result = { thrown };
  }
  const verdict = classifySend(result, attempts, sender.honoursIdempotencyKey, deps.delivery);
  switch (verdict.next) {
    case 'sent': {
      const sentAt = deps.clock.now().toISOString();
      const messageId = verdict.providerMessageId;
      return ledger.close(execution, 'sent', { sentAt, ...(messageId ? { messageId } : {}) }, attempts);
    }
    case 'failed':
      return ledger.close(execution, 'failed', { reason: verdict.reason, error: verdict.error }, attempts);
    case 'retry':
      return ledger.putBack(execution, { ...verdict, attempts, attemptLease: leaseVersion });
    case 'halt':
      // Not this contact's fault, and nothing was sent: no write, no attempt; resume sends it again.
      return halt.trip(verdict.reason);
    case 'skipped':
      // The person opted out with the provider: nothing was sent; later broadcasts skip that address.
      await ledger.close(execution, 'skipped', { reason: verdict.reason, error: verdict.error }, attempts);
      return suppressAddress(deps, recipientOf(outbound, verdict.suppress), verdict.suppress, 'carrier_opt_out');
  }
}

/** The contact, and its address of the kind the provider refused (the one the message was sent to). */
function recipientOf(outbound: OutboundMessage, kind: SuppressionKind) {
  return { tenantId: outbound.tenantId, contactId: outbound.contact.id, address: addressOf(outbound.contact, kind) };
}
