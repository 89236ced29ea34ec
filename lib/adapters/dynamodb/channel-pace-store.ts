import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type ChannelPace,
  decreaseAfterThrottle,
  effectiveRate,
  IDLE_PACE,
  planReservation,
  type Reservation,
  sendSpacingMs,
} from '../../domain/channel-pace.js';
import type { ShareClaim } from '../../domain/channel-share.js';
import type { ChannelPaceStore, ChannelRef, PaceReservationRequest } from '../../ports/channel-pace-store.js';
import { type RetryPolicy, retry } from '../../retry.js';
import { isConditionFailure } from './conditional.js';
import { channelPaceKeys } from './keys.js';

/**
 * Tries of a write whose condition failed because another sender moved the timeline first. No pause: the failed
 * write returned the item as it stands, so the next try is computed from the truth.
 */
const PACE_RACE_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 0 };
/** Channels whose last known pace this process keeps, as the first guess of its next write. */
const REMEMBERED_CHANNELS = 1000;

/** A conditional write on the pace item lost a race; `current` is the item as the failure returned it. */
class PaceMovedError extends Error {
  constructor(readonly current: ChannelPace) {
    super('the channel pace moved since it was read');
    this.name = 'PaceMovedError';
  }
}

/**
 * Capped channels' pace in DynamoDB (see keys.ts, channelPaceKeys). A reservation is one UpdateItem, and needs no
 * read first:
 * - the timeline is busy (tat ahead of the earliest start): `SET tatMs = tatMs + k × spacing`, conditional only on
 *   the sends still fitting before the latest start; the old item it returns says where they start. Concurrent
 *   senders each get their own stretch of the line, none waits for another.
 * - the timeline is idle: `SET tatMs = earliest + k × spacing`, conditional on it still being idle.
 * Which of the two to try comes from the last pace this process saw of the channel (every write returns the item,
 * so that is at most one reservation old; a process's first reservation on a channel reads it first); a wrong
 * guess fails its condition, and the failure returns the item (ReturnValuesOnConditionCheckFailure), so the second
 * try is right. The guess may be stale only in one direction (tat never decreases), which is why "nothing fits"
 * can be answered from it without a write. The spacing comes from the effective rate in the guess: one stale by a
 * decrease is the cap's, never closer, so the cap holds whatever the guess.
 */
export class DynamoDbChannelPaceStore implements ChannelPaceStore {
  private readonly known = new Map<string, ChannelPace>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(channel: ChannelRef): Promise<ChannelPace> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: channelPaceKeys.pace(channel.tenantId, channel.channelId) }),
    );
    const pace = result.Item ? paceOf(result.Item) : IDLE_PACE;
    this.remember(channel, pace);
    return pace;
  }

  async reserve(channel: ChannelRef, request: PaceReservationRequest): Promise<Reservation> {
    // A process's first reservation on a channel reads it first, to space its sends for the rate AIMD left.
    let known = this.known.get(keyOf(channel)) ?? (await this.read(channel));
    try {
      return await retry(
        async () => {
          const spacingMs = sendSpacingMs(effectiveRate(request.capPerSecond, known, request.nowMs));
          const plan = planReservation(known.tatMs, { ...request, spacingMs });
          if (plan.count === 0) return plan;
          try {
            const old = await this.writeReservation(channel, request, plan, known.tatMs <= request.earliestMs);
            const reservation: Reservation = { ...plan, startMs: Math.max(old.tatMs, request.earliestMs) };
            reservation.tatMs = reservation.startMs + reservation.count * spacingMs;
            this.remember(channel, { ...old, tatMs: reservation.tatMs, capPerSecond: request.capPerSecond });
            return reservation;
          } catch (error) {
            if (error instanceof PaceMovedError) {
              known = error.current;
              this.remember(channel, known);
            }
            throw error;
          }
        },
        { ...PACE_RACE_RETRY, retryable: (error) => error instanceof PaceMovedError },
      );
    } catch (error) {
      // Still racing after every try: the channel is as busy as it gets; the chunk takes a fresh slot.
      if (error instanceof PaceMovedError) return { startMs: known.tatMs, count: 0, spacingMs: 0, tatMs: known.tatMs };
      throw error;
    }
  }

  /** One reservation write; returns the pace item as it was before it. */
  private async writeReservation(
    channel: ChannelRef,
    request: PaceReservationRequest,
    plan: Reservation,
    idle: boolean,
  ): Promise<ChannelPace> {
    const span = plan.count * plan.spacingMs;
    const values: Record<string, unknown> = { ':cap': request.capPerSecond, ':entity': 'channel_pace' };
    let update: string;
    let condition: string;
    if (idle) {
      update = 'SET tatMs = :tat, capPerSecond = :cap, entity = :entity';
      condition = 'attribute_not_exists(tatMs) OR tatMs <= :earliest';
      values[':tat'] = request.earliestMs + span;
      values[':earliest'] = request.earliestMs;
    } else {
      // Every one of the sends must still start by latestMs, wherever the line stands when this write lands.
      update = 'SET tatMs = tatMs + :span, capPerSecond = :cap, entity = :entity';
      condition = 'tatMs > :earliest AND tatMs <= :lastStart';
      values[':span'] = span;
      values[':earliest'] = request.earliestMs;
      values[':lastStart'] = request.latestMs - (plan.count - 1) * plan.spacingMs;
    }
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: channelPaceKeys.pace(channel.tenantId, channel.channelId),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return result.Attributes ? paceOf(result.Attributes) : IDLE_PACE;
    } catch (error) {
      throw movedOr(error);
    }
  }

  async recordThrottle(channel: ChannelRef, capPerSecond: number, nowMs: number): Promise<ChannelPace> {
    let known = this.known.get(keyOf(channel)) ?? (await this.read(channel));
    try {
      return await retry(
        async () => {
          const decrease = decreaseAfterThrottle(capPerSecond, known, nowMs);
          if (!decrease) return known;
          try {
            const result = await this.client.send(
              new UpdateCommand({
                TableName: this.tableName,
                Key: channelPaceKeys.pace(channel.tenantId, channel.channelId),
                UpdateExpression: 'SET decreasedRate = :rate, decreasedAt = :at, entity = :entity',
                // Computed from the decrease read: another sender's decrease since wins.
                ConditionExpression: known.decrease ? 'decreasedAt = :seen' : 'attribute_not_exists(decreasedAt)',
                ExpressionAttributeValues: {
                  ':rate': decrease.ratePerSecond,
                  ':at': decrease.atMs,
                  ':entity': 'channel_pace',
                  ...(known.decrease ? { ':seen': known.decrease.atMs } : {}),
                },
                ReturnValues: 'ALL_NEW',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              }),
            );
            const pace = result.Attributes ? paceOf(result.Attributes) : { ...known, decrease };
            this.remember(channel, pace);
            return pace;
          } catch (error) {
            const moved = movedOr(error);
            if (moved instanceof PaceMovedError) {
              known = moved.current;
              this.remember(channel, known);
            }
            throw moved;
          }
        },
        { ...PACE_RACE_RETRY, retryable: (error) => error instanceof PaceMovedError },
      );
    } catch (error) {
      // Others kept decreasing it meanwhile: the rate is down, which is all a throttle asks.
      if (error instanceof PaceMovedError) return known;
      throw error;
    }
  }

  async claimShare(channel: ChannelRef, claim: ShareClaim): Promise<ShareClaim[]> {
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: channelPaceKeys.shares(channel.tenantId, channel.channelId),
        UpdateExpression: 'SET #claim = :claim, entity = :entity',
        ExpressionAttributeNames: { '#claim': claimAttribute(claim.broadcastId) },
        ExpressionAttributeValues: {
          ':claim': { demandPerSecond: claim.demandPerSecond, expiresAtMs: claim.expiresAtMs },
          ':entity': 'channel_shares',
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return claimsOf(result.Attributes ?? {});
  }

  async readClaims(channel: ChannelRef): Promise<ShareClaim[]> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: channelPaceKeys.shares(channel.tenantId, channel.channelId) }),
    );
    return claimsOf(result.Item ?? {});
  }

  async releaseShare(channel: ChannelRef, broadcastId: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: channelPaceKeys.shares(channel.tenantId, channel.channelId),
          UpdateExpression: 'REMOVE #claim',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#claim': claimAttribute(broadcastId) },
        }),
      )
      .catch((error: unknown) => {
        // No claims item: nothing to withdraw.
        if (!isConditionFailure(error)) throw error;
      });
  }

  private remember(channel: ChannelRef, pace: ChannelPace): void {
    const key = keyOf(channel);
    this.known.delete(key);
    this.known.set(key, pace);
    if (this.known.size > REMEMBERED_CHANNELS) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }
}

function keyOf(channel: ChannelRef): string {
  return `${channel.tenantId}#${channel.channelId}`;
}

function claimAttribute(broadcastId: string): string {
  return `${channelPaceKeys.claimPrefix}${broadcastId}`;
}

/** A condition failure as PaceMovedError carrying the item it found; any other error as it is. */
function movedOr(error: unknown): unknown {
  if (!isConditionFailure(error)) return error;
  const item = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
  return new PaceMovedError(item ? paceOf(unmarshall(item)) : IDLE_PACE);
}

function paceOf(raw: Record<string, unknown>): ChannelPace {
  const pace: ChannelPace = { tatMs: typeof raw.tatMs === 'number' ? raw.tatMs : 0 };
  if (typeof raw.capPerSecond === 'number') pace.capPerSecond = raw.capPerSecond;
  const rate = raw.decreasedRate;
  const at = raw.decreasedAt;
  if (typeof rate === 'number' && typeof at === 'number') pace.decrease = { ratePerSecond: rate, atMs: at };
  return pace;
}

function claimsOf(raw: Record<string, unknown>): ShareClaim[] {
  const claims: ShareClaim[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (!name.startsWith(channelPaceKeys.claimPrefix) || value === null || typeof value !== 'object') continue;
    const { demandPerSecond, expiresAtMs } = value as Record<string, unknown>;
    if (typeof demandPerSecond !== 'number' || typeof expiresAtMs !== 'number') continue;
    claims.push({ broadcastId: name.slice(channelPaceKeys.claimPrefix.length), demandPerSecond, expiresAtMs });
  }
  return claims;
}
