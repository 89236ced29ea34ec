import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException || (error as Error)?.name === 'ConditionalCheckFailedException'
  );
}

/** Which actions of a cancelled transaction failed their condition (by position), or undefined if it was not that. */
export function failedConditions(error: unknown): Set<number> | undefined {
  const cancelled =
    error instanceof TransactionCanceledException || (error as Error)?.name === 'TransactionCanceledException';
  if (!cancelled) return undefined;
  const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
  const failed = new Set<number>();
  reasons.forEach((reason, index) => {
    if (reason.Code === 'ConditionalCheckFailed') failed.add(index);
  });
  return failed.size > 0 ? failed : undefined;
}

/** Strips the storage attributes so an item reads back as the domain object it was written from. */
export function withoutStorageAttributes<T>(raw: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, entity: _entity, scheduledDuePk: _p, scheduledDueSk: _s, ...rest } = raw;
  return rest as T;
}
