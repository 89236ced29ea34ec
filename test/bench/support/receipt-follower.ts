import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AcceptedGraphMessage,
  ReceiptPost,
  ReceiptProgress,
  WhatsAppGraphStandIn,
} from '../../support/whatsapp-graph-stand-in.js';

/**
 * When each status follows the acceptance of its message, as Meta would post them (`sent` about a second later,
 * `delivered` when the phone got it, `read` later): far enough apart that a message's statuses land in different
 * batches of the receipts worker (each moves its execution: the costly case), and after the sender has recorded
 * the message id (a receipt that beats the record waits a visibility timeout on the queue).
 */
export const RECEIPT_DELAY_MS: Readonly<Record<ReceiptProgress, number>> = { sent: 1000, delivered: 2000, read: 4000 };
const RECEIPT_ORDER: readonly ReceiptProgress[] = ['sent', 'delivered', 'read'];

export interface ReceiptFollowerOptions {
  callbackUrl: string;
  appSecret: string;
  /** Webhook posts in flight at once. */
  posters: number;
  /** Statuses per post (Meta may batch them; 1 is the costliest case). */
  statusesPerPost: number;
}

/**
 * Meta's side of the receipts: while broadcasts send (and after), posts each message the Graph stand-in accepted
 * its three statuses, signed with the channel's app secret, through the stand-in's postReceipts, each status
 * RECEIPT_DELAY_MS after the message was accepted and only once its previous status was posted.
 */
export class ReceiptFollower {
  readonly posts: ReceiptPost[] = [];
  private readonly next: Record<ReceiptProgress, number> = { sent: 0, delivered: 0, read: 0 };
  private sendingDone = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly graph: WhatsAppGraphStandIn,
    private readonly options: ReceiptFollowerOptions,
  ) {}

  start(): void {
    this.running = Promise.all(Array.from({ length: this.options.posters }, () => this.poster())).then(() => {});
  }

  /** Resolves once every message accepted has had all its statuses posted. */
  async finish(): Promise<void> {
    this.sendingDone = true;
    await this.running;
  }

  /** Message ids with one of `statuses` in a post the webhook answered 200. */
  idsWith(...statuses: string[]): Set<string> {
    return new Set(
      this.posts
        .filter((p) => p.responseStatus === 200)
        .flatMap((p) => p.statuses.filter((s) => statuses.includes(s.status)).map((s) => s.id)),
    );
  }

  private async poster(): Promise<void> {
    while (!(this.sendingDone && this.next.read >= this.graph.accepted.length)) {
      const work = this.take();
      if (!work) {
        await sleep(50);
        continue;
      }
      const posts = await this.graph.postReceipts({
        callbackUrl: this.options.callbackUrl,
        appSecret: this.options.appSecret,
        messages: work.messages,
        statuses: [work.status],
        statusesPerPost: this.options.statusesPerPost,
      });
      this.posts.push(...posts);
    }
  }

  /** The next messages due a status: each status only for messages whose previous one was taken. */
  private take(): { status: ReceiptProgress; messages: AcceptedGraphMessage[] } | undefined {
    const now = Date.now();
    const accepted = this.graph.accepted;
    const most = Math.max(10, this.options.statusesPerPost);
    for (const [step, status] of RECEIPT_ORDER.entries()) {
      const previous = RECEIPT_ORDER[step - 1];
      const limit = previous === undefined ? accepted.length : this.next[previous];
      const from = this.next[status];
      let to = from;
      while (
        to < limit &&
        to - from < most &&
        (accepted[to] as AcceptedGraphMessage).acceptedAt <= now - RECEIPT_DELAY_MS[status]
      ) {
        to++;
      }
      if (to > from) {
        this.next[status] = to;
        return { status, messages: accepted.slice(from, to) };
      }
    }
    return undefined;
  }
}
