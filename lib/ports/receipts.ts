import type { ExecutionStatus } from '../domain/broadcast-execution.js';
import type { Channel, ChannelType } from '../domain/channel.js';
import type { DeliveryMove, DeliveryState, DeliveryStatus } from '../domain/delivery-status.js';
import type { ExecutionReference } from '../domain/execution-reference.js';

/**
 * Delivery receipts: what a provider posts to the service's public webhook about a message it accepted, how the
 * webhook hands them on (a queue: the provider gets its 200 at once), and how the consumer applies them.
 */

/** One receipt, as queued: no phone number or other contact data, only what applying it needs. */
export interface ProviderReceipt {
  /** The provider's message id (WhatsApp's `wamid.`): must be the execution's `messageId`. */
  messageId: string;
  status: DeliveryStatus;
  /** By the provider's clock, ISO 8601. */
  timestamp: string;
  /** The execution reference the send attached (lib/domain/execution-reference.ts); absent: not ours. */
  reference?: string;
  /** Failed receipts: the provider's code and title. */
  error?: string;
}

/** The receipts of one webhook call (or of a part of one, see MAX_RECEIPTS_PER_MESSAGE), for one tenant. */
export interface ReceiptsMessage {
  tenantId: string;
  /** The channel whose webhook received them (the tenant was resolved from it). */
  channelId: string;
  receipts: ProviderReceipt[];
}

/**
 * Receipts per queued message: a webhook with more is split. 100 receipts of at most ~1 KB each stay far under SQS's
 * 256 KB per message.
 */
export const MAX_RECEIPTS_PER_MESSAGE = 100;

export interface ReceiptQueue {
  /** Sends in batches of 10; throws only if a message could not be sent after retries. */
  enqueue(messages: readonly ReceiptsMessage[]): Promise<void>;
}

/** What a provider's webhook protocol needs of the service, one implementation per channel type that has one. */
export interface ReceiptWebhook {
  /** The provider's subscription handshake: the challenge to echo when it names the channel's token, else undefined. */
  challenge(channel: Channel, query: Readonly<Record<string, string | undefined>>): string | undefined;
  /** True when `rawBody` carries the channel's signature in `headers` (lower-case names). */
  isSigned(channel: Channel, rawBody: Buffer, headers: Readonly<Record<string, string | undefined>>): boolean;
  /**
   * The receipts in a signed body; undefined when it is not JSON. Anything else it carries (inbound messages,
   * statuses not tracked, malformed statuses) is left out and counted.
   */
  receiptsOf(rawBody: Buffer): { receipts: ProviderReceipt[]; ignored: number; rejected: number } | undefined;
}

/** The webhook protocol of each channel type that posts receipts. */
export type ReceiptWebhooks = Readonly<Partial<Record<ChannelType, ReceiptWebhook>>>;

/** An execution as a receipt needs to see it. */
export interface ReceiptTarget {
  reference: ExecutionReference;
  status: ExecutionStatus;
  messageId?: string;
  delivery: DeliveryState;
}

/** One execution's move, to write only if it still holds `messageId` and `move.from`. */
export interface ExecutionDeliveryMove {
  reference: ExecutionReference;
  messageId: string;
  move: DeliveryMove;
}

export interface DeliveryStatusRepository {
  /**
   * The executions these references name (one tenant's), by reference (formatExecutionReference); a reference whose
   * execution is missing, or whose stored id is not the reference's, is left out. `consistent: false` halves the read cost; a stale read only
   * costs a failed condition and a consistent re-read.
   */
  readTargets(
    tenantId: string,
    references: readonly ExecutionReference[],
    options: { consistent: boolean },
  ): Promise<Map<string, ReceiptTarget>>;
  /**
   * Writes one broadcast's moves, each with its share of the broadcast's delivery counters, in transactions: a move
   * and its counts commit together or not at all. Returns the moves not written because the execution changed since
   * it was read (a concurrent receipt, a stale read): read them again and decide anew.
   */
  commitMoves(
    tenantId: string,
    broadcastId: string,
    moves: readonly ExecutionDeliveryMove[],
    now: string,
  ): Promise<ExecutionDeliveryMove[]>;
}
