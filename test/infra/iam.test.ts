import { FUNCTION_CATALOG, type FunctionCatalog } from '../../infra/function-catalog.js';
import { HTTP_FUNCTIONS } from '../../lib/http/routes.js';
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

// Issue 5 section 2: least-privilege IAM, grants per function, no `Action: "*"`; the scheduler role may only send
// to the pipeline queue; functions manage schedules only in the stage's group and pass only that role.

/** The function given every grant the catalog can express (its handler is irrelevant here), so none escapes. */
const EVERY_GRANT = 'health';
const CATALOG_WITH_EVERY_GRANT: FunctionCatalog = {
  ...FUNCTION_CATALOG,
  [EVERY_GRANT]: {
    description: 'holds every grant',
    trigger: { kind: 'http' },
    access: {
      table: 'read',
      sendTo: ['pipeline', 'send'],
      manageSchedules: true,
      publishEvents: true,
      sendEmail: true,
      sendSms: true,
    },
  },
};

const X_RAY_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const RUNTIME_ACTIONS = [...X_RAY_ACTIONS, ...LOG_ACTIONS];

describe('IAM', () => {
  let prod: Synthesized;
  let dev: Synthesized;
  let everyGrant: Synthesized;

  beforeAll(() => {
    prod = synthStage({ stage: 'prod' });
    dev = synthStage({ stage: 'dev' });
    everyGrant = synthStack({
      catalog: CATALOG_WITH_EVERY_GRANT,
      config: {
        email: { identities: ['acme.example'] },
        sms: { originationIdentities: ['arn:aws:sms-voice:us-east-1:123456789012:pool/pool-0123'] },
      },
    });
  });

  const all = () => [prod, dev, everyGrant];

  it('has no statement with Action "*" (nor NotAction) anywhere', () => {
    for (const { template } of all()) {
      const statements = allStatements(template);
      expect(statements.length).toBeGreaterThan(10);
      for (const statement of statements) {
        expect(asArray(statement.Action)).not.toContain('*');
        expect(statement.NotAction).toBeUndefined();
      }
    }
  });

  it('allows Resource "*" only for X-Ray, dynamodb:ListStreams and ses:GetAccount, which have no resource-level permissions', () => {
    for (const { template } of all()) {
      // In a key policy, Resource "*" is the key itself (secrets.test.ts pins the channel credentials key's policy).
      const keyPolicies = new Set(
        resources(template, 'AWS::KMS::Key').flatMap((key) =>
          asArray(key.properties.KeyPolicy?.Statement).map((statement: Json) => JSON.stringify(statement)),
        ),
      );
      for (const statement of allStatements(template)) {
        if (keyPolicies.has(JSON.stringify(statement))) continue;
        if (statement.Effect !== 'Allow' || !asArray(statement.Resource).includes('*')) continue;
        // ListStreams: granted with the table stream's event source (event-publisher). GetAccount: the account's SES
        // sending quota, read by the functions that send e-mail.
        const allowed = [...X_RAY_ACTIONS, 'dynamodb:ListStreams', 'ses:GetAccount'];
        expect(asArray(statement.Action).every((action: string) => allowed.includes(action))).toBe(true);
      }
    }
  });

  it('gives every function a role of its own', () => {
    for (const { template } of all()) {
      const roles = resources(template, 'AWS::Lambda::Function').map(roleOf);
      expect(new Set(roles).size).toBe(roles.length);
    }
  });

  it('lets a function write to its own log group only, with no managed policy covering every log group', () => {
    for (const { template } of all()) {
      const byId = new Map(resources(template).map((resource) => [resource.logicalId, resource]));
      for (const fn of resources(template, 'AWS::Lambda::Function')) {
        expect(byId.get(roleOf(fn))?.properties.ManagedPolicyArns).toBeUndefined();
        const logStatements = roleStatements(template, roleOf(fn)).filter((s: Json) =>
          asArray(s.Action).some((action: string) => action.startsWith('logs:')),
        );
        expect(logStatements).toHaveLength(1);
        expect(asArray(logStatements[0].Action).sort()).toEqual(LOG_ACTIONS);
        expect(referencedId(logStatements[0].Resource)).toBe(fn.properties.LoggingConfig.LogGroup.Ref);
      }
    }
  });

  it('lets the HTTP functions read and write the table (never Scan; health and api-docs nothing), and only broadcasts-api and automation-api start pipeline steps and manage schedules', () => {
    const table = resources(prod.template, 'AWS::DynamoDB::Table')[0];
    // The public webhook reads and queues, nothing else: see receipts.test.ts.
    for (const name of HTTP_FUNCTIONS.filter((fn) => fn !== 'whatsapp-webhook')) {
      const fn = requiredFunction(prod.template, name);
      const statements = roleStatements(prod.template, roleOf(fn));
      const actions = actionsOf(statements);
      const scheduleActions = actions.filter((action) => action.startsWith('scheduler:') || action === 'iam:PassRole');
      // Which schedule actions, on what, is pinned by the schedule-manager test below.
      expect(scheduleActions.length > 0).toBe(name === 'broadcasts-api' || name === 'automation-api');
      // Which send actions, on what, is pinned by test/infra/provider-events.test.ts.
      const sendActions = actions.filter((action) => action.startsWith('ses:') || action.startsWith('sms-voice:'));
      const access = FUNCTION_CATALOG[name]?.access;
      expect(sendActions.length > 0).toBe(access?.sendEmail === true || access?.readSendQuota === true);
      const nonTracing = actions.filter(
        (action) =>
          !RUNTIME_ACTIONS.includes(action) && !scheduleActions.includes(action) && !sendActions.includes(action),
      );
      // Liveness and the API reference touch nothing: no grant at all.
      if (name === 'health' || name === 'api-docs') {
        expect(nonTracing).toEqual([]);
        continue;
      }
      const queueActions = nonTracing.filter((action) => action.startsWith('sqs:'));
      expect(queueActions.length > 0).toBe(name === 'broadcasts-api' || name === 'automation-api');
      // grantSendMessages: send, plus the two reads the SDK may make to find the queue.
      expect(
        queueActions.every((action) =>
          ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'].includes(action),
        ),
      ).toBe(true);
      // Channel credentials (kms:) and the unsubscribe key (secretsmanager:): pinned in secrets.test.ts.
      const tableActions = nonTracing.filter(
        (action) => !action.startsWith('sqs:') && !action.startsWith('kms:') && !action.startsWith('secretsmanager:'),
      );
      expect(tableActions.every((action) => action.startsWith('dynamodb:'))).toBe(true);
      expect(nonTracing).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']));
      expect(nonTracing).not.toContain('dynamodb:Scan');
      for (const statement of statements.filter((s: Json) => asArray(s.Action)[0]?.startsWith('dynamodb:'))) {
        for (const resource of asArray(statement.Resource)) {
          expect(JSON.stringify(resource)).toContain(table?.logicalId);
        }
      }
    }
  });

  it('grants each function only what its catalog entry declares', () => {
    for (const [name, spec] of Object.entries(CATALOG_WITH_EVERY_GRANT)) {
      const actions = actionsOf(
        roleStatements(everyGrant.template, roleOf(requiredFunction(everyGrant.template, name))),
      );
      const streamRead = [
        'dynamodb:ListStreams',
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
      ];
      const tableActions = actions.filter((action) => action.startsWith('dynamodb:') && !streamRead.includes(action));
      expect(tableActions.length > 0).toBe(spec.access.table !== undefined);
      expect(actions.includes('dynamodb:GetRecords')).toBe(spec.trigger.kind === 'table-stream');
      // A stream event source's on-failure DLQ is written with the function's role.
      expect(actions.includes('sqs:SendMessage')).toBe(
        (spec.access.sendTo ?? []).length > 0 || spec.trigger.kind === 'table-stream',
      );
      expect(actions.some((action) => action.startsWith('scheduler:'))).toBe(spec.access.manageSchedules === true);
      expect(actions.includes('iam:PassRole')).toBe(spec.access.manageSchedules === true);
      expect(actions.includes('events:PutEvents')).toBe(spec.access.publishEvents === true);
      expect(actions.includes('ses:SendEmail')).toBe(spec.access.sendEmail === true);
      expect(actions.includes('ses:GetAccount')).toBe(
        spec.access.sendEmail === true || spec.access.readSendQuota === true,
      );
      expect(actions.includes('sms-voice:SendTextMessage')).toBe(spec.access.sendSms === true);
      expect(actions.includes('kms:Encrypt')).toBe(spec.access.channelCredentials === 'seal');
      expect(actions.includes('kms:Decrypt')).toBe(spec.access.channelCredentials === 'open');
      expect(actions.includes('secretsmanager:GetSecretValue')).toBe(spec.access.unsubscribeLinks === true);
    }
  });

  it('lets a schedule manager touch schedules of the stage group only, and pass only the schedules role', () => {
    const fn = requiredFunction(everyGrant.template, EVERY_GRANT);
    const statements = roleStatements(everyGrant.template, roleOf(fn));
    const scheduler = statements.filter((s: Json) => asArray(s.Action).some((a: string) => a.startsWith('scheduler:')));
    expect(scheduler).toHaveLength(1);
    expect(asArray(scheduler[0].Action).sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    expect(JSON.stringify(scheduler[0].Resource)).toContain(':schedule/broadcast-acme-prod/*');

    const passRole = statements.filter((s: Json) => asArray(s.Action).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect(asArray(passRole[0].Action)).toEqual(['iam:PassRole']);
    expect(referencedId(passRole[0].Resource)).toMatch(/^SchedulingTargetRole/);
    expect(passRole[0].Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    expect(fn.properties.Environment.Variables).toMatchObject({
      SCHEDULE_GROUP_NAME: expect.anything(),
      SCHEDULE_ROLE_ARN: expect.anything(),
      SCHEDULE_TARGET_QUEUE_ARN: expect.anything(),
      EVENT_BUS_NAME: expect.anything(),
      PIPELINE_QUEUE_URL: expect.anything(),
      SEND_QUEUE_URL: expect.anything(),
    });
  });

  it('lets the schedules role be assumed only by Scheduler, for this stage group', () => {
    const role = resources(prod.template, 'AWS::IAM::Role').find((r) => r.logicalId.startsWith('SchedulingTargetRole'));
    const [trust] = role?.properties.AssumeRolePolicyDocument.Statement ?? [];
    expect(trust.Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    expect(trust.Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(JSON.stringify(trust.Condition.ArnLike['aws:SourceArn'])).toContain(':schedule-group/broadcast-acme-prod');
  });

  it('lets the schedules role do one thing: sqs:SendMessage to the pipeline queue (and the schedules DLQ)', () => {
    const role = resources(prod.template, 'AWS::IAM::Role').find((r) => r.logicalId.startsWith('SchedulingTargetRole'));
    expect(role?.properties.ManagedPolicyArns).toBeUndefined();
    expect(role?.properties.Policies).toBeUndefined();
    const statements = roleStatements(prod.template, role?.logicalId ?? '');
    expect(actionsOf(statements)).toEqual(['sqs:SendMessage']);
    const queueIds = (...names: string[]) =>
      resources(prod.template, 'AWS::SQS::Queue')
        .filter((queue) => names.includes(queue.properties.QueueName))
        .map((queue) => queue.logicalId)
        .sort();
    expect(asArray(statements[0].Resource).map(referencedId).sort()).toEqual(
      queueIds('broadcast-acme-prod-pipeline', 'broadcast-acme-prod-schedule-dlq'),
    );
  });
});
