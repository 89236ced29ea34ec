import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { eventBridgeEnvelope } from '../lib/adapters/provider-events/envelope.js';
import { sesRulePattern, smsRulePattern } from '../lib/adapters/provider-events/rule-patterns.js';
import { getRuntime } from '../lib/composition-root.js';
import { HttpProblem, problemResponse } from '../lib/http/problem.js';
import { TRIGGER_BROADCAST } from '../lib/use-cases/trigger-broadcast.js';
import { matchesPattern } from './event-pattern.js';
import { invocationContext } from './sqs-lambda-event.js';

/** The path of the local stand-in for EventBridge: never in lib/http/routes.ts, so never deployed. */
export const LOCAL_EVENTS_PATH = '/local/events';

/** Where POST /local/events delivers: the local events queue, and the automation function. */
export interface LocalEventTargets {
  sqs: SQSClient;
  eventsQueueUrl: string;
  region: string;
}

/** What one rule did with the event: `queued` on the events queue, or the automation function's answer. */
export interface LocalEventDelivery {
  rule: 'provider-events' | 'automation';
  target: 'events-queue' | 'automation-trigger';
  outcome?: unknown;
  error?: string;
}

const LOCAL_ACCOUNT = '000000000000';

/**
 * `POST /local/events`: the body is an EventBridge event (`source`, `detail-type`, `detail`, and `id` and `time` if
 * you want them; EventBridge's own fields are filled in otherwise), matched against the stage's rules as EventBridge
 * would, with this process's settings (SES_CONFIGURATION_SET_NAME, TENANT_ID, AUTOMATION_SOURCE):
 * - SES and SMS events go on the local events queue, as the rules' SQS target puts them, and the events worker takes
 *   them from there (as in AWS: batches, retries, the DLQ);
 * - automation events (`trigger_broadcast` of AUTOMATION_SOURCE) go to functions/automation-trigger.ts, invoked at
 *   once; its answer, or its error, is returned (in AWS the error would be retried twice, then dead-lettered).
 * The answer is 202 with what each matching rule did; an event no rule matches is accepted and goes nowhere, as with
 * PutEvents. No token: it stands for EventBridge, which only AWS services and the account's own principals can put
 * events on; the local server listens on the loopback address unless HOST says otherwise.
 */
export async function serveLocalEvent(
  body: string,
  targets: LocalEventTargets,
): Promise<APIGatewayProxyStructuredResultV2> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return problemResponse(new HttpProblem(400, 'request.malformed_json', 'the body is not valid JSON'));
  }
  const parsed = eventBridgeEnvelope.safeParse(json);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({
      field: issue.path.join('.') || 'body',
      message: issue.message,
    }));
    return problemResponse(
      new HttpProblem(
        400,
        'request.validation_failed',
        'not an EventBridge event: source, detail-type, detail',
        errors,
      ),
    );
  }
  const event = {
    version: '0',
    id: parsed.data.id ?? randomUUID(),
    'detail-type': parsed.data['detail-type'],
    source: parsed.data.source,
    account: LOCAL_ACCOUNT,
    time: new Date(parsed.data.time ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: targets.region,
    resources: [],
    detail: parsed.data.detail,
  };
  const { config } = getRuntime();
  const delivered: LocalEventDelivery[] = [];
  const providerRules = [sesRulePattern(config.SES_CONFIGURATION_SET_NAME), smsRulePattern(config.TENANT_ID)];
  if (providerRules.some((pattern) => matchesPattern(pattern, event))) {
    await targets.sqs.send(
      new SendMessageCommand({ QueueUrl: targets.eventsQueueUrl, MessageBody: JSON.stringify(event) }),
    );
    delivered.push({ rule: 'provider-events', target: 'events-queue' });
  }
  if (matchesPattern({ source: [config.AUTOMATION_SOURCE], 'detail-type': [TRIGGER_BROADCAST] }, event)) {
    delivered.push(await invokeAutomation(event, targets.region));
  }
  return {
    statusCode: 202,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: event.id, delivered }),
  };
}

async function invokeAutomation(event: object, region: string): Promise<LocalEventDelivery> {
  const { handler } = await import('../functions/automation-trigger.js');
  const context = invocationContext({
    functionName: 'automation-trigger',
    region,
    accountId: LOCAL_ACCOUNT,
    timeoutMs: 10_000,
  });
  try {
    const outcome = await (handler as unknown as (e: unknown, c: unknown) => Promise<unknown>)(event, context);
    return { rule: 'automation', target: 'automation-trigger', outcome };
  } catch (error) {
    return { rule: 'automation', target: 'automation-trigger', error: (error as Error).message };
  }
}
