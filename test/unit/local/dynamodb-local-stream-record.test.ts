import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { deriveDomainEvents } from '../../../lib/adapters/dynamodb/stream/derive-domain-events.js';
import { lambdaStreamRecord } from '../../../local/dynamodb-local-stream-record.js';

/** A record as the SDK reads it from DynamoDB Local: its time a Date, its empty maps untyped (`{}`). */
function fromDynamoDbLocal(): StreamRecord {
  const list = {
    pk: { S: 'T#acme#LISTS' },
    sk: { S: 'LIST#l1' },
    entity: { S: 'contact_list' },
    id: { S: 'l1' },
    tenantId: { S: 'acme' },
    isDynamic: { BOOL: true },
    tags: { L: [] },
  };
  return {
    eventID: 'ev-1',
    eventName: 'MODIFY',
    dynamodb: {
      ApproximateCreationDateTime: new Date('2026-01-01T10:00:00.000Z'),
      SequenceNumber: '000000000000000000007',
      OldImage: { ...list, filters: {} as never },
      NewImage: { ...list, filters: { M: { customFields: {} as never, tags: { L: [{ S: 'vip' }] } } } },
    },
  };
}

describe('lambdaStreamRecord: a record of DynamoDB Local as Lambda hands it over', () => {
  it('gives the time in epoch seconds and every empty map its type, nested ones too', () => {
    // Act
    const record = lambdaStreamRecord(fromDynamoDbLocal());

    // Assess
    expect(record.dynamodb?.ApproximateCreationDateTime).toBe(1_767_261_600);
    expect(record.dynamodb?.OldImage?.filters).toEqual({ M: {} });
    expect(record.dynamodb?.NewImage?.filters).toEqual({
      M: { customFields: { M: {} }, tags: { L: [{ S: 'vip' }] } },
    });
    expect(record.dynamodb?.NewImage?.tags).toEqual({ L: [] });
    expect(record).toMatchObject({ eventID: 'ev-1', eventName: 'MODIFY' });
  });

  it('can be decoded: the change from no filters to a tag is a list update of its filters', () => {
    // Act
    const events = deriveDomainEvents([lambdaStreamRecord(fromDynamoDbLocal())], { perMessageEvents: false });

    // Assess
    expect(events.map((e) => [e.name, e.detail.changed_fields])).toEqual([['contact_list.updated', ['filters']]]);
  });
});
