import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';

/**
 * A record read from DynamoDB Local's stream, as Lambda's stream event carries it: ApproximateCreationDateTime in
 * epoch seconds where the SDK gives a Date, and every empty map as `{"M": {}}`, where DynamoDB Local writes an
 * untyped `{}` (DynamoDB's own stream types it, and unmarshall refuses a value without a type).
 */
export function lambdaStreamRecord(record: StreamRecord): DynamoDBRecord {
  const { ApproximateCreationDateTime: created, NewImage, OldImage, ...rest } = record.dynamodb ?? {};
  const dynamodb = {
    ...rest,
    ...(created ? { ApproximateCreationDateTime: created.getTime() / 1000 } : {}),
    ...(NewImage ? { NewImage: typedMap(NewImage) } : {}),
    ...(OldImage ? { OldImage: typedMap(OldImage) } : {}),
  };
  return { ...record, dynamodb } as DynamoDBRecord;
}

type Json = Record<string, unknown>;

function typedMap(map: object): Json {
  return Object.fromEntries(Object.entries(map).map(([name, value]) => [name, typedValue(value as Json)]));
}

function typedValue(value: Json): Json {
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.M) return { M: typedMap(value.M as Json) };
  if (Array.isArray(value.L)) return { L: value.L.map((item) => typedValue(item as Json)) };
  return value;
}
