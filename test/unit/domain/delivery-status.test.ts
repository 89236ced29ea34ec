import fc from 'fast-check';
import {
  addCounters,
  applyReceipt,
  type DeliveryReceipt,
  type DeliveryState,
  type DeliveryStatus,
  decideDeliveryMove,
  deliveryCountsOf,
  deliveryRank,
  deliveryStatusOf,
  NO_DELIVERY_COUNTS,
} from '../../../lib/domain/delivery-status.js';

const at = (second: number) => new Date(Date.UTC(2025, 0, 15, 12, 0, second)).toISOString();
const receipt = (status: DeliveryStatus, second = 0, error?: string): DeliveryReceipt => ({
  status,
  timestamp: at(second),
  ...(error === undefined ? {} : { error }),
});

/** Receipts arriving one webhook at a time (each a group of one or more), folded as the consumer does. */
function deliver(groups: readonly (readonly DeliveryReceipt[])[]) {
  let state: DeliveryState = {};
  let counts = NO_DELIVERY_COUNTS;
  let writes = 0;
  for (const group of groups) {
    const move = decideDeliveryMove(state, group);
    if (!move) continue;
    expect(move.from).toBe(state.deliveryStatus);
    state = move.to;
    counts = addCounters(counts, move.delta);
    writes++;
  }
  return { state, counts, writes };
}

/** The status a message ends in, from the set of its receipts alone: the highest ranked, `sent` being none. */
function best(receipts: readonly DeliveryReceipt[]): DeliveryStatus | undefined {
  const top = receipts.reduce<DeliveryStatus | undefined>(
    (winner, r) => (deliveryRank(r.status) > deliveryRank(winner) ? r.status : winner),
    undefined,
  );
  return top === 'sent' ? undefined : top;
}

/** A message's receipts as a provider may post them: any of its statuses, each any number of times, in any order. */
const receiptsOfOneMessage = fc
  .record({
    statuses: fc.subarray<DeliveryStatus>(['sent', 'delivered', 'read', 'failed'], { minLength: 1 }),
    copies: fc.array(fc.nat({ max: 3 }), { minLength: 4, maxLength: 4 }),
    seed: fc.integer(),
  })
  .chain(({ statuses, copies }) => {
    const all = statuses.flatMap((status, i) =>
      Array.from({ length: 1 + (copies[i] ?? 0) }, () =>
        receipt(status, { sent: 1, delivered: 2, read: 3, failed: 2 }[status], status === 'failed' ? 'e' : undefined),
      ),
    );
    return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
  });

/** The same receipts cut into webhooks of one or more. */
const inGroups = (receipts: readonly DeliveryReceipt[]) =>
  fc.array(fc.integer({ min: 1, max: 3 }), { minLength: receipts.length, maxLength: receipts.length }).map((sizes) => {
    const groups: DeliveryReceipt[][] = [];
    for (let i = 0, g = 0; i < receipts.length; g++) {
      const size = sizes[g] ?? 1;
      groups.push(receipts.slice(i, i + size));
      i += size;
    }
    return groups;
  });

describe('delivery status (forward only)', () => {
  it('ends in the best status of the receipts, whatever their order, duplicates and grouping', () => {
    fc.assert(
      fc.property(
        receiptsOfOneMessage.chain((receipts) => fc.tuple(fc.constant(receipts), inGroups(receipts))),
        ([receipts, groups]) => {
          // Act
          const oneByOne = deliver(receipts.map((r) => [r]));
          const grouped = deliver(groups);

          // Assess
          expect(oneByOne.state.deliveryStatus).toBe(best(receipts));
          expect(grouped.state.deliveryStatus).toBe(best(receipts));
          // The counters are exactly what the end state says, each move having been counted once.
          expect(oneByOne.counts).toEqual(deliveryCountsOf(oneByOne.state));
          expect(grouped.counts).toEqual(deliveryCountsOf(grouped.state));
          // At most one write per distinct status above `sent`, never one per duplicate.
          expect(oneByOne.writes).toBeLessThanOrEqual(new Set(receipts.map((r) => r.status)).size);
        },
      ),
    );
  });

  it('counts a message once in each bucket it belongs to: read is delivered too, failed is neither', () => {
    fc.assert(
      fc.property(receiptsOfOneMessage, (receipts) => {
        const { counts, state } = deliver(receipts.map((r) => [r]));
        expect(counts.read).toBeLessThanOrEqual(counts.delivered);
        expect(counts.delivered + counts.deliveryFailed).toBeLessThanOrEqual(1);
        if (state.readAt !== undefined) expect(String(state.deliveredAt) <= state.readAt).toBe(true);
      }),
    );
  });

  it('writes nothing for a sent receipt: the execution already says sent', () => {
    // Act
    const move = decideDeliveryMove({}, [receipt('sent'), receipt('sent')]);

    // Assess
    expect(move).toBeUndefined();
    expect(deliveryStatusOf({ status: 'sent' })).toBe('sent');
    expect(deliveryStatusOf({ status: 'pending' })).toBeUndefined();
    expect(deliveryStatusOf({ status: 'sent', deliveryStatus: 'read' })).toBe('read');
  });

  it('takes read without delivered as both, at the read time', () => {
    // Act
    const move = decideDeliveryMove({}, [receipt('read', 9)]);

    // Assess
    expect(move).toEqual({
      from: undefined,
      to: { deliveryStatus: 'read', deliveredAt: at(9), readAt: at(9) },
      delta: { delivered: 1, read: 1, deliveryFailed: 0 },
    });
  });

  it('moves delivered to read keeping the delivery time, and counts only the read', () => {
    // Act
    const move = decideDeliveryMove({ deliveryStatus: 'delivered', deliveredAt: at(2) }, [receipt('read', 5)]);

    // Assess
    expect(move).toEqual({
      from: 'delivered',
      to: { deliveryStatus: 'read', deliveredAt: at(2), readAt: at(5) },
      delta: { delivered: 0, read: 1, deliveryFailed: 0 },
    });
  });

  it('fails only what was not seen delivered, keeping the error', () => {
    // Act
    const fromSent = decideDeliveryMove({}, [receipt('failed', 3, 'whatsapp 131026: undeliverable')]);
    const afterDelivered = decideDeliveryMove({ deliveryStatus: 'delivered', deliveredAt: at(2) }, [receipt('failed')]);

    // Assess
    expect(fromSent).toEqual({
      from: undefined,
      to: { deliveryStatus: 'failed', deliveryError: 'whatsapp 131026: undeliverable' },
      delta: { delivered: 0, read: 0, deliveryFailed: 1 },
    });
    expect(afterDelivered).toBeUndefined();
  });

  it('lets a later delivered receipt take a failed message out of the failed count', () => {
    // Act
    const move = decideDeliveryMove({ deliveryStatus: 'failed', deliveryError: 'e' }, [receipt('delivered', 4)]);

    // Assess
    expect(move).toEqual({
      from: 'failed',
      to: { deliveryStatus: 'delivered', deliveredAt: at(4) },
      delta: { delivered: 1, read: 0, deliveryFailed: -1 },
    });
  });

  it('ignores duplicates and older statuses', () => {
    // Prepare
    const read: DeliveryState = { deliveryStatus: 'read', deliveredAt: at(2), readAt: at(3) };

    // Act / Assess
    for (const status of ['sent', 'delivered', 'read', 'failed'] as const) {
      expect(applyReceipt(read, receipt(status, 10))).toBe(read);
    }
    expect(
      decideDeliveryMove({ deliveryStatus: 'delivered' }, [receipt('delivered'), receipt('sent')]),
    ).toBeUndefined();
  });
});
