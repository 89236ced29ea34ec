import type { PipelineMessage, SendChunkMessage } from '../../lib/ports/message-queue.js';
import { paceBroadcast } from '../../lib/use-cases/pace-broadcast.js';
import { planAudiencePage } from '../../lib/use-cases/plan-audience.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import type { TestDeps } from './dynamodb.js';

type Queued = { dueMs: number; order: number } & (
  | { kind: 'pipeline'; message: PipelineMessage }
  | { kind: 'chunk'; message: SendChunkMessage }
);

/**
 * The pipeline worker and the sender, driven by hand on the test clock: what the use cases put on the recording
 * queue is delivered once its delay is over, as SQS would, earliest first. A chunk is delivered at its slot (the
 * sender would hold it that long). Nothing else runs: no sweeper, so no pacer watchdog either.
 */
export class QueueDriver {
  private readonly queued: Queued[] = [];
  private order = 0;

  constructor(private readonly deps: TestDeps) {}

  /** Moves what the use cases queued since the last call into the driver, each due after its delay. */
  collect(): void {
    const now = this.deps.clock.now().getTime();
    for (const { message, delaySeconds } of this.deps.queue.pipeline.splice(0)) {
      this.queued.push({ kind: 'pipeline', message, dueMs: now + delaySeconds * 1000, order: this.order++ });
    }
    for (const { body, delaySeconds } of this.deps.queue.chunks.splice(0)) {
      const dueMs = Math.max(now + (delaySeconds ?? 0) * 1000, body.slotAt ?? 0);
      this.queued.push({ kind: 'chunk', message: body, dueMs, order: this.order++ });
    }
  }

  /** How many messages wait. */
  get size(): number {
    return this.queued.length;
  }

  /** Delivers, all at once, every message due by now (the clock does not move). */
  async deliverDue(): Promise<void> {
    this.collect();
    const now = this.deps.clock.now().getTime();
    const due = this.queued.filter((q) => q.dueMs <= now);
    this.queued.splice(0, this.queued.length, ...this.queued.filter((q) => q.dueMs > now));
    await Promise.all(due.map((q) => this.deliver(q)));
  }

  /**
   * Delivers one message at a time, earliest first, moving the clock to each one's due time, until `done` holds
   * (checked before each delivery) or the next message is due after `untilMs`. Returns the clock's time when `done`
   * held, or undefined when it never did.
   */
  async runUntil(done: () => Promise<boolean>, untilMs: number): Promise<number | undefined> {
    this.collect();
    while (!(await done())) {
      this.queued.sort((a, b) => a.dueMs - b.dueMs || a.order - b.order);
      const next = this.queued[0];
      if (!next || next.dueMs > untilMs) return undefined;
      this.queued.shift();
      const clock = this.deps.clock;
      if (next.dueMs > clock.now().getTime()) clock.set(new Date(next.dueMs).toISOString());
      await this.deliver(next);
      this.collect();
    }
    return this.deps.clock.now().getTime();
  }

  private async deliver(queued: Queued): Promise<void> {
    if (queued.kind === 'chunk') {
      await sendChunk(this.deps, queued.message);
      return;
    }
    const { message } = queued;
    if (message.type === 'pace') await paceBroadcast(this.deps, message.tenantId, message.broadcastId, message.tick);
    else if (message.type === 'plan')
      await planAudiencePage(this.deps, message.tenantId, message.broadcastId, message.segment);
    else throw new Error(`the driver does not deliver ${message.type} messages`);
  }
}
