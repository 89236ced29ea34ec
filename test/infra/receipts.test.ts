import { PIPELINE_QUEUES } from '../../infra/constructs/delivery-pipeline.js';
import { type Synthesized, synthStage } from './support/synth.js';
import {
  actionsOf,
  asArray,
  type Json,
  referencedId,
  requiredFunction,
  resources,
  roleOf,
  roleStatements,
} from './support/template-queries.js';

// Delivery receipts: the public webhook routes, the receipts queue and its DLQ, the worker consuming it in batches,
// and least-privilege grants for both functions.

const RUNTIME_ACTIONS = [
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
];

describe('delivery receipts', () => {
  let prod: Synthesized;

  beforeAll(() => {
    prod = synthStage({ stage: 'prod' });
  });

  const queueNamed = (name: string) => {
    const queue = resources(prod.template, 'AWS::SQS::Queue').find((q) => q.properties.QueueName === name);
    if (!queue) throw new Error(`no queue ${name}`);
    return queue;
  };
  const nonRuntimeActions = (fn: string) =>
    actionsOf(roleStatements(prod.template, roleOf(requiredFunction(prod.template, fn)))).filter(
      (action) => !RUNTIME_ACTIONS.includes(action),
    );
  const statementsWith = (fn: string, prefix: string) =>
    roleStatements(prod.template, roleOf(requiredFunction(prod.template, fn))).filter((s: Json) =>
      asArray(s.Action).some((action: string) => action.startsWith(prefix)),
    );

  it('routes GET and POST /api/v1/webhooks/whatsapp/{channel_id} to the webhook function, without the JWT authorizer', () => {
    const fn = requiredFunction(prod.template, 'whatsapp-webhook');
    const integrations = new Map(
      resources(prod.template, 'AWS::ApiGatewayV2::Integration').map((i) => [i.logicalId, i]),
    );
    for (const method of ['GET', 'POST']) {
      const route = resources(prod.template, 'AWS::ApiGatewayV2::Route').find(
        (r) => r.properties.RouteKey === `${method} /api/v1/webhooks/whatsapp/{channel_id}`,
      );
      expect(route?.properties.AuthorizationType).toBe('NONE');
      const target = String(route?.properties.Target?.['Fn::Join']?.[1]?.[1]?.Ref ?? '');
      expect(referencedId(integrations.get(target)?.properties.IntegrationUri)).toBe(fn.logicalId);
    }
  });

  it('has a receipts queue that redrives to its own DLQ after ten receives', () => {
    const queue = queueNamed('broadcast-acme-prod-receipts');
    const dlq = queueNamed('broadcast-acme-prod-receipts-dlq');
    expect(referencedId(queue.properties.RedrivePolicy.deadLetterTargetArn)).toBe(dlq.logicalId);
    expect(queue.properties.RedrivePolicy.maxReceiveCount).toBe(10);
    expect(queue.properties.VisibilityTimeout).toBe(6 * PIPELINE_QUEUES.receipts.consumerTimeout.toSeconds());
  });

  it('consumes it with the receipts worker, in batches of 100 gathered for a second, 5 at a time at most', () => {
    const fn = requiredFunction(prod.template, 'receipts-worker');
    const queue = queueNamed('broadcast-acme-prod-receipts');
    const mappings = resources(prod.template, 'AWS::Lambda::EventSourceMapping').filter(
      (m) => referencedId(m.properties.EventSourceArn) === queue.logicalId,
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.properties).toMatchObject({
      FunctionName: { Ref: fn.logicalId },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 5 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(fn.properties.ReservedConcurrentExecutions).toBeGreaterThanOrEqual(5);
    expect(fn.properties.Timeout).toBe(PIPELINE_QUEUES.receipts.consumerTimeout.toSeconds());
  });

  it('lets the webhook read the table, open channel credentials and send to the receipts queue, and nothing else', () => {
    const fn = requiredFunction(prod.template, 'whatsapp-webhook');
    const actions = nonRuntimeActions('whatsapp-webhook');
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    // kms:Decrypt: the verify token and app secret that check Meta's calls (pinned in secrets.test.ts).
    expect(actions.filter((a) => !a.startsWith('dynamodb:')).sort()).toEqual([
      'kms:Decrypt',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    const [send] = statementsWith('whatsapp-webhook', 'sqs:');
    expect(asArray(send?.Resource).map(referencedId)).toEqual([queueNamed('broadcast-acme-prod-receipts').logicalId]);
    expect(fn.properties.Environment.Variables).toMatchObject({ RECEIPTS_QUEUE_URL: expect.anything() });
    expect(fn.properties.Environment.Variables.PIPELINE_QUEUE_URL).toBeUndefined();
  });

  it('lets the worker read and update the table (never put or delete) and consume only the receipts queue', () => {
    const actions = nonRuntimeActions('receipts-worker');
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    ]);
    expect(actions.some((a) => a === 'sqs:SendMessage')).toBe(false);
    const consume = statementsWith('receipts-worker', 'sqs:');
    expect(actionsOf(consume)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    for (const statement of consume) {
      expect(asArray(statement.Resource).map(referencedId)).toEqual([
        queueNamed('broadcast-acme-prod-receipts').logicalId,
      ]);
    }
  });

  it('graphs the receipts the worker counts, with the dimensions it writes, and the receipts queue', () => {
    // Prepare: the dashboard's JSON, CloudFormation references replaced by their logical ids
    const [dashboard] = resources(prod.template, 'AWS::CloudWatch::Dashboard');
    const raw: Json = dashboard?.properties.DashboardBody;
    const parts: Json[] = raw['Fn::Join']?.[1] ?? [raw];
    const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : referencedId(part))).join(''));
    const widget = (title: string) => body.widgets.find((w: Json) => w.properties.title === title)?.properties;

    // Assess
    const counted = (widget('Delivery receipts (per minute)')?.metrics ?? []) as Json[];
    expect(counted.map((metric) => metric.slice(0, 6))).toEqual(
      ['ReceiptsReceived', 'DeliveryStatusChanges', 'ReceiptsUnknown', 'ReceiptsEarly', 'ReceiptWebhooksRejected'].map(
        (name) => ['BroadcastService', name, 'service', 'broadcast-service', 'stage', 'acme-prod'],
      ),
    );
    const queue = queueNamed('broadcast-acme-prod-receipts');
    expect(JSON.stringify(widget('Receipts queue')?.metrics)).toContain(queue.logicalId);
  });
});
