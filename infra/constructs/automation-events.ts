import { Duration } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Function as LambdaFn } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Naming } from '../naming.js';
import { createDeadLetterQueue } from './queues.js';

/** The seed's automation action; issue 4 names the EventBridge detail-type after it. */
export const TRIGGER_BROADCAST_DETAIL_TYPE = 'trigger_broadcast';

export interface AutomationEventsProps {
  readonly naming: Naming;
  /** The `source` automation events must carry (stage config, default `automation`). */
  readonly source: string;
}

/**
 * The stage's EventBridge bus (domain events go out on it; automation events come in on it) and the rule that
 * routes `trigger_broadcast` events to the function that applies them (functions/automation-trigger.ts, plugged in
 * through `routeTo` by the function catalog).
 */
export class AutomationEvents extends Construct {
  readonly bus: EventBus;
  readonly triggerRule: Rule;
  /** Events the target could not take after EventBridge's retries; alarmed on like every DLQ. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: AutomationEventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: props.naming.physicalName() });
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue', props.naming.physicalName('automation-dlq'));
    this.triggerRule = new Rule(this, 'TriggerBroadcastRule', {
      eventBus: this.bus,
      description: 'Automation rules triggering a broadcast (seed action trigger_broadcast)',
      eventPattern: { source: [props.source], detailType: [TRIGGER_BROADCAST_DETAIL_TYPE] },
    });
  }

  /**
   * Sends matching events to the automation function; undeliverable ones land in the DLQ, never retried forever.
   * EventBridge invokes it asynchronously: an event the function fails on (a transient error, or content it rejects
   * as invalid) is retried twice by Lambda, then lands in the same DLQ with the error.
   */
  routeTo(fn: LambdaFn): void {
    fn.configureAsyncInvoke({
      onFailure: new SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
    });
    this.triggerRule.addTarget(
      new LambdaFunction(fn, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      }),
    );
  }

  /** Lets a function publish domain events to the stage's bus and tells it the bus name. */
  bindPublisher(fn: LambdaFn): void {
    fn.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
    this.bus.grantPutEventsTo(fn);
  }
}
