import { randomUUID } from 'node:crypto';
import { DynamoDbExecutionRepository } from '../../lib/adapters/dynamodb/execution-repository.js';
import { EXECUTION_SHARDS, executionKeys } from '../../lib/adapters/dynamodb/keys.js';
import type { BroadcastExecution, ExecutionStatus } from '../../lib/domain/broadcast-execution.js';
import { allPages, anExecution } from '../support/builders.js';
import { createTestTable, newTenantId, rawPartition, type TestTable } from '../support/dynamodb.js';

let table: TestTable;
let repository: DynamoDbExecutionRepository;

beforeAll(async () => {
  table = await createTestTable();
  repository = new DynamoDbExecutionRepository(table.client, table.tableName);
});

afterAll(async () => {
  await table.deleteTable();
});

const LATER = '2025-01-15T12:05:00.000Z';
const STATUSES: ExecutionStatus[] = ['pending', 'sending', 'sent', 'failed', 'skipped'];

function executionsOf(
  tenantId: string,
  broadcastId: string,
  count: number,
  status = (_i: number): ExecutionStatus => 'pending',
) {
  return Array.from({ length: count }, (_, i) =>
    anExecution(tenantId, broadcastId, randomUUID(), { status: status(i) }),
  );
}

const contactIds = (items: readonly BroadcastExecution[]) => items.map((e) => e.contactId).sort();

describe('DynamoDbExecutionRepository', () => {
  describe('saveBatch', () => {
    it('writes every execution, more than one round of parallel writes', async () => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const executions = executionsOf(tenantId, broadcastId, 60);

      // Act
      await repository.saveBatch(executions);

      // Assess
      const { items } = await allPages((page) => repository.findByBroadcast(tenantId, broadcastId, page), 1000);
      expect(contactIds(items)).toEqual(contactIds(executions));
      const sample = executions[42] as BroadcastExecution;
      expect(await repository.findByContact(tenantId, broadcastId, sample.contactId)).toEqual(sample);
    });

    it('never overwrites an execution that already exists for the contact', async () => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const [done, fresh] = executionsOf(tenantId, broadcastId, 2) as [BroadcastExecution, BroadcastExecution];
      const sent: BroadcastExecution = {
        ...done,
        status: 'sent',
        messageId: 'wamid.1',
        sentAt: LATER,
        updatedAt: LATER,
      };
      await repository.saveBatch([sent]);

      // Act
      await repository.saveBatch([{ ...done, id: randomUUID() }, fresh]);

      // Assess
      expect(await repository.findByContact(tenantId, broadcastId, done.contactId)).toEqual(sent);
      expect(await repository.findByContact(tenantId, broadcastId, fresh.contactId)).toEqual(fresh);
    });

    it('spreads the executions of one broadcast over many partition keys', async () => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const executions = executionsOf(tenantId, broadcastId, 80);

      // Act
      await repository.saveBatch(executions);

      // Assess
      const shards = await Promise.all(
        Array.from({ length: EXECUTION_SHARDS }, (_, s) =>
          rawPartition(table, executionKeys.partition(tenantId, broadcastId, s)),
        ),
      );
      expect(shards.flat()).toHaveLength(80);
      expect(shards.filter((items) => items.length > 0).length).toBeGreaterThanOrEqual(10);
      for (const execution of executions) {
        const key = executionKeys.byContact(tenantId, broadcastId, execution.contactId);
        expect(shards.flat().find((item) => item.contactId === execution.contactId)).toMatchObject(key);
      }
    });
  });

  describe('save', () => {
    it('writes a status change when the stored status is the expected one', async () => {
      // Prepare
      const [pending] = executionsOf(newTenantId(), randomUUID(), 1) as [BroadcastExecution];
      await repository.saveBatch([pending]);
      const sending: BroadcastExecution = { ...pending, status: 'sending', attempts: 1, updatedAt: LATER };

      // Act
      const applied = await repository.save(sending, 'pending');

      // Assess
      expect(applied).toBe(true);
      expect(await repository.findByContact(pending.tenantId, pending.broadcastId, pending.contactId)).toEqual(sending);
    });

    it('refuses a change when the stored status moved on, so only one claimer wins', async () => {
      // Prepare
      const [pending] = executionsOf(newTenantId(), randomUUID(), 1) as [BroadcastExecution];
      await repository.saveBatch([pending]);

      // Act
      const claims = await Promise.all([
        repository.save({ ...pending, status: 'sending', attempts: 1, error: 'first' }, 'pending'),
        repository.save({ ...pending, status: 'sending', attempts: 1, error: 'second' }, 'pending'),
      ]);
      const late = await repository.save({ ...pending, status: 'skipped', reason: 'opted_out' }, 'pending');

      // Assess
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(late).toBe(false);
      const stored = await repository.findByContact(pending.tenantId, pending.broadcastId, pending.contactId);
      expect(stored?.status).toBe('sending');
      expect(stored?.error).toBe(claims[0] ? 'first' : 'second');
      expect(stored).not.toHaveProperty('reason');
    });

    it('refuses to create an execution that does not exist', async () => {
      // Prepare
      const [ghost] = executionsOf(newTenantId(), randomUUID(), 1) as [BroadcastExecution];

      // Act
      const applied = await repository.save({ ...ghost, status: 'sent' }, 'sending');

      // Assess
      expect(applied).toBe(false);
      expect(await repository.findByContact(ghost.tenantId, ghost.broadcastId, ghost.contactId)).toBeUndefined();
    });
  });

  describe('findByBroadcast', () => {
    it.each([1, 7, 50])('returns every execution across the 16 shards exactly once with limit %i', async (limit) => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const executions = executionsOf(tenantId, broadcastId, 50);
      await repository.saveBatch(executions);
      await repository.saveBatch(executionsOf(tenantId, randomUUID(), 5));

      // Act
      const { items, pages } = await allPages((page) => repository.findByBroadcast(tenantId, broadcastId, page), limit);

      // Assess
      expect(items).toHaveLength(50);
      expect(contactIds(items)).toEqual(contactIds(executions));
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(50 / limit));
    });

    it('filters by status over every shard and page; findPending returns the pending ones', async () => {
      // Prepare
      const tenantId = newTenantId();
      const broadcastId = randomUUID();
      const executions = executionsOf(
        tenantId,
        broadcastId,
        45,
        (i) => STATUSES[i % STATUSES.length] as ExecutionStatus,
      );
      await repository.saveBatch(executions);
      const expected = (status: ExecutionStatus) => contactIds(executions.filter((e) => e.status === status));

      // Act
      const sent = await allPages((page) => repository.findByBroadcast(tenantId, broadcastId, page, 'sent'), 2);
      const failed = await allPages((page) => repository.findByBroadcast(tenantId, broadcastId, page, 'failed'), 4);
      const pending = await allPages((page) => repository.findPending(tenantId, broadcastId, page), 3);

      // Assess
      expect(contactIds(sent.items)).toEqual(expected('sent'));
      expect(sent.items).toHaveLength(9);
      expect(contactIds(failed.items)).toEqual(expected('failed'));
      expect(contactIds(pending.items)).toEqual(expected('pending'));
      expect(pending.items.every((e) => e.status === 'pending')).toBe(true);
    });
  });

  describe('tenant isolation', () => {
    it('finds nothing of another tenant, and cannot change its executions', async () => {
      // Prepare
      const owner = newTenantId();
      const intruder = newTenantId();
      const broadcastId = randomUUID();
      const [execution] = executionsOf(owner, broadcastId, 1) as [BroadcastExecution];
      await repository.saveBatch([execution]);

      // Act
      const byContact = await repository.findByContact(intruder, broadcastId, execution.contactId);
      const byBroadcast = await repository.findByBroadcast(intruder, broadcastId, { limit: 10 });
      const pending = await repository.findPending(intruder, broadcastId, { limit: 10 });
      const claimed = await repository.save({ ...execution, tenantId: intruder, status: 'sending' }, 'pending');

      // Assess
      expect(byContact).toBeUndefined();
      expect(byBroadcast.items).toEqual([]);
      expect(pending.items).toEqual([]);
      expect(claimed).toBe(false);
      expect(await repository.findByContact(owner, broadcastId, execution.contactId)).toEqual(execution);
    });
  });
});
