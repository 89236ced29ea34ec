import { SES_SOURCE, SMS_SOURCE } from './envelope.js';
import { SES_APPLIED_EVENTS } from './ses-event.js';
import { SMS_APPLIED_EVENTS, SMS_DETAIL_TYPE } from './sms-event.js';

/**
 * The EventBridge rules of a stage, as event patterns in EventBridge's JSON (each listed value is one the event may
 * have; a nested object matches inside `detail`). The CDK stack deploys them (infra/constructs/provider-events.ts) and
 * `POST /local/events` routes by them, so a replayed event reaches a handler locally exactly when it would in AWS.
 */
export interface EventPattern {
  source: string[];
  'detail-type': string[];
  detail?: Record<string, unknown>;
}

/** SES events of the stage's configuration set (its tag, set by SES itself), of the types the service applies. */
export function sesRulePattern(configurationSetName: string | undefined): EventPattern {
  return {
    source: [SES_SOURCE],
    'detail-type': Object.values(SES_APPLIED_EVENTS),
    ...(configurationSetName === undefined
      ? {}
      : { detail: { mail: { tags: { 'ses:configuration-set': [configurationSetName] } } } }),
  };
}

/**
 * SMS status events of the types the service applies, sent by the stage's tenant (the `bc_tenant` context every SMS
 * carries): End User Messaging SMS publishes every message's events to the account's default bus, whatever its
 * configuration set, so the tenant is what keeps two stacks of one account apart.
 */
export function smsRulePattern(tenantId: string | undefined): EventPattern {
  return {
    source: [SMS_SOURCE],
    'detail-type': [SMS_DETAIL_TYPE],
    detail: {
      eventType: [...SMS_APPLIED_EVENTS],
      ...(tenantId === undefined ? {} : { context: { bc_tenant: [tenantId] } }),
    },
  };
}
