import { SES_PUBLISHED_EVENTS } from '../../infra/constructs/provider-events.js';
import { parseStageConfig, STAGES } from '../../infra/stages.js';
import { SES_APPLIED_EVENTS } from '../../lib/adapters/provider-events/ses-event.js';
import { SMS_APPLIED_EVENTS, SMS_DETAIL_TYPE } from '../../lib/adapters/provider-events/sms-event.js';
import { ROUTES } from '../../lib/http/routes.js';
import { LOCAL_EVENTS_PATH } from '../../local/local-events.js';
import { type Synthesized, synthStack, synthStage } from './support/synth.js';
import {
  actionsOf,
  allStatements,
  asArray,
  type Json,
  referencedId,
  requiredFunction,
  resources,
  roleOf,
  roleStatements,
} from './support/template-queries.js';

// Issue 12 section 4: the SES configuration set with its EventBridge destination, the rules for SES and SMS events,
// the events queue with its DLQ and consumer, and send grants limited to the stage's identities, configuration set
// and origination identities. POST /local/events is never deployed.

const POOL = 'arn:aws:sms-voice:us-east-1:123456789012:pool/pool-0123456789abcdef';
const NUMBER = 'arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123456789abcdef';

describe('provider events and send grants', () => {
  let prod: Synthesized;
  let configured: Synthesized;

  beforeAll(() => {
    prod = synthStage({ stage: 'prod' });
    configured = synthStack({
      config: {
        email: { identities: ['acme.example', 'news@mail.acme.example'] },
        sms: { originationIdentities: [POOL, NUMBER], configurationSets: ['acme-sms'] },
      },
    });
  });

  const queueNamed = (template: Synthesized['template'], name: string) => {
    const queue = resources(template, 'AWS::SQS::Queue').find((q) => q.properties.QueueName === name);
    if (!queue) throw new Error(`no queue ${name}`);
    return queue;
  };
  const rules = (template: Synthesized['template'], source: string) =>
    resources(template, 'AWS::Events::Rule').filter((rule) =>
      asArray(rule.properties.EventPattern?.source).includes(source),
    );
  const statementsOf = (template: Synthesized['template'], fn: string) =>
    roleStatements(template, roleOf(requiredFunction(template, fn)));
  const flat = (value: Json) => JSON.stringify(value);

  it('has a configuration set per stage publishing exactly the applied SES events to the default bus', () => {
    // Act
    const [set] = resources(prod.template, 'AWS::SES::ConfigurationSet');
    const destinations = resources(prod.template, 'AWS::SES::ConfigurationSetEventDestination');

    // Assess
    expect(set?.properties.Name).toBe('broadcast-acme-prod');
    expect(destinations).toHaveLength(1);
    const destination = destinations[0]?.properties;
    expect(destination.ConfigurationSetName).toEqual({ Ref: set?.logicalId });
    expect(destination.EventDestination.Enabled).toBe(true);
    expect(destination.EventDestination.MatchingEventTypes.sort()).toEqual(
      ['bounce', 'complaint', 'delivery', 'reject'].sort(),
    );
    expect(SES_PUBLISHED_EVENTS).toHaveLength(Object.keys(SES_APPLIED_EVENTS).length);
    expect(flat(destination.EventDestination.EventBridgeDestination.EventBusArn)).toContain(':event-bus/default');
  });

  it('routes the SES events of that configuration set, and the SMS events of this tenant, to the events queue', () => {
    // Prepare
    const queue = queueNamed(prod.template, 'broadcast-acme-prod-events');
    const dlq = queueNamed(prod.template, 'broadcast-acme-prod-events-dlq');

    // Act
    const [ses, ...moreSes] = rules(prod.template, 'aws.ses');
    const [sms, ...moreSms] = rules(prod.template, 'aws.sms-voice');

    // Assess
    expect([moreSes, moreSms]).toEqual([[], []]);
    expect(ses?.properties.EventPattern).toEqual({
      source: ['aws.ses'],
      'detail-type': Object.values(SES_APPLIED_EVENTS),
      detail: { mail: { tags: { 'ses:configuration-set': ['broadcast-acme-prod'] } } },
    });
    expect(sms?.properties.EventPattern).toEqual({
      source: ['aws.sms-voice'],
      'detail-type': [SMS_DETAIL_TYPE],
      detail: { eventType: [...SMS_APPLIED_EVENTS], context: { bc_tenant: ['acme'] } },
    });
    for (const rule of [ses, sms]) {
      // On the account's default bus, where SES and End User Messaging SMS publish.
      expect(rule?.properties.EventBusName ?? 'default').toBe('default');
      expect(rule?.properties.State).toBe('ENABLED');
      const [target, ...others] = rule?.properties.Targets ?? [];
      expect(others).toEqual([]);
      expect(referencedId(target.Arn)).toBe(queue.logicalId);
      expect(referencedId(target.DeadLetterConfig.Arn)).toBe(dlq.logicalId);
      expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 });
    }
  });

  it('lets EventBridge put messages on the events queue (and its DLQ) for these two rules only', () => {
    // Prepare
    const ruleIds = [...rules(prod.template, 'aws.ses'), ...rules(prod.template, 'aws.sms-voice')]
      .map((r) => r.logicalId)
      .sort();
    const allowsOn = (name: string) => {
      const queue = queueNamed(prod.template, name);
      return resources(prod.template, 'AWS::SQS::QueuePolicy')
        .filter((policy) => asArray(policy.properties.Queues).some((q: Json) => referencedId(q) === queue.logicalId))
        .flatMap((policy) => policy.properties.PolicyDocument.Statement)
        .filter((statement: Json) => statement.Effect === 'Allow');
    };

    // Act
    const onQueue = allowsOn('broadcast-acme-prod-events');
    const onDlq = allowsOn('broadcast-acme-prod-events-dlq');

    // Assess
    for (const allows of [onQueue, onDlq]) {
      expect(allows.map((s: Json) => referencedId(s.Condition.ArnEquals['aws:SourceArn'])).sort()).toEqual(ruleIds);
      for (const statement of allows) {
        expect(statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
        expect(asArray(statement.Action)).toContain('sqs:SendMessage');
        const allowed = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
        expect(asArray(statement.Action).every((action: string) => allowed.includes(action))).toBe(true);
      }
    }
  });

  it('consumes the events queue with the events worker, in batches of 100 gathered for a second, 5 at a time', () => {
    // Prepare
    const fn = requiredFunction(prod.template, 'provider-events-worker');
    const queue = queueNamed(prod.template, 'broadcast-acme-prod-events');

    // Act
    const mappings = resources(prod.template, 'AWS::Lambda::EventSourceMapping').filter(
      (m) => referencedId(m.properties.EventSourceArn) === queue.logicalId,
    );

    // Assess
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.properties).toMatchObject({
      FunctionName: { Ref: fn.logicalId },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 5 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const actions = actionsOf(statementsOf(prod.template, 'provider-events-worker'));
    expect(actions.some((a) => a.startsWith('ses:') || a.startsWith('sms-voice:'))).toBe(false);
    expect(actions).not.toContain('sqs:SendMessage');
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'sqs:ReceiveMessage']));
  });

  it("grants ses:SendEmail on the stage's identities and configuration set only, to the sender and test sends", () => {
    for (const fn of ['sender', 'broadcasts-api']) {
      // Act
      const statements = statementsOf(configured.template, fn);
      const send = statements.filter((s: Json) => asArray(s.Action).includes('ses:SendEmail'));
      const account = statements.filter((s: Json) => asArray(s.Action).includes('ses:GetAccount'));

      // Assess
      expect(send).toHaveLength(1);
      expect(asArray(send[0].Action)).toEqual(['ses:SendEmail']);
      const resourcesOf = asArray(send[0].Resource)
        .map((resource: Json) =>
          flat(resource)
            .replace(/^.*:ses:.*?AccountId"},":/, '')
            .replace(/"\]\]}$/, ''),
        )
        .sort();
      expect(resourcesOf).toEqual([
        'configuration-set/broadcast-acme-prod',
        'identity/acme.example',
        'identity/news@mail.acme.example',
      ]);
      expect(account).toHaveLength(1);
      expect(account[0].Resource).toBe('*');
      expect(requiredFunction(configured.template, fn).properties.Environment.Variables).toMatchObject({
        SES_CONFIGURATION_SET_NAME: 'broadcast-acme-prod',
      });
    }
  });

  it('grants sms-voice:SendTextMessage on the configured origination identities and configuration sets only', () => {
    for (const fn of ['sender', 'broadcasts-api']) {
      // Act
      const send = statementsOf(configured.template, fn).filter((s: Json) =>
        asArray(s.Action).includes('sms-voice:SendTextMessage'),
      );

      // Assess
      expect(send).toHaveLength(1);
      expect(asArray(send[0].Action)).toEqual(['sms-voice:SendTextMessage']);
      const named = asArray(send[0].Resource).filter((r: Json) => typeof r === 'string');
      const built = asArray(send[0].Resource).filter((r: Json) => typeof r !== 'string');
      expect(named.sort()).toEqual([POOL, NUMBER].sort());
      expect(built).toHaveLength(1);
      expect(flat(built[0])).toContain(':sms-voice:');
      expect(flat(built[0])).toContain(':configuration-set/acme-sms');
    }
  });

  it('gives no other function a send grant, and a stage without identities no send grant at all', () => {
    // Act
    const senders = (template: Synthesized['template']) =>
      allStatements(template).filter((s: Json) =>
        asArray(s.Action).some((a: string) => a === 'ses:SendEmail' || a.startsWith('sms-voice:')),
      ).length;
    const holders = resources(configured.template, 'AWS::Lambda::Function').filter((fn) =>
      actionsOf(roleStatements(configured.template, roleOf(fn))).some(
        (a) => a.startsWith('ses:') || a.startsWith('sms-voice:'),
      ),
    );

    // Assess
    expect(senders(prod.template)).toBe(0);
    expect(senders(configured.template)).toBe(4);
    expect(holders.map((fn) => fn.logicalId).sort()).toEqual(
      [requiredFunction(configured.template, 'broadcasts-api'), requiredFunction(configured.template, 'sender')]
        .map((fn) => fn.logicalId)
        .sort(),
    );
  });

  it('never deploys POST /local/events: it is in no API route and not in the route table', () => {
    // Act
    const routeKeys = [prod, configured].flatMap(({ template }) =>
      resources(template, 'AWS::ApiGatewayV2::Route').map((route) => String(route.properties.RouteKey)),
    );

    // Assess
    expect(routeKeys.length).toBeGreaterThan(10);
    expect(routeKeys.filter((key) => key.includes('/local'))).toEqual([]);
    expect(ROUTES.filter((route) => route.path.startsWith('/local') || route.path === LOCAL_EVENTS_PATH)).toEqual([]);
  });

  it('refuses identities and origination identities that are not one, at synth', () => {
    // Act
    const attempt = (config: object) => () => parseStageConfig('prod', { ...STAGES.prod, ...config });

    // Assess
    expect(attempt({ email: { identities: ['not a domain'] } })).toThrow(/email.identities.0/);
    expect(attempt({ email: { identities: ['*'] } })).toThrow(/email.identities.0/);
    expect(attempt({ sms: { originationIdentities: ['+15550001111'] } })).toThrow(/sms.originationIdentities.0/);
    expect(attempt({ sms: { originationIdentities: ['arn:aws:sms-voice:us-east-1:123456789012:*'] } })).toThrow();
    expect(attempt({ email: { identities: ['acme.example'] }, sms: { originationIdentities: [POOL] } })).not.toThrow();
  });
});
