import { createHash } from 'node:crypto';
import type { Broadcast } from '../domain/broadcast.js';
import { type BroadcastExecution, isTerminal } from '../domain/broadcast-execution.js';
import type { BroadcastRun, ChunkTally } from '../domain/broadcast-run.js';
import { type Channel, hasRequiredAddress } from '../domain/channel.js';
import type { Contact } from '../domain/contact.js';
import { InvalidTransitionError, UnprocessableError } from '../domain/errors.js';
import { sendTiming } from '../domain/pacing.js';
import {
  type CompiledMessageTemplate,
  compileMessageTemplate,
  isMissing,
  renderContextFor,
  renderMessage,
} from '../domain/template-rendering.js';
import type { ChannelSender, OutboundMessage, SendOutcome } from '../ports/channel-sender.js';
import type { ChunkState } from '../ports/execution-repository.js';
import type { SendChunkMessage } from '../ports/message-queue.js';
import type { UseCaseDeps } from './deps.js';
import { resolveChannel } from './resolve-channel.js';
import { completeIfFinished, pauseBroadcast } from './run-lifecycle.js';

/** A chunk this early is held in the invocation; earlier than that, it goes back to the queue. */
const MAX_HOLD_MS = 1500;
const SLOT_LEAD_MS = 1000;
/** When another delivery of the chunk is mid-send, check back this much later. */
const BUSY_RECHECK_MS = 5000;

export type ChunkResult = 'counted' | 'retry_later' | 'dropped';

type Deps = Pick<
  UseCaseDeps,
  | 'broadcasts'
  | 'runs'
  | 'executions'
  | 'contacts'
  | 'channels'
  | 'defaultChannel'
  | 'senders'
  | 'unsubscribeLinks'
  | 'queue'
  | 'clock'
  | 'delivery'
  | 'contactLists'
  | 'ids'
>;

/**
 * The sender, for one chunk. Per execution: skip it if the broadcast was cancelled or the contact opted
 * out meanwhile; render; then take the chunk's lease naming the contacts about to be sent (one conditional
 * write for the chunk, so two deliveries never send it at once); send with an idempotency key; record the
 * outcome, conditionally on the status read. A lease left behind by a sender that died mid-send means the
 * outcome of its in-flight contacts is unknown: re-sent with the same key where the channel de-duplicates,
 * failed as `outcome_unknown` where it cannot. When every execution of the chunk is terminal, the chunk is
 * counted, exactly once.
 */
export async function sendChunk(deps: Deps, message: SendChunkMessage): Promise<ChunkResult> {
  const { tenantId, broadcastId, chunk } = message;
  let timing = sendTiming(message.slotAt, deps.clock.now().getTime());
  if (timing.action === 'wait' && timing.ms > MAX_HOLD_MS) {
    await deps.queue.sendChunks([{ body: message, delaySeconds: Math.floor(timing.ms / 1000) }]);
    return 'retry_later';
  }
  if (timing.action === 'wait') {
    await sleep(timing.ms);
    timing = { action: 'send' };
  }
  const [broadcast, run] = await Promise.all([
    deps.broadcasts.findById(tenantId, broadcastId),
    deps.runs.get(tenantId, broadcastId),
  ]);
  if (!broadcast || !run || broadcast.status === 'completed') return 'dropped';
  // Paused: send nothing; resume re-releases this chunk.
  if (broadcast.status === 'paused' && !message.finalize) return 'dropped';
  const stopped = broadcast.status === 'cancelled' || broadcast.status === 'failed';
  if (timing.action === 'late' && !stopped && !message.finalize) {
    // Sending now would bunch it with later slots: take a fresh slot instead.
    const [slotAt] = await deps.runs.allocateSlots(run, 1, deps.clock.now().getTime() + SLOT_LEAD_MS);
    await requeue(deps, message, slotAt);
    return 'retry_later';
  }

  const state = await deps.executions.readChunk(tenantId, broadcastId, chunk);
  const work = new ChunkWork(deps, broadcast, run, message, state);
  await work.process(stopped);
  // Paused meanwhile: nothing was sent, resume releases the chunk again. Cancelled: the drain does.
  if (work.stoppedMeanwhile) return 'dropped';
  let retryAfterMs = work.retryAfterMs;
  let tally = work.tally();
  if (retryAfterMs === undefined && (work.busyElsewhere || !isFinal(tally))) {
    // Another delivery of this chunk (SQS delivers at least once) holds its lease. Whoever finishes last
    // counts the chunk: look again, and come back later if it is still busy.
    tally = tallyOf(chunk, await deps.executions.listChunk(tenantId, broadcastId, chunk));
    if (!isFinal(tally)) retryAfterMs = BUSY_RECHECK_MS;
  }
  if (retryAfterMs !== undefined) {
    // No slot is reserved that far ahead (it would hold back every later chunk): the message comes back
    // late and takes the next free slot then.
    await deps.queue.sendChunks([{ body: message, delaySeconds: Math.min(900, Math.ceil(retryAfterMs / 1000)) }]);
    return 'retry_later';
  }
  const counted = await deps.runs.commitTally(tenantId, broadcastId, tally, deps.clock.now().toISOString());
  if (counted && tally.failed > 0) await autoPauseIfFailing(deps, broadcast);
  // Also when an earlier delivery counted the chunk and died before this step.
  await completeIfFinished(deps, tenantId, broadcastId);
  return 'counted';
}

/** Stable per (tenant, broadcast, contact): every attempt for a contact carries the same key. */
export function idempotencyKeyFor(tenantId: string, broadcastId: string, contactId: string): string {
  return `bc_${createHash('sha256').update(`${tenantId}|${broadcastId}|${contactId}`).digest('hex').slice(0, 40)}`;
}

type CloseFields = Partial<Pick<BroadcastExecution, 'reason' | 'error'>>;

/** What the sender decided for one open execution before taking the lease: send it, or close it with a status. */
type Decision =
  | { execution: BroadcastExecution; outbound: OutboundMessage }
  | { execution: BroadcastExecution; close: 'failed' | 'skipped'; fields: CloseFields };

/**
 * The work on one chunk: decide each open execution's fate (reads only), take the chunk's lease naming the
 * contacts about to be sent (one conditional write), record the closures, send, record the outcomes. Keeps
 * the final state of each execution for the tally.
 */
class ChunkWork {
  readonly final = new Map<string, BroadcastExecution>();
  busyElsewhere = false;
  /** The broadcast was paused or cancelled between the first status check and the sends. */
  stoppedMeanwhile = false;
  retryAfterMs: number | undefined;
  private readonly now: Date;
  private readonly holder: string;
  private holding = false;
  private leaseVersion = 0;
  private sender: ChannelSender | undefined;

  constructor(
    private readonly deps: Deps,
    private readonly broadcast: Broadcast,
    private readonly run: BroadcastRun,
    private readonly message: SendChunkMessage,
    private readonly chunk: ChunkState,
  ) {
    this.now = deps.clock.now();
    this.holder = deps.ids.newId();
    for (const execution of chunk.executions) this.final.set(execution.contactId, execution);
  }

  async process(stopped: boolean): Promise<void> {
    const open = this.chunk.executions.filter((e) => !isTerminal(e.status));
    if (open.length === 0) return;
    const lease = this.chunk.lease;
    if (lease?.holder !== undefined && (lease.until ?? 0) > this.now.getTime()) {
      // Another delivery of this chunk is at work: it records what happens.
      this.busyElsewhere = true;
      return;
    }
    // A holder that died mid-send: the channel may or may not have what it did not record.
    const suspect = new Set(
      lease?.holder === undefined
        ? []
        : lease.inFlight.filter((id) => this.final.get(id)?.attemptLease !== lease.version),
    );
    const decisions = await this.decide(open, suspect, stopped);
    const toSend = decisions.filter((d) => 'outbound' in d);
    if (!(await this.take(toSend.map((d) => d.execution.contactId)))) return;
    let midSend = false;
    try {
      const closing = Promise.all(
        decisions.map((d) => ('close' in d ? this.finish(d.execution, d.close, d.fields) : undefined)),
      );
      const sender = this.sender;
      if (toSend.length === 0 || !sender) {
        await closing;
        return;
      }
      // A pause or cancel may have landed since the status was read: look once more, right before sending.
      const [now] = await Promise.all([
        this.deps.broadcasts.findById(this.run.tenantId, this.run.broadcastId),
        closing,
      ]);
      if (now?.status !== 'running') {
        this.stoppedMeanwhile = true;
        return;
      }
      midSend = true;
      await Promise.all(toSend.map(({ execution, outbound }) => this.deliver(execution, outbound, sender)));
      midSend = false;
    } finally {
      // Hand the lease back unless every execution is closed (nobody needs it then). Not after a failure
      // mid-send: what was in flight stays suspect for the next holder.
      const unfinished = [...this.final.values()].some((e) => !isTerminal(e.status));
      if (this.holding && unfinished && !midSend) {
        await this.deps.executions.releaseChunkLease(
          this.run.tenantId,
          this.run.broadcastId,
          this.message.chunk,
          this.holder,
        );
      }
    }
  }

  tally(): ChunkTally {
    return tallyOf(this.message.chunk, [...this.final.values()]);
  }

  private async take(inFlight: string[]): Promise<boolean> {
    const taken = await this.deps.executions.takeChunkLease(
      this.run.tenantId,
      this.run.broadcastId,
      this.message.chunk,
      {
        seenVersion: this.chunk.lease?.version,
        holder: this.holder,
        until: this.now.getTime() + this.deps.delivery.claimLeaseMs,
        inFlight,
      },
    );
    // Another delivery took it since the chunk was read: what was read may be stale.
    if (!taken) this.busyElsewhere = true;
    this.leaseVersion = (this.chunk.lease?.version ?? 0) + 1;
    this.holding = taken;
    return taken;
  }

  /** Decides every open execution's fate from what was read; writes nothing. */
  private async decide(open: BroadcastExecution[], suspect: Set<string>, stopped: boolean): Promise<Decision[]> {
    if (stopped || this.message.finalize) return open.map((e) => this.closeWithoutSending(e, stopped, suspect));
    const channel = await this.channel();
    if (!channel) return open.map((execution) => ({ execution, close: 'failed', fields: { reason: 'no_channel' } }));
    const sender = this.deps.senders.senderFor(channel);
    this.sender = sender;
    const compiled = compiledTemplate(this.broadcast);
    // Eventually consistent: half the read units; a change of the last second may not show yet.
    const contacts = new Map(
      (
        await this.deps.contacts.findByIds(
          this.run.tenantId,
          open.map((e) => e.contactId),
          { consistent: false },
        )
      ).map((c) => [c.id, c]),
    );
    return open.map((execution) =>
      this.decideOne(execution, contacts.get(execution.contactId), channel, sender, compiled, suspect),
    );
  }

  private decideOne(
    execution: BroadcastExecution,
    contact: Contact | undefined,
    channel: Channel,
    sender: ChannelSender,
    compiled: CompiledMessageTemplate,
    suspect: Set<string>,
  ): Decision {
    const maybeSent = suspect.has(execution.contactId);
    const closeAs = (close: 'failed' | 'skipped', fields: CloseFields): Decision =>
      // Whatever the reason now, a contact the channel may already have is not "skipped".
      maybeSent ? { execution, close: 'failed', fields: { reason: 'outcome_unknown' } } : { execution, close, fields };
    if (maybeSent && !sender.honoursIdempotencyKey) return closeAs('failed', { reason: 'outcome_unknown' });
    if (!contact) return closeAs('skipped', { reason: 'contact_deleted' });
    if (contact.optedOut) return closeAs('skipped', { reason: 'opted_out' });
    if (!hasRequiredAddress(contact, channel.requiredAddress)) return closeAs('skipped', { reason: 'no_address' });
    const link = this.deps.unsubscribeLinks.linkFor({
      tenantId: this.run.tenantId,
      contactId: contact.id,
      broadcastId: this.run.broadcastId,
    });
    const rendered = renderMessage(compiled, renderContextFor(contact, this.broadcast, this.now, link));
    if (isMissing(rendered)) return closeAs('skipped', { reason: 'missing_variable', error: rendered.reason });
    const template = this.broadcast.messageTemplate;
    const outbound: OutboundMessage = {
      idempotencyKey: idempotencyKeyFor(this.run.tenantId, this.run.broadcastId, contact.id),
      tenantId: this.run.tenantId,
      broadcastId: this.run.broadcastId,
      executionId: execution.id,
      contact: {
        id: contact.id,
        ...(contact.name ? { name: contact.name } : {}),
        ...(contact.email ? { email: contact.email } : {}),
        ...(contact.phone ? { phone: contact.phone } : {}),
      },
      message: {
        type: template.type,
        ...(rendered.content !== undefined ? { content: rendered.content } : {}),
        ...(template.templateId ? { templateId: template.templateId } : {}),
        ...(rendered.variables ? { variables: rendered.variables } : {}),
        ...(template.mediaUrl ? { mediaUrl: template.mediaUrl } : {}),
      },
    };
    return { execution, outbound };
  }

  private async deliver(execution: BroadcastExecution, outbound: OutboundMessage, sender: ChannelSender) {
    const attempts = execution.attempts + 1;
    let outcome: SendOutcome;
    try {
      outcome = await sender.send(outbound);
    } catch (error) {
      const reason = `channel error: ${(error as Error).message}`.slice(0, 300);
      // A throw says nothing about whether the message left: only a channel that de-duplicates may try again.
      if (!sender.honoursIdempotencyKey) {
        await this.finish(execution, 'failed', { reason: 'outcome_unknown', error: reason }, attempts);
        return;
      }
      outcome = { kind: 'transient', reason };
    }
    const nowIso = this.deps.clock.now().toISOString();
    if (outcome.kind === 'accepted') {
      await this.finish(
        execution,
        'sent',
        { sentAt: nowIso, ...(outcome.providerMessageId ? { messageId: outcome.providerMessageId } : {}) },
        attempts,
      );
    } else if (outcome.kind === 'permanent') {
      await this.finish(execution, 'failed', { reason: 'rejected', error: outcome.reason }, attempts);
    } else if (attempts >= this.deps.delivery.maxSendAttempts) {
      await this.finish(execution, 'failed', { reason: 'retries_exhausted', error: outcome.reason }, attempts);
    } else {
      const back: BroadcastExecution = {
        ...execution,
        attempts,
        error: outcome.reason,
        attemptLease: this.leaseVersion,
        updatedAt: nowIso,
      };
      if (await this.deps.executions.transition(back, execution.status)) {
        this.final.set(execution.contactId, back);
        const backoff = Math.min(900_000, this.deps.delivery.retryBaseMs * 2 ** (attempts - 1));
        const wait = Math.max(backoff, Math.min(outcome.retryAfterMs ?? 0, 900_000));
        this.retryAfterMs = Math.max(this.retryAfterMs ?? 0, wait);
      } else {
        this.busyElsewhere = true;
      }
    }
  }

  private closeWithoutSending(execution: BroadcastExecution, stopped: boolean, suspect: Set<string>): Decision {
    if (suspect.has(execution.contactId)) return { execution, close: 'failed', fields: { reason: 'outcome_unknown' } };
    if (stopped) return { execution, close: 'skipped', fields: { reason: 'cancelled' } };
    return {
      execution,
      close: 'failed',
      fields: { reason: 'undeliverable', ...(execution.error ? { error: execution.error } : {}) },
    };
  }

  /** Records a terminal status, conditionally on the status it was read with. */
  private async finish(
    execution: BroadcastExecution,
    status: 'sent' | 'failed' | 'skipped',
    fields: Partial<Pick<BroadcastExecution, 'reason' | 'error' | 'messageId' | 'sentAt'>>,
    attempts = execution.attempts,
  ): Promise<void> {
    const done: BroadcastExecution = {
      ...execution,
      ...fields,
      status,
      attempts,
      updatedAt: this.deps.clock.now().toISOString(),
    };
    delete done.attemptLease;
    const applied = await this.deps.executions.transition(done, execution.status);
    if (applied) this.final.set(execution.contactId, done);
    else this.busyElsewhere = true;
  }

  private async channel(): Promise<Channel | undefined> {
    try {
      return await resolveChannel(this.deps, this.run.tenantId, this.broadcast);
    } catch (error) {
      if (error instanceof UnprocessableError) return undefined;
      throw error;
    }
  }
}

/** A chunk is counted only when every one of its executions is sent, failed or skipped. */
function isFinal(tally: ChunkTally): boolean {
  return tally.sent + tally.failed + tally.skipped === tally.contacts;
}

function tallyOf(chunk: number, executions: readonly BroadcastExecution[]): ChunkTally {
  return {
    chunk,
    contacts: executions.length,
    sent: executions.filter((e) => e.status === 'sent').length,
    failed: executions.filter((e) => e.status === 'failed').length,
    skipped: executions.filter((e) => e.status === 'skipped').length,
  };
}

/**
 * Pauses a broadcast whose first sends mostly fail (channel down, bad credentials) instead of letting it
 * burn through the audience. Judged once per chunk, only while the first `window` sends are in.
 */
async function autoPauseIfFailing(deps: Deps, broadcast: Broadcast): Promise<void> {
  const { window, minSends, failureRate } = deps.delivery.autoPause;
  if (failureRate >= 1) return;
  const run = await deps.runs.get(broadcast.tenantId, broadcast.id);
  // Once a person resumed the broadcast, they decided: auto-pause does not second-guess them.
  if (!run || run.autoPauseOff) return;
  const observed = run.sent + run.failed;
  if (observed < minSends || observed > window + run.chunkSize) return;
  if (run.failed / observed < failureRate) return;
  try {
    await pauseBroadcast(
      deps,
      broadcast.tenantId,
      broadcast.id,
      `auto_paused: ${run.failed} of the first ${observed} sends failed`,
    );
  } catch (error) {
    if (!(error instanceof InvalidTransitionError)) throw error;
  }
}

async function requeue(deps: Deps, message: SendChunkMessage, slotAt: number | undefined, minDelaySeconds = 0) {
  const now = deps.clock.now().getTime();
  const body: SendChunkMessage = { ...message };
  if (slotAt === undefined) delete body.slotAt;
  else body.slotAt = slotAt;
  const untilSlot = slotAt === undefined ? 0 : Math.floor((slotAt - now) / 1000);
  await deps.queue.sendChunks([{ body, delaySeconds: Math.min(900, Math.max(minDelaySeconds, untilSlot, 0)) }]);
}

const compiledTemplates = new Map<string, CompiledMessageTemplate>();

/** Parsed once per broadcast version and kept for the life of the process (bounded). */
function compiledTemplate(broadcast: Broadcast): CompiledMessageTemplate {
  const key = `${broadcast.tenantId}/${broadcast.id}/${broadcast.version}`;
  let compiled = compiledTemplates.get(key);
  if (!compiled) {
    compiled = compileMessageTemplate(broadcast.messageTemplate);
    if (compiledTemplates.size >= 500) compiledTemplates.clear();
    compiledTemplates.set(key, compiled);
  }
  return compiled;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
