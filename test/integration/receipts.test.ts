import { randomUUID } from 'node:crypto';
import { DynamoDbDeliveryStatusRepository } from '../../lib/adapters/dynamodb/delivery-status-repository.js';
import { runKeys } from '../../lib/adapters/dynamodb/keys.js';
import type { BroadcastExecution } from '../../lib/domain/broadcast-execution.js';
import type { DeliveryStatus } from '../../lib/domain/delivery-status.js';
import { formatExecutionReference } from '../../lib/domain/execution-reference.js';
import type { ProviderReceipt, ReceiptsMessage } from '../../lib/ports/receipts.js';
import { applyReceipts } from '../../lib/use-cases/apply-receipts.js';
import { getBroadcastStats } from '../../lib/use-cases/broadcast-queries.js';
import { AwsMeter } from '../bench/support/aws-meter.js';
import { aBroadcast, anExecution, storeBroadcast } from '../support/builders.js';
import {
  buildTestDeps,
  createTestTable,
  newTenantId,
  rawPartition,
  type TestDeps,
  type TestTable,
} from '../support/dynamodb.js';
import { PublishedEvents } from '../support/published-events.js';

let table: TestTable;
let deps: TestDeps;

beforeAll(async () => {
  table = await createTestTable({ stream: true });
  deps = buildTestDeps(table);
});

afterAll(async () => {
  await table.release();
});

const NOW = '2025-01-15T12:00:00.000Z';

/** A broadcast with `count` executions already sent (chunks of 50), each with its provider message id. */
async function aSentBroadcast(tenantId: string, count: number, overrides: Partial<BroadcastExecution> = {}) {
  const broadcast = aBroadcast(tenantId, { status: 'completed' });
  await storeBroadcast(deps, broadcast);
  const executions = Array.from({ length: count }, (_, i) =>
    anExecution(tenantId, broadcast.id, randomUUID(), {
      status: 'sent',
      chunk: Math.floor(i / 50),
      messageId: `wamid.${randomUUID()}`,
      sentAt: NOW,
      attempts: 1,
      ...overrides,
    }),
  );
  await deps.executions.writePlanned(executions);
  return { broadcast, executions };
}

function receiptFor(execution: BroadcastExecution, status: DeliveryStatus, second = 0): ProviderReceipt {
  return {
    messageId: execution.messageId ?? 'wamid.none',
    status,
    timestamp: new Date(Date.parse(NOW) + second * 1000).toISOString(),
    reference: formatExecutionReference({
      executionId: execution.id,
      broadcastId: execution.broadcastId,
      chunk: execution.chunk ?? 0,
      contactId: execution.contactId,
    }),
    ...(status === 'failed' ? { error: 'whatsapp 131026: Message undeliverable' } : {}),
  };
}

const message = (tenantId: string, receipts: ProviderReceipt[]): ReceiptsMessage => ({
  tenantId,
  channelId: randomUUID(),
  receipts,
});

async function executionsOf(tenantId: string, broadcastId: string, chunks: number): Promise<BroadcastExecution[]> {
  const all: BroadcastExecution[] = [];
  for (let chunk = 0; chunk < chunks; chunk++)
    all.push(...(await deps.executions.listChunk(tenantId, broadcastId, chunk)));
  return all;
}

/** The counters as the executions' records say they must be. */
function countedFrom(executions: readonly BroadcastExecution[]) {
  return {
    delivered: executions.filter((e) => e.deliveryStatus === 'delivered' || e.deliveryStatus === 'read').length,
    read: executions.filter((e) => e.deliveryStatus === 'read').length,
    deliveryFailed: executions.filter((e) => e.deliveryStatus === 'failed').length,
  };
}

async function statsOf(tenantId: string, broadcastId: string) {
  const { delivered, read, deliveryFailed } = await getBroadcastStats(deps, tenantId, broadcastId);
  return { delivered, read, deliveryFailed };
}

describe('applying delivery receipts (DynamoDB Local)', () => {
  it('moves executions forward and keeps the broadcast counters equal to them', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { broadcast, executions } = await aSentBroadcast(tenantId, 4);
    const [a, b, c, d] = executions as [BroadcastExecution, BroadcastExecution, BroadcastExecution, BroadcastExecution];

    // Act
    const first = await applyReceipts(deps, [
      message(tenantId, [receiptFor(a, 'sent'), receiptFor(a, 'delivered', 1), receiptFor(b, 'delivered', 1)]),
      message(tenantId, [receiptFor(c, 'read', 2), receiptFor(d, 'failed', 1)]),
    ]);
    const second = await applyReceipts(deps, [
      message(tenantId, [receiptFor(b, 'read', 3), receiptFor(a, 'delivered')]),
    ]);

    // Assess
    expect(first.retry.size + second.retry.size).toBe(0);
    expect(first.report).toEqual({ received: 5, moved: 4, unchanged: 1, unknown: 0, early: 0 });
    expect(second.report).toEqual({ received: 2, moved: 1, unchanged: 1, unknown: 0, early: 0 });
    const stored = new Map((await executionsOf(tenantId, broadcast.id, 1)).map((e) => [e.id, e]));
    expect(stored.get(a.id)).toMatchObject({
      status: 'sent',
      deliveryStatus: 'delivered',
      deliveredAt: '2025-01-15T12:00:01.000Z',
    });
    expect(stored.get(b.id)).toMatchObject({
      deliveryStatus: 'read',
      deliveredAt: '2025-01-15T12:00:01.000Z',
      readAt: '2025-01-15T12:00:03.000Z',
    });
    expect(stored.get(c.id)).toMatchObject({ deliveryStatus: 'read', deliveredAt: '2025-01-15T12:00:02.000Z' });
    expect(stored.get(d.id)).toMatchObject({
      deliveryStatus: 'failed',
      deliveryError: 'whatsapp 131026: Message undeliverable',
    });
    expect(await statsOf(tenantId, broadcast.id)).toEqual({ delivered: 3, read: 2, deliveryFailed: 1 });
    expect(await statsOf(tenantId, broadcast.id)).toEqual(countedFrom([...stored.values()]));
  });

  it('keeps the counters exact under duplicated, shuffled receipts applied by concurrent workers', async () => {
    // Prepare: 120 messages, each with sent, delivered and read (or read only, or sent then failed), every receipt
    // three times, shuffled, cut into webhooks of 1 to 3 receipts, and handled by 6 workers at once.
    const tenantId = newTenantId();
    const { broadcast, executions } = await aSentBroadcast(tenantId, 120);
    const receipts = executions.flatMap((execution, i) => {
      if (i % 10 === 0) return [receiptFor(execution, 'sent'), receiptFor(execution, 'failed', 1)];
      if (i % 4 === 0) return [receiptFor(execution, 'sent'), receiptFor(execution, 'read', 2)];
      return [receiptFor(execution, 'sent'), receiptFor(execution, 'delivered', 1), receiptFor(execution, 'read', 2)];
    });
    const posted = shuffled([...receipts, ...receipts, ...receipts], 7);
    const webhooks: ReceiptsMessage[] = [];
    for (let i = 0; i < posted.length; i += 1 + (i % 3))
      webhooks.push(message(tenantId, posted.slice(i, i + 1 + (i % 3))));
    const workers = Array.from({ length: 6 }, (_, w) => webhooks.filter((_, i) => i % 6 === w));

    // Act
    const outcomes = await Promise.all(workers.map((batch) => applyReceipts(deps, batch)));

    // Assess
    expect(outcomes.every((outcome) => outcome.retry.size === 0)).toBe(true);
    const stored = await executionsOf(tenantId, broadcast.id, 3);
    expect(countedFrom(stored)).toEqual({ delivered: 108, read: 108, deliveryFailed: 12 });
    expect(await statsOf(tenantId, broadcast.id)).toEqual({ delivered: 108, read: 108, deliveryFailed: 12 });
    expect(outcomes.reduce((sum, o) => sum + o.report.moved, 0)).toBeGreaterThanOrEqual(120);
    expect(outcomes.reduce((sum, o) => sum + o.report.received, 0)).toBe(posted.length);
  });

  it('drops receipts with no reference, a forged one, another message id or another tenant, changing nothing', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { broadcast, executions } = await aSentBroadcast(tenantId, 2);
    const [mine, other] = executions as [BroadcastExecution, BroadcastExecution];
    const { executions: foreign } = await aSentBroadcast(newTenantId(), 1);
    const forged = {
      ...receiptFor(mine, 'delivered'),
      reference: receiptFor({ ...mine, id: randomUUID() }, 'read').reference,
    };
    const { reference: _none, ...unreferenced } = receiptFor(mine, 'read');
    const before = await rawPartition(table, `T#${tenantId}#BROADCAST#${broadcast.id}#CHUNK#0`);

    // Act
    const outcome = await applyReceipts(deps, [
      message(tenantId, [
        unreferenced,
        { ...receiptFor(mine, 'read'), reference: 'x1.not-a-reference' },
        forged,
        { ...receiptFor(other, 'read'), messageId: 'wamid.someone-else' },
        receiptFor(foreign[0] as BroadcastExecution, 'read'),
      ]),
    ]);

    // Assess
    expect(outcome.retry.size).toBe(0);
    expect(outcome.report).toEqual({ received: 5, moved: 0, unchanged: 0, unknown: 5, early: 0 });
    expect(await rawPartition(table, `T#${tenantId}#BROADCAST#${broadcast.id}#CHUNK#0`)).toEqual(before);
    expect(await rawPartition(table, runKeys.receipts(tenantId, broadcast.id).pk)).toEqual([]);
  });

  it('leaves a receipt that beat the sender on the queue, and applies it once the send is recorded', async () => {
    // Prepare: the provider answered the send and its receipt before the sender recorded the message id.
    const tenantId = newTenantId();
    const messageId = `wamid.${randomUUID()}`;
    const { broadcast, executions } = await aSentBroadcast(tenantId, 1, { status: 'sending', messageId: undefined });
    const sending = executions[0] as BroadcastExecution;
    const early = message(tenantId, [receiptFor({ ...sending, messageId }, 'delivered', 1)]);

    // Act
    const beforeRecord = await applyReceipts(deps, [early]);
    await deps.executions.transition({ ...sending, status: 'sent', messageId, sentAt: NOW }, 'sending');
    const afterRecord = await applyReceipts(deps, [early]);

    // Assess
    expect(beforeRecord.retry).toEqual(new Set([0]));
    expect(beforeRecord.report).toMatchObject({ early: 1, moved: 0 });
    expect(afterRecord.retry.size).toBe(0);
    expect(afterRecord.report).toMatchObject({ early: 0, moved: 1 });
    expect(await statsOf(tenantId, broadcast.id)).toEqual({ delivered: 1, read: 0, deliveryFailed: 0 });
  });

  it('drops a receipt for an execution that ended without a recorded send (outcome unknown)', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { broadcast, executions } = await aSentBroadcast(tenantId, 1, {
      status: 'failed',
      messageId: undefined,
      reason: 'outcome_unknown',
    });
    const lost = executions[0] as BroadcastExecution;

    // Act
    const outcome = await applyReceipts(deps, [
      message(tenantId, [receiptFor({ ...lost, messageId: 'wamid.x' }, 'read')]),
    ]);

    // Assess
    expect(outcome.retry.size).toBe(0);
    expect(outcome.report).toMatchObject({ unknown: 1, moved: 0 });
    expect(await statsOf(tenantId, broadcast.id)).toEqual({ delivered: 0, read: 0, deliveryFailed: 0 });
  });

  it('splits a broadcast’s moves into transactions of at most 100 items, counters included', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { broadcast, executions } = await aSentBroadcast(tenantId, 250);
    const transactionSizes: number[] = [];
    const counting = Object.create(table.client) as typeof table.client;
    counting.send = ((command: { input?: { TransactItems?: unknown[] } }) => {
      if (command.input?.TransactItems) transactionSizes.push(command.input.TransactItems.length);
      return table.client.send(command as never);
    }) as typeof counting.send;
    const spied = { ...deps, deliveries: new DynamoDbDeliveryStatusRepository(counting, table.tableName) };

    // Act
    await applyReceipts(spied, [
      message(
        tenantId,
        executions.slice(0, 100).map((e) => receiptFor(e, 'read')),
      ),
    ]);
    await applyReceipts(spied, [
      message(
        tenantId,
        executions.slice(100).map((e) => receiptFor(e, 'delivered')),
      ),
    ]);

    // Assess
    expect(transactionSizes).toEqual([100, 2, 100, 52]);
    expect(await statsOf(tenantId, broadcast.id)).toEqual({ delivered: 250, read: 100, deliveryFailed: 0 });
  });

  it('costs 2 write units per delivered or read receipt, plus 2 per broadcast per batch, and none for sent', async () => {
    // Prepare: measured as the bench measures (consumed capacity, transactional writes at twice the rate).
    const tenantId = newTenantId();
    const { executions } = await aSentBroadcast(tenantId, 50);
    const meter = new AwsMeter();
    const metered = { ...deps, deliveries: new DynamoDbDeliveryStatusRepository(table.client, table.tableName) };
    meter.instrumentDynamoDb(table.client);
    meter.enabled = true;

    // Act: one batch per kind of receipt, as a queue's batches would bring them (50 webhooks each)
    const units: Record<string, { read: number; write: number }> = {};
    for (const status of ['sent', 'delivered', 'read'] as const) {
      meter.reset();
      await applyReceipts(
        metered,
        executions.map((e) => message(tenantId, [receiptFor(e, status)])),
      );
      const { dynamodb } = meter.snapshot();
      units[status] = { read: dynamodb.readUnits, write: dynamodb.writeUnits };
    }
    meter.enabled = false;

    // Assess: eventually consistent reads (half a unit each), one move each, one counters update per batch
    expect(units).toEqual({
      sent: { read: 25, write: 0 },
      delivered: { read: 25, write: 2 * 50 + 2 },
      read: { read: 25, write: 2 * 50 + 2 },
    });
  });

  it('publishes message_delivered and message_read once per execution, with per-message events on', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { executions } = await aSentBroadcast(tenantId, 2);
    const [a, b] = executions as [BroadcastExecution, BroadcastExecution];
    const published = await PublishedEvents.watch(table, { perMessageEvents: true });

    // Act
    await applyReceipts(deps, [
      message(tenantId, [receiptFor(a, 'delivered', 1), receiptFor(b, 'read', 2)]),
      message(tenantId, [receiptFor(a, 'delivered', 1), receiptFor(a, 'read', 3), receiptFor(b, 'delivered', 1)]),
    ]);
    await applyReceipts(deps, [message(tenantId, [receiptFor(a, 'read', 3), receiptFor(b, 'read', 2)])]);

    // Assess
    const events = (await published.events(tenantId)).map((e) => `${e.name} ${e.detail.execution_id}`).sort();
    expect(events).toEqual(
      [
        `broadcast.message_delivered ${a.id}`,
        `broadcast.message_delivered ${b.id}`,
        `broadcast.message_read ${a.id}`,
        `broadcast.message_read ${b.id}`,
      ].sort(),
    );
  });
});

/** A deterministic shuffle (mulberry32), so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
