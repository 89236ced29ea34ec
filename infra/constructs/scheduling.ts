import { Arn, ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Naming } from '../naming.js';
import { createDeadLetterQueue } from './queues.js';

const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';

export interface SchedulingProps {
  readonly naming: Naming;
  /** Where a firing one-time schedule puts its start message: the pipeline queue. */
  readonly targetQueue: Queue;
}

/**
 * EventBridge Scheduler for scheduled broadcasts (docs/design.md section 9): one schedule group per tenant stage
 * holding the one-time `at(...)` schedules the service creates at run time, and the role those schedules run as.
 * The role can do one thing: sqs:SendMessage, to the pipeline queue and to the schedules' DLQ (Scheduler delivers
 * dead-letter events with the schedule's own role).
 */
export class Scheduling extends Construct {
  readonly group: ScheduleGroup;
  readonly targetRole: Role;
  readonly deadLetterQueue: Queue;
  private readonly targetQueue: Queue;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    this.targetQueue = props.targetQueue;
    this.group = new ScheduleGroup(this, 'Group', {
      scheduleGroupName: props.naming.physicalName(),
      // Not retained even when data is: its schedules target this stack's queue and role, which go with the stack,
      // and a retained group would block redeploying under the same name. The sweeper (which reads the table)
      // still starts scheduled broadcasts whose schedule went with it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue', props.naming.physicalName('schedule-dlq'));
    this.targetRole = new Role(this, 'TargetRole', {
      description: 'Assumed by the one-time broadcast schedules to put start messages on the pipeline queue',
      // Confused-deputy guard: only schedules of this account's group can assume it.
      assumedBy: new ServicePrincipal(SCHEDULER_SERVICE, {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': this.groupArn() },
        },
      }),
    });
    this.targetRole.addToPolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [props.targetQueue.queueArn, this.deadLetterQueue.queueArn],
      }),
    );
  }

  /**
   * Lets a function create, update and delete schedules in this group only, and pass only the target role (only to
   * Scheduler); tells it everything a CreateSchedule call needs.
   */
  bindScheduleManager(fn: LambdaFunction): void {
    fn.addEnvironment('SCHEDULE_GROUP_NAME', this.group.scheduleGroupName);
    fn.addEnvironment('SCHEDULE_ROLE_ARN', this.targetRole.roleArn);
    fn.addEnvironment('SCHEDULE_TARGET_QUEUE_ARN', this.targetQueue.queueArn);
    fn.addEnvironment('SCHEDULE_DLQ_ARN', this.deadLetterQueue.queueArn);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [
          Stack.of(this).formatArn({
            service: 'scheduler',
            resource: 'schedule',
            resourceName: `${this.group.scheduleGroupName}/*`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.targetRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': SCHEDULER_SERVICE } },
      }),
    );
  }

  /**
   * The sweeper's periodic safety net. It lives in the default group, on purpose: the functions may delete any
   * schedule of the service's group, and must not be able to delete the sweeper by mistake.
   */
  scheduleSweeper(fn: LambdaFunction, every: Duration): Schedule {
    return new Schedule(this, 'Sweeper', {
      description: 'Starts scheduled broadcasts whose one-time schedule was lost',
      schedule: ScheduleExpression.rate(every),
      // A missed sweep is replaced by the next one, so no retries that could pile up behind a slow sweep.
      target: new LambdaInvoke(fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
    });
  }

  private groupArn(): string {
    return Arn.format(
      { service: 'scheduler', resource: 'schedule-group', resourceName: this.group.scheduleGroupName },
      Stack.of(this),
    );
  }
}
