import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Counts what a run costs on AWS, as SDK middleware on the clients the service itself uses: every request by
 * service and operation, DynamoDB consumed capacity (ReturnConsumedCapacity is added to every data call),
 * writes per partition key, SQS requests in billed 64 KB units, and, on the local event sources' client, how
 * long each Lambda invocation ran (from the receive that handed its messages over to the delete that settled
 * them: an upper bound of the handler's duration by one local round trip).
 */

type AnyClient = DynamoDBDocumentClient | DynamoDBClient | SQSClient;
type Loose = Record<string, unknown>;

const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);
const SQS_BILLING_UNIT_BYTES = 64 * 1024;

export interface InvocationDurations {
  /** Invocations whose duration was measured (their messages were deleted). */
  count: number;
  totalMs: number;
  /** Sum of the durations rounded up to Lambda's 1 ms billing granularity. */
  billedMs: number;
  maxMs: number;
  /**
   * HTTP functions only: wall time with at least one call in flight. Locally one process serves the calls side by
   * side, each one's wall time stretched by the others'; in AWS each is an invocation of its own. Billing this over
   * the calls is what they took one after another (still an upper bound: the process did other work meanwhile).
   */
  busyMs?: number;
}

export interface MeterSnapshot {
  /** `Service.Operation` -> requests (each SDK attempt that reached the service). */
  requests: Record<string, number>;
  dynamodb: {
    readUnits: number;
    writeUnits: number;
    /** Write units of conditional writes refused by their condition (not reported by DynamoDB; estimated, included above). */
    estimatedRefusedWriteUnits: number;
    refusedConditionalWrites: number;
    /** Units by operation, e.g. `PutItem`: { read, write }. */
    unitsByOperation: Record<string, { read: number; write: number }>;
    /** Writes (items) per partition key. */
    totalItemWrites: number;
    /**
     * Item writes outside the partitions of executions (send chunks, skip pages: executions, leases, tallies) and
     * contacts: the stream records the event publisher's filter lets through (infra/constructs/service-functions.ts).
     */
    itemWritesThatReachThePublisher: number;
    distinctPartitionsWritten: number;
    hottestPartition?: { pk: string; writes: number; share: number };
    /** Item writes (refused conditional ones included) to capped channels' pace partitions (timeline, claims). */
    channelPaceItemWrites: number;
  };
  sqs: {
    requests: number;
    /** Requests in billed units: each 64 KB of payload is one request. */
    billedRequests: number;
    emptyReceives: number;
    /** Billed requests without the empty receives (docs/performance.md: on AWS long polls are a fixed cost). */
    billedRequestsExcludingEmptyReceives: number;
  };
  /** By queue name: the function consuming it. */
  invocations: Record<string, InvocationDurations>;
  /** By HTTP function (the local API's stand-in for API Gateway): each call is one API Gateway request. */
  httpInvocations: Record<string, InvocationDurations>;
}

interface SqsUsage {
  requests: number;
  billed: number;
  emptyReceives: number;
  emptyBilled: number;
}

export class AwsMeter {
  /** Off: requests pass through uncounted (set-up traffic). */
  enabled = false;
  private requests = new Map<string, number>();
  private readUnits = 0;
  private writeUnits = 0;
  private refusedWrites = 0;
  private refusedUnits = 0;
  private partitionWrites = new Map<string, number>();
  private unitsByOperation = new Map<string, { read: number; write: number }>();
  private sqs: SqsUsage = { requests: 0, billed: 0, emptyReceives: 0, emptyBilled: 0 };
  /** Receipt handle -> when its receive answered and from which queue. */
  private received = new Map<string, { at: number; queue: string }>();
  private invocations = new Map<string, InvocationDurations>();
  private httpInvocations = new Map<string, InvocationDurations>();
  /** Item writes to items whose entity the event publisher's filter drops although their partition is let through. */
  private filteredItemWritesInPublishedPartitions = 0;

  reset(): void {
    this.requests = new Map();
    this.readUnits = 0;
    this.writeUnits = 0;
    this.refusedWrites = 0;
    this.refusedUnits = 0;
    this.partitionWrites = new Map();
    this.unitsByOperation = new Map();
    this.sqs = { requests: 0, billed: 0, emptyReceives: 0, emptyBilled: 0 };
    this.received = new Map();
    this.invocations = new Map();
    this.httpInvocations = new Map();
    this.filteredItemWritesInPublishedPartitions = 0;
  }

  /**
   * A route of the HTTP API took `ms` to answer (support/http-timings.ts): one invocation of its function;
   * `busyMs`, the wall time this call ended of the function having at least one call in flight.
   */
  httpInvocation(functionName: string, ms: number, busyMs: number): void {
    if (!this.enabled) return;
    addDuration(this.httpInvocations, functionName, ms);
    const d = this.httpInvocations.get(functionName) as InvocationDurations;
    d.busyMs = (d.busyMs ?? 0) + busyMs;
  }

  snapshot(): MeterSnapshot {
    let total = 0;
    let reachPublisher = 0;
    let hottest: { pk: string; writes: number } | undefined;
    let paceWrites = 0;
    for (const [pk, writes] of this.partitionWrites) {
      total += writes;
      if (CHANNEL_PACE_PARTITION.test(pk)) paceWrites += writes;
      if (!FILTERED_FROM_THE_PUBLISHER.test(pk)) reachPublisher += writes;
      if (!hottest || writes > hottest.writes) hottest = { pk, writes };
    }
    reachPublisher -= this.filteredItemWritesInPublishedPartitions;
    return {
      requests: Object.fromEntries([...this.requests].sort(([a], [b]) => a.localeCompare(b))),
      dynamodb: {
        readUnits: round(this.readUnits),
        writeUnits: round(this.writeUnits),
        estimatedRefusedWriteUnits: this.refusedUnits,
        refusedConditionalWrites: this.refusedWrites,
        unitsByOperation: Object.fromEntries(
          [...this.unitsByOperation].map(([op, u]) => [op, { read: round(u.read), write: round(u.write) }]),
        ),
        totalItemWrites: total,
        itemWritesThatReachThePublisher: reachPublisher,
        distinctPartitionsWritten: this.partitionWrites.size,
        ...(hottest ? { hottestPartition: { ...hottest, share: total === 0 ? 0 : hottest.writes / total } } : {}),
        channelPaceItemWrites: paceWrites,
      },
      sqs: {
        requests: this.sqs.requests,
        billedRequests: this.sqs.billed,
        emptyReceives: this.sqs.emptyReceives,
        billedRequestsExcludingEmptyReceives: this.sqs.billed - this.sqs.emptyBilled,
      },
      invocations: Object.fromEntries([...this.invocations].map(([queue, d]) => [queue, { ...d }])),
      httpInvocations: Object.fromEntries([...this.httpInvocations].map(([fn, d]) => [fn, { ...d }])),
    };
  }

  /** Counts every request of the DynamoDB client and asks DynamoDB for the capacity each one consumed. */
  instrumentDynamoDb(client: DynamoDBDocumentClient | DynamoDBClient): void {
    stackOf(client).add(
      (next: (args: Loose) => Promise<Loose>, context: Loose) => async (args: Loose) => {
        const operation = operationOf(context);
        if (!this.enabled || !CAPACITY_OPERATIONS.has(operation)) return next(args);
        const input = { ...(args.input as Loose), ReturnConsumedCapacity: 'TOTAL' };
        try {
          const result = await next({ ...args, input });
          this.addCapacity(operation, (result.output as Loose | undefined)?.ConsumedCapacity, input);
          this.countWrites(operation, input, result.output as Loose | undefined);
          return result;
        } catch (error) {
          this.countRefused(operation, input, error);
          throw error;
        }
      },
      { step: 'initialize', name: 'benchDynamoDbCapacity', override: true },
    );
    this.countAttempts(client, 'benchDynamoDbRequests');
  }

  /** Counts every SQS request in billed units, and times the event sources' invocations. */
  instrumentSqs(client: SQSClient): void {
    stackOf(client).add(
      (next: (args: Loose) => Promise<Loose>, context: Loose) => async (args: Loose) => {
        if (!this.enabled) return next(args);
        const operation = operationOf(context);
        const input = args.input as Loose;
        if (operation === 'DeleteMessageBatch' || operation === 'DeleteMessage') this.settled(input);
        const result = await next(args);
        if (operation === 'ReceiveMessage') this.receivedMessages(input, result.output as Loose | undefined);
        return result;
      },
      { step: 'initialize', name: 'benchSqsInvocations', override: true },
    );
    stackOf(client).add(
      (next: (args: Loose) => Promise<Loose>, context: Loose) => async (args: Loose) => {
        if (!this.enabled) return next(args);
        const body = (args.request as { body?: unknown } | undefined)?.body;
        const bytes = typeof body === 'string' ? Buffer.byteLength(body) : 0;
        const result = await next(args);
        const operation = operationOf(context);
        let payload = bytes;
        if (operation === 'ReceiveMessage') {
          const messages = ((result.output as Loose | undefined)?.Messages as Loose[] | undefined) ?? [];
          payload = Math.max(
            bytes,
            messages.reduce((sum, m) => sum + Buffer.byteLength(String(m.Body ?? '')), 0),
          );
          if (messages.length === 0) {
            this.sqs.emptyReceives++;
            this.sqs.emptyBilled++;
          }
        }
        this.sqs.requests++;
        this.sqs.billed += Math.max(1, Math.ceil(payload / SQS_BILLING_UNIT_BYTES));
        return result;
      },
      { step: 'build', name: 'benchSqsBilling', override: true },
    );
    this.countAttempts(client, 'benchSqsRequests');
  }

  /** One count per attempt that reached the service (after the retry middleware), by service and operation. */
  private countAttempts(client: AnyClient, name: string): void {
    stackOf(client).add(
      (next: (args: Loose) => Promise<Loose>, context: Loose) => async (args: Loose) => {
        if (this.enabled) {
          const key = `${serviceOf(context)}.${operationOf(context)}`;
          this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name, override: true },
    );
  }

  private addCapacity(operation: string, consumed: unknown, input: Loose): void {
    const entries = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    // DynamoDB bills a transaction's items at twice the standard rate. DynamoDB Local reports 2 units for any
    // transaction, whatever its number of items: below two units per item, count two per item (every item the
    // service writes in a transaction is under 1 KB, so that is DynamoDB's own figure).
    const items = ((input.TransactItems as unknown[] | undefined) ?? []).length;
    const reported = (entries as Loose[]).reduce((sum, e) => sum + Number(e.CapacityUnits ?? 0), 0);
    if (operation.startsWith('Transact') && reported < 2 * items) {
      if (isWrite(operation)) this.addUnits(operation, 0, 2 * items);
      else this.addUnits(operation, 2 * items, 0);
      return;
    }
    for (const entry of entries as Loose[]) {
      const units = Number(entry.CapacityUnits ?? 0);
      const read = entry.ReadCapacityUnits;
      const write = entry.WriteCapacityUnits;
      if (read !== undefined || write !== undefined) this.addUnits(operation, Number(read ?? 0), Number(write ?? 0));
      else if (isWrite(operation)) this.addUnits(operation, 0, units);
      else this.addUnits(operation, units, 0);
    }
  }

  private addUnits(operation: string, read: number, write: number): void {
    this.readUnits += read;
    this.writeUnits += write;
    const byOp = this.unitsByOperation.get(operation) ?? { read: 0, write: 0 };
    byOp.read += read;
    byOp.write += write;
    this.unitsByOperation.set(operation, byOp);
  }

  private countWrites(operation: string, input: Loose, output: Loose | undefined): void {
    for (const key of writtenItems(operation, input, output)) this.addItemWrite(key);
  }

  /** A write refused by its condition still costs its write units; DynamoDB reports none on the error. */
  private countRefused(operation: string, input: Loose, error: unknown): void {
    const name = (error as Error | undefined)?.name;
    if (name === 'ConditionalCheckFailedException') {
      this.refusedWrites++;
      this.refusedUnits += 1;
      this.addUnits(operation, 0, 1);
      for (const key of writtenItems(operation, input, undefined)) this.addItemWrite(key);
    } else if (name === 'TransactionCanceledException') {
      const items = ((input.TransactItems as Loose[] | undefined) ?? []).length;
      this.refusedWrites++;
      // A cancelled transaction is charged its prepare phase: two units per item, as a transactional write.
      this.refusedUnits += 2 * items;
      this.addUnits(operation, 0, 2 * items);
    }
  }

  private addItemWrite({ pk, sk }: ItemKey): void {
    this.partitionWrites.set(pk, (this.partitionWrites.get(pk) ?? 0) + 1);
    if (sk !== undefined && FILTERED_ITEMS_IN_PUBLISHED_PARTITIONS.test(sk) && !FILTERED_FROM_THE_PUBLISHER.test(pk)) {
      this.filteredItemWritesInPublishedPartitions++;
    }
  }

  private receivedMessages(input: Loose, output: Loose | undefined): void {
    const queue = queueName(input.QueueUrl);
    const at = performance.now();
    for (const message of (output?.Messages as Loose[] | undefined) ?? []) {
      if (typeof message.ReceiptHandle === 'string') this.received.set(message.ReceiptHandle, { at, queue });
    }
  }

  /** A delete settles one invocation's messages: it ran from their (latest) receive until now. */
  private settled(input: Loose): void {
    const handles =
      typeof input.ReceiptHandle === 'string'
        ? [input.ReceiptHandle]
        : ((input.Entries as Loose[] | undefined) ?? []).map((e) => e.ReceiptHandle as string);
    let start: { at: number; queue: string } | undefined;
    for (const handle of handles) {
      const seen = this.received.get(handle);
      this.received.delete(handle);
      if (seen && (!start || seen.at > start.at)) start = seen;
    }
    if (!start) return;
    addDuration(this.invocations, start.queue, performance.now() - start.at);
  }
}

function addDuration(durations: Map<string, InvocationDurations>, key: string, ms: number): void {
  const d = durations.get(key) ?? { count: 0, totalMs: 0, billedMs: 0, maxMs: 0 };
  d.count++;
  d.totalMs += ms;
  d.billedMs += Math.ceil(ms);
  d.maxMs = Math.max(d.maxMs, ms);
  durations.set(key, d);
}

/**
 * Partitions of entities the event publisher's stream filter drops: executions and their chunk items, contacts, and
 * capped channels' pace items, broadcasts' timeline buckets.
 */
const FILTERED_FROM_THE_PUBLISHER = /#(CHUNK|SKIP|CONTACTS)#\d+$|#EXTID#|#PACE$|#TIMELINE$/;
/**
 * Sort keys of items the filter drops in partitions it lets through: a broadcast's delivery-receipt counters sit in
 * its run's partition (lib/adapters/dynamodb/keys.ts, runKeys.receipts; entity `broadcast_receipts`).
 */
const FILTERED_ITEMS_IN_PUBLISHED_PARTITIONS = /^RECEIPTS$/;
/** A capped channel's pace partition (lib/adapters/dynamodb/keys.ts, channelPaceKeys). */
const CHANNEL_PACE_PARTITION = /#CHANNEL#[^#]+#PACE$/;

interface ItemKey {
  pk: string;
  sk?: string;
}

/** The keys of the items an (accepted) write request wrote, one entry per item. */
function writtenItems(operation: string, input: Loose, output: Loose | undefined): ItemKey[] {
  const keys: ItemKey[] = [];
  const add = (item: unknown) => {
    const pk = keyOf(item, 'pk');
    const sk = keyOf(item, 'sk');
    if (pk !== undefined) keys.push(sk === undefined ? { pk } : { pk, sk });
  };
  switch (operation) {
    case 'PutItem':
      add(input.Item);
      break;
    case 'UpdateItem':
    case 'DeleteItem':
      add(input.Key);
      break;
    case 'BatchWriteItem': {
      const unprocessed = new Set<string>();
      for (const requests of Object.values((output?.UnprocessedItems as Record<string, Loose[]>) ?? {})) {
        for (const r of requests) unprocessed.add(JSON.stringify(r));
      }
      for (const requests of Object.values((input.RequestItems as Record<string, Loose[]>) ?? {})) {
        for (const r of requests) {
          if (unprocessed.has(JSON.stringify(r))) continue;
          add((r.PutRequest as Loose | undefined)?.Item ?? (r.DeleteRequest as Loose | undefined)?.Key);
        }
      }
      break;
    }
    case 'TransactWriteItems':
      for (const t of (input.TransactItems as Loose[] | undefined) ?? []) {
        add((t.Put as Loose | undefined)?.Item ?? (t.Update as Loose | undefined)?.Key ?? (t.Delete as Loose)?.Key);
      }
      break;
  }
  return keys;
}

/** A key attribute as the document client gives it (a string) or as the low-level client does ({ S }). */
function keyOf(item: unknown, name: 'pk' | 'sk'): string | undefined {
  const value = (item as Loose | undefined)?.[name];
  if (typeof value === 'string') return value;
  const s = (value as Loose | undefined)?.S;
  return typeof s === 'string' ? s : undefined;
}

function isWrite(operation: string): boolean {
  return ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'].includes(operation);
}

function operationOf(context: Loose): string {
  return String(context.commandName ?? 'Unknown').replace(/Command$/, '');
}

function serviceOf(context: Loose): string {
  return String(context.clientName ?? 'Unknown').replace(/Client$/, '');
}

export function queueName(url: unknown): string {
  return (
    String(url ?? '')
      .split('/')
      .pop() ?? ''
  );
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

interface LooseStack {
  add(middleware: unknown, options: Loose): void;
}

function stackOf(client: AnyClient): LooseStack {
  return client.middlewareStack as unknown as LooseStack;
}
