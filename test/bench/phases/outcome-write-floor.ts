import { randomUUID } from 'node:crypto';
import { createDocumentClient } from '../../../lib/adapters/dynamodb/document-client.js';
import { DynamoDbExecutionRepository } from '../../../lib/adapters/dynamodb/execution-repository.js';
import { seconds } from '../support/environment.js';

/** Writes in flight: the throughput is flat from 8 to 96 on the bench machine (DynamoDB Local is the limit). */
const IN_FLIGHT = 32;

export interface OutcomeWriteFloor {
  writes: number;
  in_flight: number;
  duration_s: number;
  writes_per_second: number;
}

/**
 * What this machine allows any pipeline that records each recipient's outcome: the outcome writes alone, one
 * conditional PutItem per message (ExecutionRepository.transition, as the sender records one), with nothing else
 * running (no planning, reading, rendering or sending). A pipeline that writes a record per message cannot send faster
 * than this on the same DynamoDB Local and cores.
 *
 * On the bench's own table, under a tenant of their own: DynamoDB Local writes about 6 times slower to a table with a
 * stream created after another table's stream took many records (measured: 1,100 writes/s, then 172/s), which would
 * make the floor a floor of DynamoDB Local's stream bookkeeping instead.
 */
export async function outcomeWriteFloor(
  endpoint: string,
  tableName: string,
  writes: number,
): Promise<OutcomeWriteFloor> {
  const client = createDocumentClient({ tableName, endpoint, region: 'us-east-1', maxAttempts: 8 });
  const executions = new DynamoDbExecutionRepository(client, tableName);
  const broadcastId = randomUUID();
  const at = new Date().toISOString();
  let next = 0;
  const began = performance.now();
  try {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let i = next++; i < writes; i = next++) {
          const applied = await executions.transition(
            {
              ...{ id: randomUUID(), tenantId: 'bench-floor', broadcastId, contactId: randomUUID(), chunk: i % 200 },
              ...{ status: 'sent', messageId: randomUUID(), attempts: 1, sentAt: at, createdAt: at, updatedAt: at },
            },
            'pending',
          );
          if (!applied) throw new Error('an outcome write was refused on a fresh key');
        }
      }),
    );
  } finally {
    client.destroy();
  }
  const elapsedMs = performance.now() - began;
  return {
    writes,
    in_flight: IN_FLIGHT,
    duration_s: seconds(elapsedMs),
    writes_per_second: Math.round((writes / elapsedMs) * 10_000) / 10,
  };
}
