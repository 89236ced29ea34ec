import { createHash } from 'node:crypto';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { Broadcast } from '../../domain/broadcast.js';
import { wallClockIn } from '../../domain/wall-clock.js';
import { tracer } from '../../observability/tracer.js';
import { type BroadcastScheduler, startMessageFor } from '../../ports/broadcast-scheduler.js';

export interface EventBridgeSchedulerSettings {
  /** The stage's schedule group (SCHEDULE_GROUP_NAME). */
  groupName: string;
  /** The role the schedules run as: sqs:SendMessage to the pipeline queue and the DLQ (SCHEDULE_ROLE_ARN). */
  roleArn: string;
  /** The pipeline queue, where a firing schedule puts the start message (SCHEDULE_TARGET_QUEUE_ARN). */
  targetQueueArn: string;
  /** Where Scheduler parks a start message it could not deliver (SCHEDULE_DLQ_ARN). */
  deadLetterQueueArn?: string;
  /**
   * How long Scheduler keeps retrying to deliver a start message; clamped to its 60..86,400 s. A start later
   * than the broadcast's allowed lateness would only expire it, so this is MAX_LATENESS_SECONDS.
   */
  maxEventAgeSeconds: number;
}

export interface SchedulerClientSettings {
  region: string;
  maxAttempts: number;
}

/** Scheduler's limit on delivery retries (exponential backoff; the event age bounds them first). */
const MAX_RETRY_ATTEMPTS = 185;

/**
 * EventBridge Scheduler: one one-time schedule per broadcast in the stage's group, `at(...)` in the
 * broadcast's time zone, no flexible window, deleted by Scheduler once it has fired, targeting the pipeline
 * queue with the start message as input. Requests carry every field: UpdateSchedule replaces a schedule
 * whole.
 */
export class EventBridgeBroadcastScheduler implements BroadcastScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: EventBridgeSchedulerSettings,
  ) {}

  /** CreateSchedule; if the broadcast already has one (a retry, a delete that failed), UpdateSchedule. */
  async schedule(broadcast: Broadcast): Promise<void> {
    const request = this.scheduleRequest(broadcast);
    try {
      await this.client.send(new CreateScheduleCommand(request));
    } catch (error) {
      if (!isAwsError(error, 'ConflictException')) throw error;
      await this.client.send(new UpdateScheduleCommand(request));
    }
  }

  /** DeleteSchedule; a schedule already gone (it fired and deleted itself, or never existed) is fine. */
  async unschedule(tenantId: string, broadcastId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: scheduleNameFor(tenantId, broadcastId), GroupName: this.settings.groupName }),
      );
    } catch (error) {
      if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
    }
  }

  /** The CreateSchedule (and UpdateSchedule) input for a scheduled broadcast. */
  scheduleRequest(broadcast: Broadcast): CreateScheduleCommandInput {
    const message = startMessageFor(broadcast);
    const at = atExpression(message.scheduledFor, broadcast.timezone ?? 'UTC');
    const { settings } = this;
    return {
      Name: scheduleNameFor(broadcast.tenantId, broadcast.id),
      GroupName: settings.groupName,
      Description: `Starts broadcast ${broadcast.id} of tenant ${broadcast.tenantId}`,
      ScheduleExpression: at.expression,
      ScheduleExpressionTimezone: at.timeZone,
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: settings.targetQueueArn,
        RoleArn: settings.roleArn,
        Input: JSON.stringify(message),
        RetryPolicy: {
          MaximumEventAgeInSeconds: Math.min(86_400, Math.max(60, Math.floor(settings.maxEventAgeSeconds))),
          MaximumRetryAttempts: MAX_RETRY_ATTEMPTS,
        },
        ...(settings.deadLetterQueueArn ? { DeadLetterConfig: { Arn: settings.deadLetterQueueArn } } : {}),
      },
    };
  }
}

/** Captured for X-Ray in Lambda (a no-op elsewhere). */
export function createSchedulerClient(settings: SchedulerClientSettings): SchedulerClient {
  return tracer.captureAWSv3Client(new SchedulerClient({ region: settings.region, maxAttempts: settings.maxAttempts }));
}

/** Schedule names: 1-64 of [0-9A-Za-z_.-]. */
const NAME_PART = /^[0-9A-Za-z_.-]+$/;

/**
 * The schedule's name: a readable prefix of the tenant, a hash of the whole tenant id (so two tenants that
 * share the prefix never collide) and the broadcast id; at most 64 characters of the allowed ones.
 */
export function scheduleNameFor(tenantId: string, broadcastId: string): string {
  const readable = tenantId.replace(/[^0-9A-Za-z_.-]/g, '_').slice(0, 18);
  const tenantHash = createHash('sha256').update(tenantId).digest('hex').slice(0, 8);
  const id =
    broadcastId.length <= 36 && NAME_PART.test(broadcastId)
      ? broadcastId
      : createHash('sha256').update(broadcastId).digest('hex').slice(0, 36);
  return `${readable}-${tenantHash}-${id}`;
}

/**
 * `at(yyyy-mm-ddThh:mm:ss)` for an instant, as the wall-clock time in `timeZone`. Rounded up to the whole
 * second (Scheduler has no fractions), so a schedule never fires before the broadcast's time. A wall-clock
 * time the zone shows twice (the hour repeated when summer time ends) would be ambiguous: that one is
 * written in UTC instead, so the schedule still fires at the exact instant.
 */
export function atExpression(instant: string, timeZone: string): { expression: string; timeZone: string } {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not a date-time: ${instant}`);
  const at = Math.ceil(ms / 1000) * 1000;
  const zone = isAmbiguous(at, timeZone) ? 'UTC' : timeZone;
  return { expression: `at(${wallClock(at, zone)})`, timeZone: zone };
}

const HOUR = 3_600_000;

/** Another instant shows the same wall-clock time in the zone: only around a backward offset change. */
function isAmbiguous(at: number, timeZone: string): boolean {
  const wall = wallClock(at, timeZone);
  const offset = offsetAt(at, timeZone);
  for (const other of [offsetAt(at - 3 * HOUR, timeZone), offsetAt(at + 3 * HOUR, timeZone)]) {
    if (other !== offset && wallClock(at + offset - other, timeZone) === wall) return true;
  }
  return false;
}

/** The zone's offset from UTC at an instant, in ms (wall clock minus UTC). */
function offsetAt(at: number, timeZone: string): number {
  const [date, time] = wallClock(at, timeZone).split('T') as [string, string];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = time.split(':').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute, second) - at;
}

/** yyyy-mm-ddThh:mm:ss in the zone (RangeError for a zone this runtime does not know). */
function wallClock(at: number, timeZone: string): string {
  const c = wallClockIn(at, timeZone);
  return `${c.year}-${c.month}-${c.day}T${c.hour}:${c.minute}:${c.second}`;
}

function isAwsError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
