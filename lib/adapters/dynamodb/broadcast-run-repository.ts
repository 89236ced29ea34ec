import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { BroadcastRun, ChunkTally } from '../../domain/broadcast-run.js';
import { bucketStart, type TimelineBucket } from '../../domain/broadcast-timeline.js';
import { allocateSlots as allocate, type SlotClock } from '../../domain/pacing.js';
import { allSegmentsDone, newPlanSegmentState, type PlanSegmentState } from '../../domain/plan-segments.js';
import type {
  BroadcastRunRepository,
  PacerAdvance,
  PacerRestart,
  PlanPageCommit,
  PlanPageLease,
} from '../../ports/broadcast-run-repository.js';
import { type RetryPolicy, retry } from '../../retry.js';
import { batchGet } from './batch.js';
import { failedConditions, isConditionFailure } from './conditional.js';
import { broadcastKeys, executionKeys, runKeys, timelineKeys } from './keys.js';
import { queryAll } from './query-all.js';
import { SCHEDULED_DUE_INDEX } from './table-definition.js';
import { transactWrite } from './transactions.js';

/** Tries to move the slot clock. No pause: the write that moved it has committed, and the re-read sees it. */
const SLOT_CLOCK_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 0 };

/** Other senders kept moving the run's slot clock between this one's read and its write. */
export class SlotContentionError extends Error {
  constructor() {
    super('could not allocate send slots: too much contention on the run item');
    this.name = 'SlotContentionError';
  }
}

export class DynamoDbBroadcastRunRepository implements BroadcastRunRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string, broadcastId: string): Promise<BroadcastRun | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: runKeys.byBroadcast(tenantId, broadcastId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  async planSegment(tenantId: string, broadcastId: string, segment: number): Promise<PlanSegmentState> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: runKeys.planSegment(tenantId, broadcastId, segment),
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return newPlanSegmentState(segment);
    const { pk: _pk, sk: _sk, entity: _entity, attempt: _attempt, ...state } = result.Item;
    return state as PlanSegmentState;
  }

  /**
   * `attempt` remembers the page count of the last page leased. Every lease of a page sets it before its planner
   * writes anything, and the count only grows, so finding it equal to this page's means someone tried this page
   * before. The segment's item is created by its first lease.
   */
  async leasePlanPage(
    tenantId: string,
    broadcastId: string,
    state: PlanSegmentState,
    lease: string,
    nowMs: number,
    untilMs: number,
  ): Promise<PlanPageLease | undefined> {
    const fresh = newPlanSegmentState(state.segment);
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKeys.planSegment(tenantId, broadcastId, state.segment),
          UpdateExpression:
            'SET lease = :lease, leaseUntil = :until, attempt = :expected, entity = :entity, #segment = :segment, ' +
            'pages = if_not_exists(pages, :zero), chunks = if_not_exists(chunks, :zero), ' +
            'pending = if_not_exists(pending, :zero), skipPages = if_not_exists(skipPages, :zero), ' +
            'carry = if_not_exists(carry, :carry), done = if_not_exists(done, :false)',
          ConditionExpression:
            '(attribute_not_exists(pk) AND :expected = :zero) OR ' +
            '(pages = :expected AND done = :false AND (attribute_not_exists(lease) OR leaseUntil < :now))',
          ExpressionAttributeNames: { '#segment': 'segment' },
          ExpressionAttributeValues: {
            ':lease': lease,
            ':until': untilMs,
            ':expected': state.pages,
            ':entity': 'plan_segment',
            ':segment': state.segment,
            ':zero': 0,
            ':carry': fresh.carry,
            ':false': false,
            ':now': nowMs,
          },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return { retried: result.Attributes?.attempt === state.pages };
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async releasePlanLease(tenantId: string, broadcastId: string, segment: number, lease: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKeys.planSegment(tenantId, broadcastId, segment),
          UpdateExpression: 'REMOVE lease, leaseUntil',
          ConditionExpression: 'lease = :lease',
          ExpressionAttributeValues: { ':lease': lease },
        }),
      )
      .catch((error) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  async commitPlanPage(tenantId: string, broadcastId: string, c: PlanPageCommit): Promise<boolean> {
    const segmentSet = [
      'pages = :next',
      'chunks = :chunks',
      'pending = :pending',
      'skipPages = :skipPages',
      'carry = :carry',
      'done = :done',
    ];
    if (c.nextCursor !== undefined) segmentSet.push('#cursor = :cursor');
    const s = c.segment;
    try {
      await transactWrite(this.client, [
        {
          Update: {
            TableName: this.tableName,
            Key: runKeys.planSegment(tenantId, broadcastId, s),
            UpdateExpression: `SET ${segmentSet.join(', ')} REMOVE lease, leaseUntil${c.nextCursor === undefined ? ', #cursor' : ''}`,
            ConditionExpression: 'pages = :expected AND lease = :lease',
            ExpressionAttributeNames: { '#cursor': 'cursor' },
            ExpressionAttributeValues: {
              ':next': c.expectedPages + 1,
              ':chunks': c.chunks,
              ':pending': c.pending,
              ':skipPages': c.skipPages,
              ':carry': c.carry,
              ':done': c.done,
              ':expected': c.expectedPages,
              ':lease': c.lease,
              ...(c.nextCursor === undefined ? {} : { ':cursor': c.nextCursor }),
            },
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: runKeys.byBroadcast(tenantId, broadcastId),
            UpdateExpression:
              `SET segmentChunks[${s}] = :chunks, segmentPending[${s}] = :pending, ` +
              `segmentSkipPages[${s}] = :skipPages, segmentWatch[${s}] = :watch, planUpdatedAt = :now, ` +
              'plannedChunks = plannedChunks + :newChunks, plannedPending = plannedPending + :newPending, ' +
              'totalContacts = totalContacts + :contacts, skippedAtPlan = skippedAtPlan + :skipped',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: {
              ':chunks': c.chunks,
              ':pending': c.pending,
              ':skipPages': c.skipPages,
              ':watch': c.watchUntil,
              ':now': c.now,
              ':newChunks': c.newChunks,
              ':newPending': c.newPending,
              ':contacts': c.newContacts,
              ':skipped': c.newSkipped,
            },
          },
        },
      ]);
      return true;
    } catch (error) {
      if (failedConditions(error)?.has(0)) return false;
      throw error;
    }
  }

  async advancePacer(tenantId: string, broadcastId: string, a: PacerAdvance): Promise<boolean> {
    const set = [
      'pacerTick = :next',
      'releasedChunks = :released',
      'segmentReleased = :segmentReleased',
      'sweeps = :sweeps',
      'scheduledDuePk = :watchPk',
      'scheduledDueSk = :watchSk',
    ];
    const values: Record<string, unknown> = {
      ':tick': a.tick,
      ':next': a.tick + 1,
      ':released': a.releasedChunks,
      ':segmentReleased': a.segmentReleased,
      ':sweeps': a.sweeps,
      ':watchPk': runKeys.pacerWatchPartition,
      ':watchSk': runKeys.pacerWatchSort(a.watchDeadline.toISOString(), tenantId, broadcastId),
    };
    if (a.clock) {
      // The spacing too: on a capped channel it follows the run's share (respaceClock).
      set.push('slotAnchorMs = :anchor', 'nextSlot = :nextSlot', 'slotSpacingMs = :spacing');
      values[':anchor'] = a.clock.anchorMs;
      values[':nextSlot'] = a.clock.nextSlot;
      values[':spacing'] = a.clock.spacingMs;
    }
    if (a.rescanDone) set.push('rescanRequested = :false');
    if (a.parkedRescanDone) set.push('rescanParked = :false');
    if (a.rescanDone || a.parkedRescanDone) values[':false'] = false;
    return this.conditionalUpdate(tenantId, broadcastId, `SET ${set.join(', ')}`, 'pacerTick = :tick', values);
  }

  /** Optimistic: read the clock, compute, write only if nobody moved it meanwhile. */
  async allocateSlots(run: BroadcastRun, count: number, earliestMs: number): Promise<number[]> {
    let current = run;
    return retry(
      async () => {
        if (current.slotSpacingMs === undefined) return [];
        const clock: SlotClock = {
          anchorMs: current.slotAnchorMs,
          spacingMs: current.slotSpacingMs,
          nextSlot: current.nextSlot,
        };
        const { clock: next, slots } = allocate(clock, count, earliestMs);
        // The anchor is computed for the spacing read: the pacer may have changed it (capped channels) meanwhile.
        const applied = await this.conditionalUpdate(
          run.tenantId,
          run.broadcastId,
          'SET slotAnchorMs = :anchor, nextSlot = :next',
          'nextSlot = :expected AND slotSpacingMs = :spacing',
          {
            ':anchor': next.anchorMs,
            ':next': next.nextSlot,
            ':expected': clock.nextSlot,
            ':spacing': clock.spacingMs,
          },
        );
        if (applied) return slots;
        const fresh = await this.get(run.tenantId, run.broadcastId);
        if (!fresh) throw new Error(`run of broadcast ${run.broadcastId} disappeared`);
        current = fresh;
        throw new SlotContentionError();
      },
      { ...SLOT_CLOCK_RETRY, retryable: (error) => error instanceof SlotContentionError },
    );
  }

  async commitTally(tenantId: string, broadcastId: string, tally: ChunkTally, now: string): Promise<boolean> {
    try {
      await transactWrite(this.client, [
        {
          Put: {
            TableName: this.tableName,
            Item: {
              pk: executionKeys.chunkPartition(tenantId, broadcastId, tally.chunk),
              sk: executionKeys.tallySortKey,
              entity: 'chunk_tally',
              ...tally,
              countedAt: now,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: runKeys.byBroadcast(tenantId, broadcastId),
            UpdateExpression:
              'ADD talliedChunks :one, talliedContacts :contacts, sent :sent, failed :failed, skippedAtSend :skipped SET lastProgressAt = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: {
              ':one': 1,
              ':contacts': tally.contacts,
              ':sent': tally.sent,
              ':failed': tally.failed,
              ':skipped': tally.skipped,
              ':now': now,
            },
          },
        },
        // The chunk's counts in its minute's bucket: one more item of the same transaction, once per chunk.
        {
          Update: {
            TableName: this.tableName,
            Key: timelineKeys.bucket(tenantId, broadcastId, bucketStart(now)),
            UpdateExpression: 'ADD sent :sent, failed :failed, skipped :skipped SET entity = :entity, #start = :start',
            ExpressionAttributeNames: { '#start': 'start' },
            ExpressionAttributeValues: {
              ':sent': tally.sent,
              ':failed': tally.failed,
              ':skipped': tally.skipped,
              ':entity': 'timeline_bucket',
              ':start': bucketStart(now),
            },
          },
        },
      ]);
      return true;
    } catch (error) {
      if (failedConditions(error)?.has(0)) return false;
      throw error;
    }
  }

  async timeline(tenantId: string, broadcastId: string): Promise<TimelineBucket[]> {
    const buckets: TimelineBucket[] = [];
    const items = queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :minute)',
      ExpressionAttributeValues: { ':pk': timelineKeys.partition(tenantId, broadcastId), ':minute': 'MINUTE#' },
      ConsistentRead: true,
    });
    for await (const item of items) {
      buckets.push({
        start: item.start as string,
        sent: Number(item.sent ?? 0),
        failed: Number(item.failed ?? 0),
        skipped: Number(item.skipped ?? 0),
      });
    }
    return buckets;
  }

  async parkChunk(tenantId: string, broadcastId: string, chunk: number, parkId: string): Promise<boolean> {
    try {
      await transactWrite(this.client, [
        {
          ConditionCheck: {
            TableName: this.tableName,
            Key: broadcastKeys.byId(tenantId, broadcastId),
            ConditionExpression: '#status = :paused',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':paused': 'paused' },
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: { ...parkedKey(tenantId, broadcastId, chunk), entity: 'chunk_parked', chunk, parkId },
          },
        },
      ]);
      return true;
    } catch (error) {
      if (failedConditions(error)?.has(0)) return false;
      throw error;
    }
  }

  async parkedChunks(tenantId: string, broadcastId: string, chunks: readonly number[]): Promise<Map<number, string>> {
    const items = await batchGet(
      this.client,
      this.tableName,
      chunks.map((chunk) => parkedKey(tenantId, broadcastId, chunk)),
      { consistent: true },
    );
    return new Map(items.map((item) => [item.chunk as number, item.parkId as string]));
  }

  async unparkChunk(tenantId: string, broadcastId: string, chunk: number, parkId: string): Promise<void> {
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: parkedKey(tenantId, broadcastId, chunk),
          ConditionExpression: 'parkId = :parkId',
          ExpressionAttributeValues: { ':parkId': parkId },
        }),
      )
      .catch((error) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  async talliedChunks(tenantId: string, broadcastId: string, chunks: readonly number[]): Promise<Set<number>> {
    const items = await batchGet(
      this.client,
      this.tableName,
      chunks.map((chunk) => ({
        pk: executionKeys.chunkPartition(tenantId, broadcastId, chunk),
        sk: executionKeys.tallySortKey,
      })),
      { consistent: true },
    );
    return new Set(items.map((item) => item.chunk as number));
  }

  async findStalledPacers(now: Date, limit: number): Promise<{ tenantId: string; broadcastId: string }[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: SCHEDULED_DUE_INDEX.name,
        KeyConditionExpression: 'scheduledDuePk = :pk AND scheduledDueSk <= :now',
        ExpressionAttributeValues: { ':pk': runKeys.pacerWatchPartition, ':now': `${now.toISOString()}#\uffff` },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => ({
      tenantId: item.tenantId as string,
      broadcastId: item.broadcastId as string,
    }));
  }

  async clearPacerWatch(tenantId: string, broadcastId: string, tick: number): Promise<void> {
    // Only the loop of `tick`: a resume or cancel may have started a new loop since, and the watchdog watches that.
    await this.conditionalUpdate(tenantId, broadcastId, 'REMOVE scheduledDuePk, scheduledDueSk', 'pacerTick = :tick', {
      ':tick': tick,
    });
  }

  async restartPacer(tenantId: string, broadcastId: string, restart: PacerRestart): Promise<number> {
    const result = await this.client.send(
      new UpdateCommand({
        ...pacerRestartUpdate(this.tableName, tenantId, broadcastId, restart),
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return result.Attributes?.pacerTick as number;
  }

  private async conditionalUpdate(
    tenantId: string,
    broadcastId: string,
    update: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKeys.byBroadcast(tenantId, broadcastId),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

/**
 * The update that starts a new pacer loop: the next tick, a rescan of the chunks dropped meanwhile and the watchdog's
 * deadline for the new loop's first tick. On its own (the watchdog) or inside a status change's transaction (resume,
 * cancel), so that only the call whose status change commits moves the tick, and it then queues that tick.
 */
export function pacerRestartUpdate(tableName: string, tenantId: string, broadcastId: string, restart: PacerRestart) {
  const rescan = restart.rescan === 'parked' ? 'rescanParked' : 'rescanRequested';
  return {
    TableName: tableName,
    Key: runKeys.byBroadcast(tenantId, broadcastId),
    UpdateExpression: `SET pacerTick = pacerTick + :one, ${rescan} = :true, scheduledDuePk = :watchPk, scheduledDueSk = :watchSk${restart.autoPauseOff ? ', autoPauseOff = :true' : ''}`,
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: {
      ':one': 1,
      ':true': true,
      ':watchPk': runKeys.pacerWatchPartition,
      // The new loop's first tick must act by then, or the watchdog restarts it again.
      ':watchSk': runKeys.pacerWatchSort(restart.watchDeadline.toISOString(), tenantId, broadcastId),
    },
  };
}

function parkedKey(tenantId: string, broadcastId: string, chunk: number) {
  return { pk: executionKeys.chunkPartition(tenantId, broadcastId, chunk), sk: executionKeys.parkedSortKey };
}

/** The run item; `planDone` is not stored but derived from the segments' watch when read (see fromItem). */
export function runItem(run: BroadcastRun) {
  const { planDone: _derived, ...stored } = run;
  return { ...runKeys.byBroadcast(run.tenantId, run.broadcastId), entity: 'broadcast_run', ...stored };
}

function fromItem(raw: Record<string, unknown>): BroadcastRun {
  const { pk: _pk, sk: _sk, entity: _entity, scheduledDuePk: _w, scheduledDueSk: _d, ...run } = raw;
  return { ...(run as unknown as BroadcastRun), planDone: isPlanDoneItem(raw) };
}

/**
 * Whether a stored run item is fully planned: every segment's watch is 0. A run item from before the segments (no
 * `segmentWatch`) still reads, by the flag it stored then.
 */
export function isPlanDoneItem(item: Record<string, unknown>): boolean {
  const watch = item.segmentWatch;
  return Array.isArray(watch) ? allSegmentsDone(watch as number[]) : item.planDone === true;
}
