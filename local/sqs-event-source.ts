import { setMaxListeners } from 'node:events';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { failedMessageIds, invocationContext, parseQueueArn, type SqsSource, toSqsRecord } from './sqs-lambda-event.js';
import { deleteRecords, moveToDeadLetterQueue, queueArn, receiveMessages } from './sqs-poll-operations.js';

/**
 * A Lambda SQS handler: plain async, `SQSHandler`, or middy-wrapped (extra parameters are never passed, so
 * middy's third `{ signal }` argument takes its default).
 */
export type SqsLambdaHandler = (
  event: SQSEvent,
  context: Context,
  ...rest: never[]
  // biome-ignore lint/suspicious/noConfusingVoidType: `async () => {}` and aws-lambda's SQSHandler return void
) => Promise<SQSBatchResponse | undefined | void> | SQSBatchResponse | undefined | void;

export type SqsEventSourcePhase = 'receive' | 'handler' | 'delete' | 'redrive';

export interface SqsEventSourceOptions {
  client: SQSClient;
  queueUrl: string;
  handler: SqsLambdaHandler;
  /** Messages per invocation at most, like BatchSize: 1..10,000 (above 10 takes several receives). */
  batchSize: number;
  /** Invocations running at once at most, like ScalingConfig.MaximumConcurrency. */
  maxConcurrency: number;
  /** How long a received message stays hidden; give the queue's own, as Lambda uses it. */
  visibilityTimeoutSeconds: number;
  /**
   * Long-poll wait, 0..20. Default 0: local-aws-sqs holds a long poll until the batch is full (SQS answers as
   * soon as any message is there), so locally a short poll plus idle backoff is what matches Lambda's latency.
   * Against real SQS pass 20.
   */
  waitTimeSeconds?: number;
  /** Empty receives back off from 25 ms up to this. Default 500. */
  maxIdleDelayMs?: number;
  /** Shown in the context. Default `<queue name>-consumer`. */
  functionName?: string;
  /** The Lambda timeout the handler sees through context.getRemainingTimeInMillis(). Default: the visibility timeout. */
  functionTimeoutSeconds?: number;
  /**
   * With dlqUrl: redrive done here, as SQS does it, for a queue without a RedrivePolicy: a message about to be
   * received more than this many times goes to the DLQ instead of the handler. A queue's own policy needs neither.
   */
  maxReceiveCount?: number;
  dlqUrl?: string;
  /**
   * Count receives here and show that count to the handler (and to the redrive above) instead of the queue's
   * ApproximateReceiveCount, which local-aws-sqs also raises on every ChangeMessageVisibility. Counts live in
   * this process, so only for a queue that lives no longer than it (the in-memory emulator).
   */
  countReceives?: boolean;
  /** Fault injection, 0..1: that share of received messages is also handed to a second, concurrent invocation. */
  duplicateDeliveryRate?: number;
  /** For duplicateDeliveryRate; default Math.random. */
  random?: () => number;
  /** Default: one line on stderr. A handler error is also a whole-batch failure, as in Lambda. */
  onError?: (error: unknown, phase: SqsEventSourcePhase) => void;
}

export interface SqsEventSourceStats {
  invocations: number;
  /** Receives of messages (a redelivered message counts again; injected duplicates do not). */
  messagesReceived: number;
  /** Messages deleted after a successful invocation, each message once. */
  messagesDeleted: number;
  /** Messages left for redelivery: reported in batchItemFailures, or in a batch whose handler threw. */
  messagesFailed: number;
  handlerErrors: number;
  duplicatesDelivered: number;
  /** Moved by this event source (maxReceiveCount + dlqUrl), not by the queue's RedrivePolicy. */
  movedToDlq: number;
  inFlight: number;
  /** The most invocations that ever ran at once. */
  peakConcurrency: number;
}

export interface RunningSqsEventSource {
  readonly queueUrl: string;
  stats(): SqsEventSourceStats;
  /** Stops polling and resolves once every invocation in flight has finished and its messages are settled. */
  stop(): Promise<void>;
  /**
   * A message became visible on the queue: idle pollers receive at once, as Lambda's long polls return when a message
   * arrives, instead of finishing their back-off sleep (up to maxIdleDelayMs).
   */
  messageArrived(): void;
}

const MIN_IDLE_DELAY_MS = 25;
const RECEIVE_ERROR_DELAY_MS = 1000;
/** How long a batch waits for its injected duplicate to be picked up, so the two invocations overlap. */
const DUPLICATE_RENDEZVOUS_MS = 250;

/**
 * Emulates Lambda's SQS event source mapping with ReportBatchItemFailures: `maxConcurrency` pollers, each
 * receiving a batch only when it can invoke at once (so no message waits hidden for a free slot), invoking the
 * handler with a real SQSEvent and context, deleting what succeeded and leaving the failed messages to come
 * back after their visibility timeout (which the handler may have changed). A throw fails the whole batch.
 */
export async function startSqsEventSource(options: SqsEventSourceOptions): Promise<RunningSqsEventSource> {
  validate(options);
  const arn = await queueArn(options.client, options.queueUrl);
  const source = new SqsEventSource(options, arn);
  source.start();
  return source;
}

interface Delivery {
  records: SQSRecord[];
  /** Shared by a batch and its injected duplicate, so each message counts as deleted once. */
  deleted: Set<string>;
}

/** Abort listeners one receive in flight adds to its signal: the SDK client's send, its retry race and the request. */
const LISTENERS_PER_RECEIVE = 3;

class SqsEventSource implements RunningSqsEventSource {
  readonly queueUrl: string;
  private readonly counters: SqsEventSourceStats = {
    invocations: 0,
    messagesReceived: 0,
    messagesDeleted: 0,
    messagesFailed: 0,
    handlerErrors: 0,
    duplicatesDelivered: 0,
    movedToDlq: 0,
    inFlight: 0,
    peakConcurrency: 0,
  };
  private readonly source: SqsSource;
  private readonly accountId: string;
  private readonly functionName: string;
  private running = false;
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];
  private readonly duplicates: { delivery: Delivery; pickedUp: () => void }[] = [];
  private readonly sleepers = new Set<() => void>();
  /** countReceives: receives per message id, forgotten once the message is deleted or dead-lettered. */
  private readonly receiveCounts = new Map<string, number>();

  constructor(
    private readonly options: SqsEventSourceOptions,
    arn: string,
  ) {
    this.queueUrl = options.queueUrl;
    const { region, accountId, name } = parseQueueArn(arn);
    this.source = { queueArn: arn, region };
    this.accountId = accountId;
    this.functionName = options.functionName ?? `${name}-consumer`;
    // Every poller's receive listens on this one stop signal while it waits (the SDK removes its listeners when the
    // call settles): more than Node's default of 10 at once is the pollers' number, not a leak.
    setMaxListeners(LISTENERS_PER_RECEIVE * options.maxConcurrency, this.abort.signal);
  }

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: this.options.maxConcurrency }, () => this.poll());
  }

  stats(): SqsEventSourceStats {
    return { ...this.counters };
  }

  messageArrived(): void {
    if (this.running) this.wake();
  }

  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      this.abort.abort();
      for (const duplicate of this.duplicates.splice(0)) duplicate.pickedUp();
      this.wake();
    }
    await Promise.all(this.workers);
  }

  /** One poller: at most one invocation of its own at a time, so pollers = maxConcurrency bounds concurrency. */
  private async poll(): Promise<void> {
    let idleDelay = MIN_IDLE_DELAY_MS;
    while (this.running) {
      const duplicate = this.duplicates.shift();
      if (duplicate) {
        duplicate.pickedUp();
        await this.invoke(duplicate.delivery);
        continue;
      }
      let messages: Message[];
      try {
        messages = await receiveMessages(this.options.client, {
          queueUrl: this.queueUrl,
          maxMessages: this.options.batchSize,
          visibilityTimeoutSeconds: this.options.visibilityTimeoutSeconds,
          waitTimeSeconds: this.options.waitTimeSeconds ?? 0,
          signal: this.abort.signal,
        });
      } catch (error) {
        if (!this.running) break;
        this.report(error, 'receive');
        await this.pause(RECEIVE_ERROR_DELAY_MS);
        continue;
      }
      if (messages.length === 0) {
        await this.pause(idleDelay);
        idleDelay = Math.min(idleDelay * 2, this.options.maxIdleDelayMs ?? 500);
        continue;
      }
      idleDelay = MIN_IDLE_DELAY_MS;
      this.counters.messagesReceived += messages.length;
      if (this.options.countReceives) messages = messages.map((message) => this.counted(message));
      // Received while stopping: left alone, they come back after their visibility timeout.
      if (!this.running) break;
      const records = (await this.redriveOverLimit(messages)).map((message) => toSqsRecord(message, this.source));
      if (records.length === 0) continue;
      const delivery: Delivery = { records, deleted: new Set() };
      await this.offerDuplicate(delivery);
      await this.invoke(delivery);
    }
  }

  private async invoke(delivery: Delivery): Promise<void> {
    const { records } = delivery;
    this.counters.invocations++;
    this.counters.inFlight++;
    this.counters.peakConcurrency = Math.max(this.counters.peakConcurrency, this.counters.inFlight);
    let failed: ReadonlySet<string> | 'all';
    try {
      const context = invocationContext({
        functionName: this.functionName,
        region: this.source.region,
        accountId: this.accountId,
        timeoutMs: (this.options.functionTimeoutSeconds ?? this.options.visibilityTimeoutSeconds) * 1000,
      });
      const response = await this.options.handler({ Records: records }, context);
      failed = failedMessageIds(response, records);
    } catch (error) {
      this.counters.handlerErrors++;
      this.report(error, 'handler');
      failed = 'all';
    } finally {
      this.counters.inFlight--;
    }
    // Failed messages are not touched: Lambda neither deletes them nor changes their visibility.
    const succeeded = failed === 'all' ? [] : records.filter((record) => !failed.has(record.messageId));
    this.counters.messagesFailed += records.length - succeeded.length;
    if (succeeded.length === 0) return;
    try {
      const outcome = await deleteRecords(this.options.client, this.queueUrl, succeeded);
      for (const id of outcome.deleted) {
        this.receiveCounts.delete(id);
        if (delivery.deleted.has(id)) continue;
        delivery.deleted.add(id);
        this.counters.messagesDeleted++;
      }
      if (outcome.refused.length > 0) {
        this.report(new Error(`SQS refused to delete ${outcome.refused.join(', ')}`), 'delete');
      }
    } catch (error) {
      this.report(error, 'delete');
    }
  }

  private async redriveOverLimit(messages: Message[]): Promise<Message[]> {
    const { maxReceiveCount, dlqUrl } = this.options;
    if (maxReceiveCount === undefined || dlqUrl === undefined) return messages;
    const kept: Message[] = [];
    for (const message of messages) {
      if (Number(message.Attributes?.ApproximateReceiveCount ?? 0) <= maxReceiveCount) {
        kept.push(message);
        continue;
      }
      try {
        await moveToDeadLetterQueue(this.options.client, message, { queueUrl: this.queueUrl, dlqUrl });
        this.counters.movedToDlq++;
        if (message.MessageId) this.receiveCounts.delete(message.MessageId);
      } catch (error) {
        // Left hidden: it comes back after its visibility timeout and the move is tried again.
        this.report(error, 'redrive');
      }
    }
    return kept;
  }

  private counted(message: Message): Message {
    if (!message.MessageId) return message;
    const count = (this.receiveCounts.get(message.MessageId) ?? 0) + 1;
    this.receiveCounts.set(message.MessageId, count);
    return { ...message, Attributes: { ...message.Attributes, ApproximateReceiveCount: String(count) } };
  }

  /** Queues a copy of some of the batch for another poller and waits (briefly) until one takes it. */
  private async offerDuplicate(delivery: Delivery): Promise<void> {
    const rate = this.options.duplicateDeliveryRate ?? 0;
    if (rate <= 0) return;
    const random = this.options.random ?? Math.random;
    const copies = delivery.records.filter(() => random() < rate);
    if (copies.length === 0) return;
    this.counters.duplicatesDelivered += copies.length;
    let pickedUp: () => void = () => {};
    const taken = new Promise<void>((done) => {
      pickedUp = done;
    });
    this.duplicates.push({ delivery: { records: structuredClone(copies), deleted: delivery.deleted }, pickedUp });
    this.wake();
    // With a single poller the copy can only run after the original; waiting would just add latency.
    if (this.options.maxConcurrency > 1) await this.within(taken, DUPLICATE_RENDEZVOUS_MS);
  }

  /** Sleeps, unless stop() or a new duplicate wakes the poller first. */
  private pause(ms: number): Promise<void> {
    return this.within(new Promise<void>(() => {}), ms, true);
  }

  private within(promise: Promise<void>, ms: number, wakeable = false): Promise<void> {
    return new Promise<void>((done) => {
      const finish = () => {
        clearTimeout(timer);
        this.sleepers.delete(finish);
        done();
      };
      const timer = setTimeout(finish, ms);
      if (wakeable) this.sleepers.add(finish);
      promise.then(finish, finish);
    });
  }

  private wake(): void {
    for (const finish of [...this.sleepers]) finish();
  }

  private report(error: unknown, phase: SqsEventSourcePhase): void {
    try {
      if (this.options.onError) this.options.onError(error, phase);
      else console.error(`[sqs-event-source ${this.functionName}] ${phase} failed:`, error);
    } catch {
      // A failing error callback must not stop the poller.
    }
  }
}

function validate(options: SqsEventSourceOptions): void {
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new RangeError(`startSqsEventSource: ${message}`);
  };
  const integer = (value: number, min: number, max: number) => Number.isInteger(value) && value >= min && value <= max;
  check(integer(options.batchSize, 1, 10_000), 'batchSize must be an integer in 1..10000');
  check(integer(options.maxConcurrency, 1, 1000), 'maxConcurrency must be an integer in 1..1000');
  check(
    integer(options.visibilityTimeoutSeconds, 0, 43_200),
    'visibilityTimeoutSeconds must be an integer in 0..43200',
  );
  check(integer(options.waitTimeSeconds ?? 0, 0, 20), 'waitTimeSeconds must be an integer in 0..20');
  const rate = options.duplicateDeliveryRate ?? 0;
  check(rate >= 0 && rate <= 1, 'duplicateDeliveryRate must be in 0..1');
  check(
    (options.maxReceiveCount === undefined) === (options.dlqUrl === undefined),
    'maxReceiveCount and dlqUrl go together',
  );
  if (options.maxReceiveCount !== undefined) {
    check(integer(options.maxReceiveCount, 1, 1000), 'maxReceiveCount must be an integer in 1..1000');
  }
}
