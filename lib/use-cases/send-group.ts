import { setTimeout as sleep } from 'node:timers/promises';
import type { BroadcastExecution } from '../domain/broadcast-execution.js';
import { MAX_SEND_LATENESS_MS } from '../domain/channel-pace.js';
import type { OutboundMessage } from '../domain/outbound-message.js';
import { classifySend, type SendResult, type SendVerdict } from '../domain/send-outcome.js';
import { addressOf, type SuppressionKind } from '../domain/suppression.js';
import type { ChannelSender } from '../ports/channel-sender.js';
import type { ChannelHalt } from './channel-halt.js';
import type { ChunkLedger } from './chunk-ledger.js';
import type { UseCaseDeps } from './deps.js';
import { suppressAddress } from './suppress-address.js';

type Deps = Pick<UseCaseDeps, 'clock' | 'delivery' | 'contacts'>;

/** One contact to send to: its open execution and its rendered message. */
export interface Send {
  execution: BroadcastExecution;
  outbound: OutboundMessage;
}

/** What became of a group of sends. */
export interface GroupOutcome {
  /** Sends not made because they would have left later than their reserved instant allows: still open, in order. */
  late: Send[];
  /** The channel asked to slow down at least once. */
  throttled: boolean;
}

/** How a group goes out: at reserved instants (a capped channel), and stopped by a broken channel. */
export interface GroupPlan {
  /** Each send's instant on the channel's timeline (epoch ms), in the group's order. */
  instants?: readonly number[] | undefined;
  /** Once tripped (a `halt` verdict of any send), no send of the group starts: its contact stays as it was. */
  halt: ChannelHalt;
}

/**
 * Sends one group, all at once or (on a capped channel) each at its reserved instant, and records each outcome as
 * it comes. A send that finds itself more than MAX_SEND_LATENESS_MS past its instant (a stalled process) is not made:
 * leaving now could bunch it with the sends reserved after it, on this channel, by any sender. A send not started
 * when the channel broke is abandoned (its contact left pending, no attempt counted). Waits for every send of the
 * group to settle before it returns or throws, so nothing of the group is left running behind its caller.
 */
export async function sendGroup(
  deps: Deps,
  ledger: ChunkLedger,
  leaseVersion: number,
  sender: ChannelSender,
  group: readonly Send[],
  plan: GroupPlan,
): Promise<GroupOutcome> {
  const { instants, halt } = plan;
  const late = new Set<number>();
  let throttled = false;
  const settled = await Promise.allSettled(
    group.map(async (send, i) => {
      const at = instants?.[i];
      if (at !== undefined) {
        await sleepUntil(deps, at);
        if (deps.clock.now().getTime() - at > MAX_SEND_LATENESS_MS) {
          late.add(i);
          return;
        }
      }
      // The channel broke since this group started: a send not made yet is abandoned, its contact left pending.
      if (halt.tripped) return;
      const verdict = await sendOne(deps, ledger, leaseVersion, sender, send);
      if (verdict.next === 'retry' && verdict.throttled) throttled = true;
      // Not this contact's fault, and nothing was sent: no write, no attempt; resume sends it again.
      if (verdict.next === 'halt') await halt.trip(verdict.reason);
    }),
  );
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return { late: group.filter((_, i) => late.has(i)), throttled };
}

/** The contact, and its address of the kind the provider refused (the one the message was sent to). */
function recipientOf(outbound: OutboundMessage, kind: SuppressionKind) {
  return { tenantId: outbound.tenantId, contactId: outbound.contact.id, address: addressOf(outbound.contact, kind) };
}

/** Returns at `atMs` or later by the clock, never earlier: a timer may fire up to a millisecond early. */
async function sleepUntil(deps: Deps, atMs: number): Promise<void> {
  const wait = atMs - deps.clock.now().getTime();
  if (wait > 0) await sleep(Math.ceil(wait) + 1);
}

/** One attempt for one contact, and its outcome recorded. */
async function sendOne(
  deps: Deps,
  ledger: ChunkLedger,
  leaseVersion: number,
  sender: ChannelSender,
  { execution, outbound }: Send,
): Promise<SendVerdict> {
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
      await ledger.close(execution, 'sent', { sentAt, ...(messageId ? { messageId } : {}) }, attempts);
      break;
    }
    case 'failed':
      await ledger.close(execution, 'failed', { reason: verdict.reason, error: verdict.error }, attempts);
      break;
    case 'retry':
      await ledger.putBack(execution, { ...verdict, attempts, attemptLease: leaseVersion });
      break;
    case 'halt':
      break;
    case 'skipped':
      // The person opted out with the provider: nothing was sent; later broadcasts skip that address.
      await ledger.close(execution, 'skipped', { reason: verdict.reason, error: verdict.error }, attempts);
      await suppressAddress(deps, recipientOf(outbound, verdict.suppress), verdict.suppress, 'carrier_opt_out');
      break;
  }
  return verdict;
}
