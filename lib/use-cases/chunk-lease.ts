import type { BroadcastExecution } from '../domain/broadcast-execution.js';
import type { ChunkLease } from '../ports/execution-repository.js';
import type { SendChunkMessage } from '../ports/message-queue.js';
import type { UseCaseDeps } from './deps.js';

type Deps = Pick<UseCaseDeps, 'executions' | 'ids' | 'delivery'>;
type ChunkRef = Pick<SendChunkMessage, 'tenantId' | 'broadcastId' | 'chunk'>;

/**
 * One delivery's hold on a chunk's lease (see ChunkLease): one conditional write for the whole chunk, so two
 * deliveries of it never send at once. The lease names the contacts about to be sent; if its holder dies, the
 * next one knows which of them the channel may already have. A delivery that sends in groups names each group in
 * turn (name()), under the same version: a contact of an earlier group has its outcome recorded before the next
 * group is named, so only the group in flight can be suspect.
 */
export class ChunkLeaseHold {
  private readonly holder: string;
  private holding = false;

  /** `read`: the lease as read with the chunk's executions, at `nowMs`. */
  constructor(
    private readonly deps: Deps,
    private readonly chunk: ChunkRef,
    private readonly read: ChunkLease | undefined,
    private readonly nowMs: number,
  ) {
    this.holder = deps.ids.newId();
  }

  /** Another delivery of this chunk is at work: it records what happens. */
  heldElsewhere(): boolean {
    return this.read?.holder !== undefined && (this.read.until ?? 0) > this.nowMs;
  }

  /**
   * The contacts a holder that died mid-send had in flight and recorded no attempt for under its lease: the
   * channel may or may not have their message.
   */
  suspects(executions: readonly BroadcastExecution[]): Set<string> {
    const lease = this.read;
    if (lease?.holder === undefined) return new Set();
    const attemptLease = new Map(executions.map((e) => [e.contactId, e.attemptLease]));
    return new Set(lease.inFlight.filter((id) => attemptLease.get(id) !== lease.version));
  }

  /** The version this delivery holds once it took the lease: an attempt recorded under it has a known outcome. */
  get version(): number {
    return (this.read?.version ?? 0) + 1;
  }

  /** Takes the lease naming `inFlight`; false when another delivery changed it since it was read. */
  async take(inFlight: string[]): Promise<boolean> {
    this.holding = await this.deps.executions.takeChunkLease(
      this.chunk.tenantId,
      this.chunk.broadcastId,
      this.chunk.chunk,
      {
        seenVersion: this.read?.version,
        holder: this.holder,
        until: this.nowMs + this.deps.delivery.claimLeaseMs,
        inFlight,
      },
    );
    return this.holding;
  }

  /**
   * Names the next group about to be sent (the ones named before have their outcomes recorded by now), and extends
   * the lease from `nowMs`. One conditional write; false when the lease is no longer this delivery's (it expired and
   * another delivery took it): what this one read may be stale, it must stop.
   */
  async name(inFlight: string[], nowMs: number): Promise<boolean> {
    if (!this.holding) return false;
    this.holding = await this.deps.executions.renameChunkLease(
      this.chunk.tenantId,
      this.chunk.broadcastId,
      this.chunk.chunk,
      { holder: this.holder, version: this.version, until: nowMs + this.deps.delivery.claimLeaseMs, inFlight },
    );
    return this.holding;
  }

  /**
   * Gives the lease back with nothing in flight, unless the chunk is done (nobody needs it then) or this delivery
   * failed mid-send: what was in flight then stays suspect for the next holder.
   */
  async handBack(chunkDone: boolean, failedMidSend: boolean): Promise<void> {
    if (!this.holding || chunkDone || failedMidSend) return;
    await this.deps.executions.releaseChunkLease(
      this.chunk.tenantId,
      this.chunk.broadcastId,
      this.chunk.chunk,
      this.holder,
    );
  }
}
