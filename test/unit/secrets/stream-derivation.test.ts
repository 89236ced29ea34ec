import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import fc from 'fast-check';
import { deriveDomainEvents, eventSourceEntities } from '../../../lib/adapters/dynamodb/stream/derive-domain-events.js';

// Issue 11, section 3: the stream's consumer never hands a channel credential on. Whatever a channel's items hold
// (sealed credentials, or clear ones of an item written before sealing), the event source's filter drops them in AWS
// and the derivation gives no event for them anyway.

const CHANNEL_ENTITIES = ['channel', 'channel_tenant', 'channel_default'];
const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', item: Record<string, unknown>, seq: number): DynamoDBRecord {
  const image = marshall(item, { removeUndefinedValues: true }) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
  return {
    eventID: `e-${seq}`,
    eventName,
    dynamodb: {
      Keys: marshall({ pk: item.pk, sk: item.sk }) as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
      SequenceNumber: String(seq),
      ...(eventName === 'REMOVE' ? { OldImage: image } : { NewImage: image, OldImage: image }),
    },
  };
}

describe('domain events and channel items', () => {
  it('lets no channel item through the event source filter, with or without per-message events', () => {
    for (const perMessageEvents of [false, true]) {
      expect(eventSourceEntities({ perMessageEvents }).filter((e) => CHANNEL_ENTITIES.includes(e))).toEqual([]);
    }
  });

  it('derives no event from any change of any channel item, whatever its config and credentials hold', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom('INSERT' as const, 'MODIFY' as const, 'REMOVE' as const),
            entity: fc.constantFrom(...CHANNEL_ENTITIES),
            // The API refuses these keys (issue 11, bad input), and marshall cannot store an object whose own
            // `constructor` shadows Object's, so no channel item holds one.
            config: fc.dictionary(
              fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !FORBIDDEN_KEYS.includes(key)),
              fc.string(),
            ),
            credentials: fc.dictionary(
              fc.constantFrom('secret', 'accessToken', 'appSecret', 'verifyToken'),
              fc.string(),
            ),
          }),
          { maxLength: 20 },
        ),
        fc.boolean(),
        (changes, perMessageEvents) => {
          const records = changes.map((change, seq) =>
            record(
              change.kind,
              {
                pk: 'T#acme#CHANNELS',
                sk: `CHANNEL#c-${seq}`,
                entity: change.entity,
                tenantId: 'acme',
                id: `c-${seq}`,
                config: change.config,
                credentials: change.credentials,
                updatedAt: '2026-01-01T00:00:00.000Z',
              },
              seq,
            ),
          );
          expect(deriveDomainEvents(records, { perMessageEvents })).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
    // A hundred sealed-config items take a while on a loaded machine; the default 5 s is too tight there.
  }, 30_000);
});
