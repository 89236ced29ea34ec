import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import fc from 'fast-check';
import {
  atExpression,
  EventBridgeBroadcastScheduler,
  type EventBridgeSchedulerSettings,
  scheduleNameFor,
} from '../../../lib/adapters/scheduler/eventbridge-broadcast-scheduler.js';
import { pipelineMessageSchema } from '../../../lib/adapters/sqs/message-schemas.js';
import type { Broadcast } from '../../../lib/domain/broadcast.js';
import { aBroadcast } from '../../support/builders.js';

const schedulerMock = mockClient(SchedulerClient);

const SETTINGS: EventBridgeSchedulerSettings = {
  groupName: 'broadcast-acme-prod',
  roleArn: 'arn:aws:iam::123456789012:role/Broadcast-acme-prod-SchedulingTargetRole',
  targetQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:broadcast-acme-prod-pipeline',
  deadLetterQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:broadcast-acme-prod-schedule-dlq',
  maxEventAgeSeconds: 86_400,
};

const BROADCAST_ID = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';

function scheduled(extra: Partial<Broadcast> = {}): Broadcast {
  return aBroadcast('acme', {
    id: BROADCAST_ID,
    name: 'Weekly Newsletter',
    listId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    messageTemplate: { type: 'template', templateId: 'newsletter_weekly' },
    status: 'scheduled',
    scheduledFor: '2030-01-20T10:00:00.000Z',
    rateLimit: 200,
    version: 2,
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    ...extra,
  });
}

/** The request the issue asks for, written out by hand. */
const EXPECTED_REQUEST = {
  Name: `acme-822b33ad-${BROADCAST_ID}`, // tenant, sha256(tenant) prefix, broadcast id
  GroupName: 'broadcast-acme-prod',
  Description: `Starts broadcast ${BROADCAST_ID} of tenant acme`,
  ScheduleExpression: 'at(2030-01-20T07:00:00)',
  ScheduleExpressionTimezone: 'America/Sao_Paulo',
  State: 'ENABLED',
  FlexibleTimeWindow: { Mode: 'OFF' },
  ActionAfterCompletion: 'DELETE',
  Target: {
    Arn: 'arn:aws:sqs:eu-west-1:123456789012:broadcast-acme-prod-pipeline',
    RoleArn: 'arn:aws:iam::123456789012:role/Broadcast-acme-prod-SchedulingTargetRole',
    Input: JSON.stringify({
      type: 'start',
      tenantId: 'acme',
      broadcastId: BROADCAST_ID,
      scheduledFor: '2030-01-20T10:00:00.000Z',
    }),
    RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
    DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:broadcast-acme-prod-schedule-dlq' },
  },
};

/** Scheduler's errors as the SDK throws them (the adapter tells them apart by name). */
const conflict = () => new ConflictException({ message: 'Schedule already exists.', Message: 'exists', $metadata: {} });
const notFound = () =>
  new ResourceNotFoundException({ message: 'Schedule does not exist.', Message: 'missing', $metadata: {} });
const throttled = () => new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} });

beforeEach(() => {
  schedulerMock.reset();
});

describe('EventBridgeBroadcastScheduler.schedule', () => {
  it('creates one one-time schedule: at() in the broadcast time zone, no flexible window, deleted after it fires, retries and a DLQ, the start message to the pipeline queue', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::schedule/x' });
    const scheduler = new EventBridgeBroadcastScheduler(new SchedulerClient({ region: 'eu-west-1' }), SETTINGS);

    // Act
    await scheduler.schedule(scheduled({ timezone: 'America/Sao_Paulo' }));

    // Assess
    expect(schedulerMock).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    expect(schedulerMock).not.toHaveReceivedCommand(UpdateScheduleCommand);
    expect(schedulerMock.commandCalls(CreateScheduleCommand)[0]?.args[0].input).toEqual(EXPECTED_REQUEST);
  });

  it('puts a start message on the queue that the pipeline worker accepts', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});
    const scheduler = new EventBridgeBroadcastScheduler(new SchedulerClient({ region: 'eu-west-1' }), SETTINGS);

    // Act
    await scheduler.schedule(scheduled());

    // Assess
    const input = schedulerMock.commandCalls(CreateScheduleCommand)[0]?.args[0].input.Target?.Input ?? '';
    expect(pipelineMessageSchema.parse(JSON.parse(input))).toEqual({
      type: 'start',
      tenantId: 'acme',
      broadcastId: BROADCAST_ID,
      scheduledFor: '2030-01-20T10:00:00.000Z',
    });
  });

  it('defaults to UTC, clamps the event age to Scheduler limits and leaves out the DLQ when there is none', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});
    const { deadLetterQueueArn: _, ...withoutDlq } = SETTINGS;
    const client = new SchedulerClient({ region: 'eu-west-1' });
    const short = new EventBridgeBroadcastScheduler(client, { ...withoutDlq, maxEventAgeSeconds: 30 });
    const long = new EventBridgeBroadcastScheduler(client, { ...SETTINGS, maxEventAgeSeconds: 7 * 86_400 });

    // Act
    await short.schedule(scheduled());
    await long.schedule(scheduled());

    // Assess
    const [first, second] = schedulerMock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
    expect(first).toMatchObject({ ScheduleExpression: 'at(2030-01-20T10:00:00)', ScheduleExpressionTimezone: 'UTC' });
    expect(first?.Target?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 185 });
    expect(first?.Target).not.toHaveProperty('DeadLetterConfig');
    expect(second?.Target?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 });
  });

  it('updates the schedule with the same parameters when it already exists (ConflictException)', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).rejects(conflict());
    schedulerMock.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::schedule/x' });
    const scheduler = new EventBridgeBroadcastScheduler(new SchedulerClient({ region: 'eu-west-1' }), SETTINGS);

    // Act
    await scheduler.schedule(scheduled({ timezone: 'America/Sao_Paulo' }));

    // Assess
    expect(schedulerMock).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    expect(schedulerMock).toHaveReceivedCommandTimes(UpdateScheduleCommand, 1);
    expect(schedulerMock.commandCalls(UpdateScheduleCommand)[0]?.args[0].input).toEqual(EXPECTED_REQUEST);
  });

  it('lets any other error through, and updates nothing', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).rejects(throttled());
    const scheduler = new EventBridgeBroadcastScheduler(
      new SchedulerClient({ region: 'eu-west-1', maxAttempts: 1 }),
      SETTINGS,
    );

    // Act
    const attempt = scheduler.schedule(scheduled());

    // Assess
    await expect(attempt).rejects.toThrow('Rate exceeded');
    expect(schedulerMock).not.toHaveReceivedCommand(UpdateScheduleCommand);
  });

  it('refuses a broadcast that is not scheduled, without calling Scheduler', async () => {
    const scheduler = new EventBridgeBroadcastScheduler(new SchedulerClient({ region: 'eu-west-1' }), SETTINGS);
    const { scheduledFor: _, ...draft } = scheduled({ status: 'draft' });

    await expect(scheduler.schedule(draft)).rejects.toThrow('not scheduled');
    expect(schedulerMock.calls()).toHaveLength(0);
  });
});

describe('EventBridgeBroadcastScheduler.unschedule', () => {
  it('deletes the schedule by name in the stage group', async () => {
    // Prepare
    schedulerMock.on(DeleteScheduleCommand).resolves({});
    const scheduler = new EventBridgeBroadcastScheduler(new SchedulerClient({ region: 'eu-west-1' }), SETTINGS);

    // Act
    await scheduler.unschedule('acme', BROADCAST_ID);

    // Assess
    expect(schedulerMock).toHaveReceivedCommandTimes(DeleteScheduleCommand, 1);
    expect(schedulerMock.commandCalls(DeleteScheduleCommand)[0]?.args[0].input).toEqual({
      Name: EXPECTED_REQUEST.Name,
      GroupName: 'broadcast-acme-prod',
    });
  });

  it('is done when the schedule is already gone (ResourceNotFoundException)', async () => {
    schedulerMock.on(DeleteScheduleCommand).rejects(notFound());
    const scheduler = new EventBridgeBroadcastScheduler(new SchedulerClient({ region: 'eu-west-1' }), SETTINGS);

    await expect(scheduler.unschedule('acme', BROADCAST_ID)).resolves.toBeUndefined();
  });

  it('lets any other error through', async () => {
    schedulerMock.on(DeleteScheduleCommand).rejects(throttled());
    const scheduler = new EventBridgeBroadcastScheduler(
      new SchedulerClient({ region: 'eu-west-1', maxAttempts: 1 }),
      SETTINGS,
    );

    await expect(scheduler.unschedule('acme', BROADCAST_ID)).rejects.toThrow('Rate exceeded');
  });
});

describe('scheduleNameFor', () => {
  it('is at most 64 characters of [0-9A-Za-z_.-], readable, and different for different tenants or broadcasts', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
        fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
        fc.uuid(),
        (tenantA, tenantB, broadcastId) => {
          const name = scheduleNameFor(tenantA, broadcastId);
          expect(name).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
          expect(name.startsWith(tenantA.slice(0, 18))).toBe(true);
          expect(name.endsWith(broadcastId)).toBe(true);
          if (tenantA !== tenantB) expect(scheduleNameFor(tenantB, broadcastId)).not.toBe(name);
        },
      ),
    );
  });

  it('tells apart two long tenant ids that share their first characters', () => {
    const a = scheduleNameFor('a-very-long-tenant-name-one', BROADCAST_ID);
    const b = scheduleNameFor('a-very-long-tenant-name-two', BROADCAST_ID);
    expect(a).toHaveLength(64);
    expect(a).not.toBe(b);
  });

  it('stays valid for any broadcast id', () => {
    expect(scheduleNameFor('acme', 'not/a uuid but very long indeed, longer than thirty-six')).toMatch(
      /^[0-9A-Za-z_.-]{1,64}$/,
    );
  });
});

describe('atExpression', () => {
  it.each([
    ['2030-01-20T10:00:00.000Z', 'UTC', 'at(2030-01-20T10:00:00)', 'UTC'],
    ['2030-01-20T10:00:00.000Z', 'America/Sao_Paulo', 'at(2030-01-20T07:00:00)', 'America/Sao_Paulo'],
    ['2030-01-20T10:00:00.000Z', 'Asia/Kolkata', 'at(2030-01-20T15:30:00)', 'Asia/Kolkata'],
    ['2030-01-20T20:00:00.000Z', 'Asia/Tokyo', 'at(2030-01-21T05:00:00)', 'Asia/Tokyo'],
    // Summer time: the same UTC hour is another wall-clock hour.
    ['2030-07-20T10:00:00.000Z', 'Europe/Lisbon', 'at(2030-07-20T11:00:00)', 'Europe/Lisbon'],
    ['2030-01-20T10:00:00.000Z', 'Europe/Lisbon', 'at(2030-01-20T10:00:00)', 'Europe/Lisbon'],
    // An offset in scheduled_for names the same instant.
    ['2030-01-20T09:00:00-03:00', 'UTC', 'at(2030-01-20T12:00:00)', 'UTC'],
    ['2030-01-20T09:00:00+05:30', 'Asia/Kolkata', 'at(2030-01-20T09:00:00)', 'Asia/Kolkata'],
    // Midnight is 00, never 24.
    ['2030-01-20T00:00:00.000Z', 'UTC', 'at(2030-01-20T00:00:00)', 'UTC'],
    // Fractions of a second round up: never before the broadcast's time.
    ['2030-01-20T10:00:00.001Z', 'UTC', 'at(2030-01-20T10:00:01)', 'UTC'],
    ['2030-12-31T23:59:59.500Z', 'UTC', 'at(2031-01-01T00:00:00)', 'UTC'],
  ])('%s in %s is %s (%s)', (instant, zone, expression, timeZone) => {
    expect(atExpression(instant, zone)).toEqual({ expression, timeZone });
  });

  it('writes a wall-clock time the zone shows twice (summer time ending) in UTC, so it fires at the exact instant', () => {
    // Lisbon, 2030-10-27: 02:00 WEST goes back to 01:00 WET, so 01:30 happens at 00:30Z and at 01:30Z.
    expect(atExpression('2030-10-27T00:30:00.000Z', 'Europe/Lisbon')).toEqual({
      expression: 'at(2030-10-27T00:30:00)',
      timeZone: 'UTC',
    });
    expect(atExpression('2030-10-27T01:30:00.000Z', 'Europe/Lisbon')).toEqual({
      expression: 'at(2030-10-27T01:30:00)',
      timeZone: 'UTC',
    });
    // Just outside the repeated hour, the zone's own wall clock is unambiguous.
    expect(atExpression('2030-10-27T02:00:00.000Z', 'Europe/Lisbon')).toEqual({
      expression: 'at(2030-10-27T02:00:00)',
      timeZone: 'Europe/Lisbon',
    });
    expect(atExpression('2030-03-31T01:00:00.000Z', 'Europe/Lisbon')).toEqual({
      expression: 'at(2030-03-31T02:00:00)',
      timeZone: 'Europe/Lisbon',
    });
  });

  it('names exactly the instant it was given (rounded up to the second), in any zone, at any time (property)', () => {
    const zones = [
      'UTC',
      'America/Sao_Paulo',
      'America/New_York',
      'Europe/Lisbon',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
    ];
    const formats = new Map(
      [...zones].map((timeZone) => [
        timeZone,
        new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' }),
      ]),
    );
    const wallIn = (ms: number, timeZone: string) => `at(${formats.get(timeZone)?.format(ms).replace(' ', 'T')})`;
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom(...zones),
        (date, zone) => {
          const { expression, timeZone } = atExpression(date.toISOString(), zone);
          const expected = Math.ceil(date.getTime() / 1000) * 1000;
          expect([zone, 'UTC']).toContain(timeZone);
          // Every instant within a day that shows this wall-clock time in the zone (offsets in half hours).
          const showing = Array.from({ length: 97 }, (_, i) => expected + (i - 48) * 1_800_000).filter(
            (instant) => wallIn(instant, timeZone) === expression,
          );
          expect(showing).toEqual([expected]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
