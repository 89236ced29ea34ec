import { randomUUID } from 'node:crypto';
import type { ProviderEvent } from '../../../lib/domain/provider-event.js';
import type { ContactRepository } from '../../../lib/ports/contact-repository.js';
import type { DeliveryStatusRepository, ReceiptTarget } from '../../../lib/ports/receipts.js';
import { applyProviderEvents } from '../../../lib/use-cases/apply-provider-events.js';

const reference = { executionId: randomUUID(), broadcastId: randomUUID(), chunk: 0, contactId: randomUUID() };
const bounce: ProviderEvent = {
  outcome: 'apply',
  tenantId: 'acme',
  reference,
  messageId: 'm-1',
  at: '2026-03-01T10:00:00.000Z',
  suppress: { kind: 'email', reason: 'bounce', address: 'ana@example.com' },
};

function depsWith(contacts: Partial<ContactRepository>, target?: Partial<ReceiptTarget>) {
  const deliveries: DeliveryStatusRepository = {
    readTargets: async () =>
      new Map(
        target
          ? [[`x1.${reference.executionId}.${reference.broadcastId}.0.${reference.contactId}`, target as ReceiptTarget]]
          : [],
      ),
    commitMoves: async () => [],
  };
  return {
    deliveries,
    contacts: contacts as ContactRepository,
    clock: { now: () => new Date('2026-03-01T11:00:00Z') },
  };
}

describe('applyProviderEvents', () => {
  it('leaves an event on the queue when acting on its contact fails, and goes on with the others', async () => {
    // Prepare
    let calls = 0;
    const deps = depsWith(
      {
        suppress: async () => {
          calls++;
          if (calls === 1) throw new Error('DynamoDB is down');
          return 'suppressed';
        },
      },
      { status: 'sent', messageId: 'm-1', delivery: {} },
    );

    // Act
    const outcome = await applyProviderEvents(deps, [bounce, bounce]);

    // Assess
    expect([...outcome.retry]).toEqual([0]);
    expect(outcome.report).toMatchObject({ received: 2, suppressed: 1 });
  });

  it('counts an effect-only event about an unknown execution as unknown, once', async () => {
    // Prepare
    const deps = depsWith({ suppress: async () => 'suppressed' });

    // Act
    const outcome = await applyProviderEvents(deps, [bounce, { outcome: 'ignored', why: 'open' }]);

    // Assess
    expect(outcome.report).toMatchObject({ received: 2, unknown: 1, ignored: 1, suppressed: 0 });
    expect(outcome.retry.size).toBe(0);
  });
});
