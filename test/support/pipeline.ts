import { isDeepStrictEqual } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from '../../lib/adapters/dynamodb/batch.js';
import { runItem } from '../../lib/adapters/dynamodb/broadcast-run-repository.js';
import { contactKeys } from '../../lib/adapters/dynamodb/keys.js';
import type { Broadcast } from '../../lib/domain/broadcast.js';
import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import { type BroadcastRun, newRun } from '../../lib/domain/broadcast-run.js';
import type { Channel, RequiredAddress } from '../../lib/domain/channel.js';
import type { Contact, ContactFields } from '../../lib/domain/contact.js';
import type { ContactList, ListFilters } from '../../lib/domain/contact-list.js';
import { executionLayoutOf, PLANNER_STALL_MS } from '../../lib/domain/plan-segments.js';
import type { ChannelSender, OutboundMessage, SendOutcome } from '../../lib/ports/channel-sender.js';
import type { DelayedMessage, PipelineMessage, SendChunkMessage } from '../../lib/ports/message-queue.js';
import { createBroadcast } from '../../lib/use-cases/broadcast-commands.js';
import { createChannel } from '../../lib/use-cases/channel-commands.js';
import type { DeliverySettings, UseCaseDeps } from '../../lib/use-cases/deps.js';
import { planAudiencePage } from '../../lib/use-cases/plan-audience.js';
import { startBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import { aBroadcast, aContact, aStaticList, storeBroadcast } from './builders.js';
import { buildTestDeps, type TestClock, type TestDeps, type TestTable } from './dynamodb.js';

/** What the scripted channel does with one message: an outcome, or `crash` (accepts it, then never answers). */
export type Script = SendOutcome | 'crash';

export interface RecordedSend {
  message: OutboundMessage;
  /** The test clock's time when the channel received it (epoch ms). */
  at: number;
  /** How many times this contact had been given to the channel before (0 for the first). */
  attempt: number;
}

/**
 * A channel that records every message it is given and answers as scripted per contact (accepted by
 * default). `crash` models a sender process that dies after the provider accepted the message: the
 * message is recorded, and the call never returns, so nothing is written back.
 */
export class ScriptedChannel implements ChannelSender {
  readonly received: RecordedSend[] = [];
  /** The answer for contacts without a script. */
  otherwise: Script = { kind: 'accepted' };
  /** Runs after a message is recorded and before the channel answers: to make things happen mid-send. */
  whileSending: ((message: OutboundMessage) => Promise<void>) | undefined;
  private readonly scripts = new Map<string, Script[]>();
  private crashed: (() => void)[] = [];
  private counter = 0;

  constructor(
    private readonly clock: TestClock,
    readonly honoursIdempotencyKey = true,
  ) {}

  /** The answers for a contact's successive sends; the last one repeats. */
  script(contactId: string, ...outcomes: Script[]): void {
    this.scripts.set(contactId, outcomes);
  }

  async send(message: OutboundMessage): Promise<SendOutcome> {
    const attempt = this.received.filter((r) => r.message.contact.id === message.contact.id).length;
    this.received.push({ message, at: this.clock.now().getTime(), attempt });
    const outcomes = this.scripts.get(message.contact.id) ?? [];
    const outcome = outcomes[Math.min(attempt, outcomes.length - 1)] ?? this.otherwise;
    if (outcome === 'crash') {
      for (const notify of this.crashed) notify();
      return new Promise<SendOutcome>(() => {});
    }
    await this.whileSending?.(message);
    this.counter++;
    return outcome.kind === 'accepted' && outcome.providerMessageId === undefined
      ? { kind: 'accepted', providerMessageId: `provider-${this.counter}` }
      : outcome;
  }

  /** Resolves when a scripted crash has happened (the message is recorded, the send hangs forever). */
  whenCrashed(): Promise<void> {
    return new Promise((resolve) => this.crashed.push(resolve));
  }

  /** The contacts the channel was given, in order, once per send. */
  contactIds(): string[] {
    return this.received.map((r) => r.message.contact.id);
  }
}

/** Test deps whose every channel delivers through `channel`, with optional delivery settings. */
export function pipelineDeps(
  table: TestTable,
  clock: TestClock,
  channel: ChannelSender,
  delivery: Partial<DeliverySettings> = {},
): TestDeps {
  const base = buildTestDeps(table, clock);
  const deps: TestDeps = {
    ...base,
    senders: { senderFor: () => channel },
    delivery: { ...base.delivery, ...delivery },
  };
  tables.set(deps, table);
  return deps;
}

const tables = new WeakMap<TestDeps, TestTable>();

/**
 * Creates contacts without external ids in batches of 25 (several times faster than one PutItem each on
 * DynamoDB Local), in the contact repository's storage layout; the first one is read back through the
 * repository, so a change of that layout fails here rather than somewhere downstream.
 */
export async function createContacts(
  deps: TestDeps,
  tenantId: string,
  fields: readonly ContactFields[],
): Promise<Contact[]> {
  const table = tables.get(deps);
  const contacts = fields.map((f) => aContact(tenantId, f));
  if (!table || contacts.some((c) => c.externalId)) {
    for (let i = 0; i < contacts.length; i += 50) {
      await Promise.all(contacts.slice(i, i + 50).map((c) => deps.contacts.create(c)));
    }
    return contacts;
  }
  await batchWrite(
    table.client,
    table.tableName,
    contacts.map((c) => ({ PutRequest: { Item: { ...contactKeys.byId(tenantId, c.id), entity: 'contact', ...c } } })),
  );
  const [first] = contacts;
  if (first && !isDeepStrictEqual(await deps.contacts.findById(tenantId, first.id), first)) {
    throw new Error('contacts written in batches do not read back through the contact repository');
  }
  return contacts;
}

export interface AudienceSpec {
  contacts?: readonly ContactFields[];
  /** Existing contacts to put in a static list (instead of `contacts`). */
  memberIds?: readonly string[];
  /** A dynamic list with these filters instead of a static list. */
  filters?: ListFilters;
  rateLimit?: number;
  content?: string;
  /** A tenant channel to create and make the broadcast's (by channel_id) or the tenant's default. */
  channel?: { requiredAddress: RequiredAddress; asDefault?: boolean; maxMessagesPerSecond?: number };
  /** An existing channel of the tenant for the broadcast (by channel_id), instead of `channel`. */
  channelId?: string;
}

export interface StartedBroadcast {
  broadcast: Broadcast;
  contacts: Contact[];
  list: ContactList;
  channel?: Channel;
}

/** Contacts, a list, a channel if asked, a broadcast, started: its plan and pace messages are on the queue. */
export async function aStartedBroadcast(
  deps: TestDeps,
  tenantId: string,
  spec: AudienceSpec,
): Promise<StartedBroadcast> {
  const contacts = spec.contacts ? await createContacts(deps, tenantId, spec.contacts) : [];
  const list = spec.filters
    ? aStaticList(tenantId, { isDynamic: true, filters: spec.filters, name: 'dynamic' })
    : aStaticList(tenantId);
  if (list.isDynamic) delete list.contactCount;
  await deps.contactLists.create(list, list.isDynamic ? [] : (spec.memberIds ?? contacts.map((c) => c.id)));
  let channel: Channel | undefined;
  if (spec.channel) {
    channel = await createChannel(deps, tenantId, {
      name: 'mail',
      type: 'log',
      config: {},
      requiredAddress: spec.channel.requiredAddress,
      isDefault: spec.channel.asDefault ?? false,
      ...(spec.channel.maxMessagesPerSecond ? { maxMessagesPerSecond: spec.channel.maxMessagesPerSecond } : {}),
    });
  }
  const draft = await createBroadcast(deps, tenantId, {
    name: 'Black Friday',
    listId: list.id,
    messageTemplate: { type: 'text', content: spec.content ?? 'Hi {{contact.name}}' },
    rateLimit: spec.rateLimit ?? 0,
    ...(channel && !spec.channel?.asDefault ? { channelId: channel.id } : {}),
    ...(spec.channelId ? { channelId: spec.channelId } : {}),
  });
  const broadcast = await startBroadcast(deps, tenantId, draft.id);
  return { broadcast, contacts, list, ...(channel ? { channel } : {}) };
}

/** Runs the planner until the audience is planned: every segment in turn, page by page; the steps taken, in order. */
export async function planAll(
  deps: Parameters<typeof planAudiencePage>[0],
  tenantId: string,
  broadcastId: string,
): Promise<string[]> {
  const steps: string[] = [];
  const segments = (await deps.runs.get(tenantId, broadcastId))?.planSegments ?? 1;
  for (let segment = 0; segment < segments; segment++) {
    for (let i = 0; ; i++) {
      if (i === 1000) throw new Error(`the planner of segment ${segment} never finished`);
      const step = await planAudiencePage(deps, tenantId, broadcastId, segment);
      steps.push(step);
      if (step !== 'more') break;
    }
  }
  return steps;
}

/** A started and fully planned broadcast; the queue is emptied. */
export async function aPlannedBroadcast(
  deps: TestDeps,
  tenantId: string,
  spec: AudienceSpec,
): Promise<StartedBroadcast & { run: BroadcastRun }> {
  const started = await aStartedBroadcast(deps, tenantId, spec);
  await planAll(deps, tenantId, started.broadcast.id);
  takePipeline(deps);
  takeChunks(deps);
  const run = await deps.runs.get(tenantId, started.broadcast.id);
  if (!run) throw new Error('no run');
  return { ...started, run };
}

/**
 * A broadcast in `status` with a run item written as given, no contacts and no executions: for the
 * pacer, which reads only the run and the chunks' tally markers.
 */
export async function aRunState(
  deps: TestDeps,
  table: TestTable,
  tenantId: string,
  rateLimit: number,
  run: Partial<BroadcastRun> = {},
  status: Broadcast['status'] = 'running',
): Promise<{ broadcast: Broadcast; run: BroadcastRun }> {
  const broadcast = aBroadcast(tenantId, { status, rateLimit, startedAt: deps.clock.now().toISOString() });
  await storeBroadcast(deps, broadcast);
  const state = inOneSegment({ ...newRun(tenantId, broadcast.id, rateLimit, deps.clock.now()), ...run });
  await putRun(table, state);
  return { broadcast, run: state };
}

/**
 * A one-segment run's segment counters, from its totals as a test wrote them (plannedChunks, releasedChunks,
 * plannedPending, planDone): the planner and the pacer keep both, and read the segments.
 */
export function inOneSegment(run: BroadcastRun): BroadcastRun {
  if (run.planSegments !== 1) return run;
  return {
    ...run,
    segmentChunks: [run.plannedChunks],
    segmentPending: [run.plannedPending],
    segmentReleased: [run.releasedChunks],
    segmentWatch: [run.planDone ? 0 : (run.segmentWatch[0] ?? 0) || Date.parse(run.planUpdatedAt) + PLANNER_STALL_MS],
  };
}

export async function putRun(table: TestTable, run: BroadcastRun): Promise<void> {
  await table.client.send(new PutCommand({ TableName: table.tableName, Item: runItem(run) }));
}

/** Removes and returns what the use cases put on the pipeline queue. */
export function takePipeline(deps: TestDeps): { message: PipelineMessage; delaySeconds: number }[] {
  return deps.queue.pipeline.splice(0);
}

/** Removes and returns what the use cases put on the send queue. */
export function takeChunks(deps: TestDeps): DelayedMessage<SendChunkMessage>[] {
  return deps.queue.chunks.splice(0);
}

/** Every execution of the broadcast's send chunks, by chunk. */
export async function chunksOf(deps: TestDeps, run: BroadcastRun): Promise<BroadcastExecution[][]> {
  const all: BroadcastExecution[][] = [];
  for (let chunk = 0; chunk < run.plannedChunks; chunk++) {
    all.push(await deps.executions.listChunk(run.tenantId, run.broadcastId, chunk));
  }
  return all;
}

/** Every execution of the broadcast, chunks and skip pages. */
export async function allExecutions(
  deps: Pick<UseCaseDeps, 'runs' | 'executions'>,
  tenantId: string,
  broadcastId: string,
): Promise<BroadcastExecution[]> {
  const run = await deps.runs.get(tenantId, broadcastId);
  if (!run) return [];
  const items: BroadcastExecution[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.executions.findByBroadcast(tenantId, broadcastId, executionLayoutOf(run), {
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** The differences between consecutive values. */
export function gaps(values: readonly number[]): number[] {
  return values.slice(1).map((value, i) => value - (values[i] as number));
}
