import type { SendOutcome } from '../../lib/domain/send-outcome.js';
import { sendChunk } from '../../lib/use-cases/send-chunk.js';
import { createTestTable, newTenantId, TestClock, type TestDeps, type TestTable } from '../support/dynamodb.js';
import { allExecutions, aPlannedBroadcast, pipelineDeps, ScriptedChannel } from '../support/pipeline.js';

/**
 * The sender when the provider says the person opted out with it (AWS End User Messaging SMS's ConflictException
 * DESTINATION_PHONE_NUMBER_OPTED_OUT, as the sms channel answers it): that contact is skipped as `opted_out`, its
 * SMS address suppressed, the others sent, the broadcast going on. On DynamoDB Local, through sendChunk.
 */

const OPTED_OUT: SendOutcome = {
  kind: 'opted_out',
  suppression: 'sms',
  reason: 'sms ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT: The destination phone number is opted out.',
};

let table: TestTable;
let clock: TestClock;
let channel: ScriptedChannel;
let deps: TestDeps;

beforeAll(async () => {
  table = await createTestTable();
});

beforeEach(() => {
  clock = new TestClock('2025-01-15T12:00:00.000Z');
  // Like SMS: no idempotency key.
  channel = new ScriptedChannel(clock, false);
  deps = pipelineDeps(table, clock, channel, { claimLeaseMs: 60_000, retryBaseMs: 5000, maxSendAttempts: 3 });
});

afterAll(async () => {
  await table.release();
});

describe('sendChunk when the provider answers that the person opted out', () => {
  it('skips that contact as opted_out, suppresses its sms address and sends the others', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { broadcast, contacts } = await aPlannedBroadcast(deps, tenantId, {
      contacts: ['Ana', 'Bia', 'Caio'].map((name, i) => ({ name, phone: `+551199999000${i}` })),
    });
    const bia = contacts.find((c) => c.name === 'Bia');
    if (!bia) throw new Error('no Bia');
    channel.script(bia.id, OPTED_OUT);

    // Act
    const report = await sendChunk(deps, { tenantId, broadcastId: broadcast.id, chunk: 0 });

    // Assess
    expect(report).toEqual({ result: 'counted', sent: 2, failed: 0, skipped: 1, retried: 0, throttled: 0 });
    const executions = await allExecutions(deps, tenantId, broadcast.id);
    expect(executions.find((e) => e.contactId === bia.id)).toMatchObject({
      status: 'skipped',
      reason: 'opted_out',
      error: OPTED_OUT.reason,
      attempts: 1,
    });
    expect(executions.filter((e) => e.status === 'sent')).toHaveLength(2);
    expect(await deps.broadcasts.findById(tenantId, broadcast.id)).toMatchObject({
      status: 'completed',
      sent: 2,
      skipped: 1,
      failed: 0,
    });
    const stored = await deps.contacts.findById(tenantId, bia.id);
    expect(stored?.suppressions).toEqual({
      sms: { reason: 'carrier_opt_out', at: '2025-01-15T12:00:00.000Z', address: bia.phone },
    });
    // Her consent to other channels is not the provider's to withdraw.
    expect(stored?.optedOut).toBe(false);
    // Asked once: an opt-out is not retried.
    expect(channel.contactIds().filter((id) => id === bia.id)).toHaveLength(1);
  });
});
