import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, AttributeValue as StreamAttributeValue } from 'aws-lambda';

/** A stored item as a plain object (numbers as JavaScript numbers), storage attributes included. */
export type Item = Record<string, unknown>;

/** One committed change of one item, decoded from its stream record (NEW_AND_OLD_IMAGES). */
export interface ItemChange {
  kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** The stream record's id: the events derived from it carry it (or a suffix of it) as `event_id`. */
  eventId: string;
  newItem?: Item;
  oldItem?: Item;
  /** The change's own time when the item carries one (updatedAt), else the stream's approximate time. */
  occurredAt: string;
}

/** The change a stream record describes; undefined for a record without an event name or data. */
export function readItemChange(record: DynamoDBRecord): ItemChange | undefined {
  const kind = record.eventName;
  const data = record.dynamodb;
  if (!kind || !data) return undefined;
  const newItem = data.NewImage ? decodeImage(data.NewImage) : undefined;
  const oldItem = data.OldImage ? decodeImage(data.OldImage) : undefined;
  const approximate = data.ApproximateCreationDateTime
    ? new Date(data.ApproximateCreationDateTime * 1000).toISOString()
    : new Date(0).toISOString();
  const updatedAt = kind === 'REMOVE' ? undefined : newItem?.updatedAt;
  return {
    kind,
    eventId: record.eventID ?? data.SequenceNumber ?? '',
    ...(newItem ? { newItem } : {}),
    ...(oldItem ? { oldItem } : {}),
    occurredAt: typeof updatedAt === 'string' ? updatedAt : approximate,
  };
}

/** The entity (`broadcast`, `contact_list`, ...) the changed item stores. */
export function entityOf(change: ItemChange): unknown {
  return (change.newItem ?? change.oldItem)?.entity;
}

/**
 * An image in DynamoDB JSON as a plain object. The Lambda event's attribute value type and the SDK's describe
 * the same JSON; only their TypeScript shapes differ.
 */
function decodeImage(image: Record<string, StreamAttributeValue>): Item {
  return unmarshall(image as Record<string, AttributeValue>);
}
