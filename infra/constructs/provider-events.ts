import { Duration, Stack } from 'aws-cdk-lib';
import { type EventPattern as CdkEventPattern, EventBus, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { ConfigurationSet, EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { type EventPattern, sesRulePattern, smsRulePattern } from '../../lib/adapters/provider-events/rule-patterns.js';
import type { Naming } from '../naming.js';
import type { StageConfig } from '../stages.js';
import type { DeadLetteredQueue } from './queues.js';

/**
 * The SES event types the configuration set publishes: those lib/adapters/provider-events/ses-event.ts applies
 * (SES_APPLIED_EVENTS). Not Send, Open, Click, DeliveryDelay: nothing reads them, and each would be an event per
 * message on the bus, the queue and the worker.
 */
export const SES_PUBLISHED_EVENTS = [
  EmailSendingEvent.DELIVERY,
  EmailSendingEvent.BOUNCE,
  EmailSendingEvent.COMPLAINT,
  EmailSendingEvent.REJECT,
];

/** How long EventBridge keeps retrying to put an event on the queue before it goes to the DLQ (its maximum). */
const TARGET_MAX_EVENT_AGE = Duration.hours(24);

export interface ProviderEventsProps {
  readonly naming: Naming;
  /** The tenant the stage serves: the SMS rule takes only its events (the `bc_tenant` context). */
  readonly tenant: string;
  readonly config: Pick<StageConfig, 'email' | 'sms'>;
  /** Where both rules put the events (its DLQ also takes what EventBridge cannot deliver). */
  readonly eventsQueue: DeadLetteredQueue;
}

/**
 * The providers' side of e-mail and SMS (docs/provider-events.md):
 * - the stage's SES configuration set, whose event destination is the account's default bus (SES publishes to no
 *   other), for the event types the service applies;
 * - a rule on the default bus for those SES events of this configuration set, and one for the SMS status events of
 *   this tenant (End User Messaging SMS publishes every message's events to the default bus), both targeting the
 *   events queue, with its DLQ for what cannot be delivered;
 * - the send grants: `ses:SendEmail` on the stage's verified identities and its configuration set only,
 *   `sms-voice:SendTextMessage` on the stage's origination identities (and SMS configuration sets) only.
 */
export class ProviderEvents extends Construct {
  readonly configurationSet: ConfigurationSet;
  readonly configurationSetName: string;
  readonly sesRule: Rule;
  readonly smsRule: Rule;
  private readonly config: Pick<StageConfig, 'email' | 'sms'>;

  constructor(scope: Construct, id: string, props: ProviderEventsProps) {
    super(scope, id);
    this.config = props.config;
    this.configurationSetName = props.naming.physicalName();
    const stack = Stack.of(this);
    const defaultBus: IEventBus = EventBus.fromEventBusArn(
      this,
      'DefaultBus',
      stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
    );
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: this.configurationSetName,
    });
    this.configurationSet.addEventDestination('EventBridge', {
      configurationSetEventDestinationName: 'eventbridge',
      destination: EventDestination.eventBus(defaultBus),
      events: SES_PUBLISHED_EVENTS,
    });
    const target = new SqsQueue(props.eventsQueue.queue, {
      deadLetterQueue: props.eventsQueue.deadLetterQueue,
      maxEventAge: TARGET_MAX_EVENT_AGE,
      retryAttempts: 185,
    });
    this.sesRule = new Rule(this, 'SesEventsRule', {
      eventBus: defaultBus,
      description: `SES delivery, bounce, complaint and reject events of ${this.configurationSetName}`,
      eventPattern: cdkPattern(sesRulePattern(this.configurationSetName)),
      targets: [target],
    });
    this.smsRule = new Rule(this, 'SmsEventsRule', {
      eventBus: defaultBus,
      description: `SMS delivery status events of tenant ${props.tenant}`,
      eventPattern: cdkPattern(smsRulePattern(props.tenant)),
      targets: [target],
    });
  }

  /** Lets a function send e-mail from the stage's identities with its configuration set, and names the set. */
  bindEmailSender(fn: LambdaFunction): void {
    fn.addEnvironment('SES_CONFIGURATION_SET_NAME', this.configurationSetName);
    const stack = Stack.of(this);
    const identities = this.config.email.identities.map((identity) =>
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
    );
    const configurationSet = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSetName,
    });
    // SES authorizes a send against the sending identity and the configuration set: both must be granted. Without
    // identities the stage cannot send e-mail at all (an e-mail channel's send is refused and the broadcast pauses).
    if (identities.length > 0) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['ses:SendEmail'], resources: [...identities, configurationSet] }),
      );
    }
    // The account's sending quota (MaxSendRate), the default cap of an e-mail channel: an account-level action with
    // no resource to name.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] }));
  }

  /** Lets a function send SMS from the stage's origination identities (and named SMS configuration sets). */
  bindSmsSender(fn: LambdaFunction): void {
    const { originationIdentities, configurationSets } = this.config.sms;
    if (originationIdentities.length === 0) return;
    const stack = Stack.of(this);
    const sets = configurationSets.map((name) =>
      stack.formatArn({ service: 'sms-voice', resource: 'configuration-set', resourceName: name }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sms-voice:SendTextMessage'], resources: [...originationIdentities, ...sets] }),
    );
  }
}

/** The shared pattern (EventBridge's JSON names) in CDK's names. */
function cdkPattern(pattern: EventPattern): CdkEventPattern {
  return {
    source: pattern.source,
    detailType: pattern['detail-type'],
    ...(pattern.detail === undefined ? {} : { detail: pattern.detail }),
  };
}
