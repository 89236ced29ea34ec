import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyResultV2,
  Context,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import type { HttpContext } from '../../lib/http/middlewares.js';
import type { HttpMethod } from '../../lib/http/routes.js';
import { invocationContext } from '../../local/sqs-lambda-event.js';
import { expectProblemAnswer } from './problem.js';

/** The `detail` of a `trigger_broadcast` automation event, as the automation rule delivers it. */
export interface TriggerBroadcastDetail {
  tenant_id: string;
  broadcast_id: string;
  override_schedule?: boolean;
  contact_ids?: string[];
}

/** test/fixtures/events/*.json, by name, with the type of the event each one is (see the README there). */
interface EventFixtures {
  'http-api-jwt': APIGatewayProxyEventV2WithJWTAuthorizer;
  'http-api-public': APIGatewayProxyEventV2;
  'sqs-batch': SQSEvent;
  'dynamodb-stream-batch': DynamoDBStreamEvent;
  'eventbridge-trigger-broadcast': EventBridgeEvent<'trigger_broadcast', TriggerBroadcastDetail>;
  'scheduler-sweeper': Record<string, never>;
  'eventbridge-ses-delivery': ProviderEventFixture;
  'eventbridge-ses-bounce': ProviderEventFixture;
  'eventbridge-ses-complaint': ProviderEventFixture;
  'eventbridge-sms-status': ProviderEventFixture;
}

/** An SES or SMS event as EventBridge delivers it; tests fill in `detail` through test/support/provider-events.ts. */
// biome-ignore lint/suspicious/noExplicitAny: the providers' detail JSON is filled in and asserted field by field
export type ProviderEventFixture = EventBridgeEvent<string, any>;

const FIXTURES = new URL('../fixtures/events/', import.meta.url);

/** A fixture, read and parsed on every call: each test gets its own deep copy to fill in. */
export function eventFixture<K extends keyof EventFixtures>(name: K): EventFixtures[K] {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as EventFixtures[K];
}

/** The JWT claim naming the tenant in the fixture, as the stages configure it (Cognito custom attribute). */
export const TENANT_CLAIM = 'custom:tenant_id';

export interface HttpRequest {
  method: HttpMethod;
  /** The route's path as API Gateway declares it, e.g. `/api/v1/contacts/{id}`. */
  route: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  /** Sent as JSON; a string is sent as it is. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** More headers, names in lower case as API Gateway hands them over. */
  headers?: Record<string, string>;
  /** Hand a string body over base64-encoded, as API Gateway does for some media types (`isBase64Encoded`). */
  base64?: boolean;
}

/**
 * An HTTP API (payload 2.0) request through the JWT authorizer, as the tenant `tenantId`; `tenantId: undefined`
 * leaves out the authorizer context, as a request that never passed one would arrive.
 */
export function httpApiEvent(
  request: HttpRequest,
  tenantId: string | undefined,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const event = eventFixture('http-api-jwt');
  fillHttpRequest(event, request);
  if (tenantId === undefined) {
    delete (event.requestContext as Partial<typeof event.requestContext>).authorizer;
  } else {
    event.requestContext.authorizer.jwt.claims[TENANT_CLAIM] = tenantId;
  }
  return event;
}

/** An HTTP API (payload 2.0) request on a public route (no authorizer). */
export function publicHttpApiEvent(request: HttpRequest): APIGatewayProxyEventV2WithJWTAuthorizer {
  const event = eventFixture('http-api-public');
  fillHttpRequest(event, request);
  // Typed as the handlers take it; a public route's event has no authorizer context at all.
  return event as APIGatewayProxyEventV2WithJWTAuthorizer;
}

function fillHttpRequest(event: APIGatewayProxyEventV2, request: HttpRequest): void {
  const routeKey = `${request.method} ${request.route}`;
  const path = request.route.replace(/\{(\w+)\}/g, (_match, name: string) =>
    encodeURIComponent(request.pathParameters?.[name] ?? ''),
  );
  event.routeKey = routeKey;
  event.rawPath = path;
  event.requestContext.routeKey = routeKey;
  event.requestContext.http.method = request.method;
  event.requestContext.http.path = path;
  event.requestContext.requestId = randomUUID();
  event.requestContext.timeEpoch = Date.now();
  if (request.pathParameters) event.pathParameters = request.pathParameters;
  if (request.query) {
    event.queryStringParameters = request.query;
    event.rawQueryString = new URLSearchParams(request.query).toString();
  }
  if (request.accept) event.headers.accept = request.accept;
  if (request.body === undefined) {
    delete event.body;
    delete event.headers['content-type'];
    event.headers['content-length'] = '0';
  } else {
    const body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    event.body = request.base64 ? Buffer.from(body, 'utf8').toString('base64') : body;
    event.isBase64Encoded = request.base64 === true;
    event.headers['content-type'] = request.contentType ?? 'application/json';
    event.headers['content-length'] = String(Buffer.byteLength(body));
  }
  Object.assign(event.headers, request.headers);
}

/** What a test reads of an HTTP function's result: status, headers and the body, parsed when it is JSON. */
export interface HttpReply {
  status: number;
  headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  body: any;
}

export function httpReply(result: APIGatewayProxyResultV2): HttpReply {
  if (typeof result === 'string') return { status: 200, headers: {}, body: JSON.parse(result) };
  const headers = result.headers ?? {};
  const isJson = String(headers['content-type'] ?? '').includes('json') && Boolean(result.body);
  return { status: result.statusCode ?? 200, headers, body: isJson ? JSON.parse(result.body ?? '') : result.body };
}

/**
 * Calls an HTTP function's handler as API Gateway would: `request` as the tenant `tenantId` (undefined: a request
 * that never passed the authorizer), with the Lambda context of `functionName`; answers the reply parsed.
 */
export function httpInvoker(
  handler: (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: HttpContext) => Promise<APIGatewayProxyResultV2>,
  functionName: string,
): (request: HttpRequest, tenantId: string | undefined) => Promise<HttpReply> {
  return async (request, tenantId) =>
    httpReply(await handler(httpApiEvent(request, tenantId), httpLambdaContext(functionName)));
}

/** Asserts an RFC 9457 problem: status, stable code, media type and the documented fields. */
export function expectProblem(reply: HttpReply, status: number, code: string): void {
  expectProblemAnswer({ ...reply, contentType: reply.headers['content-type'] as string | undefined }, status, code);
}

/**
 * A batch as the SQS event source hands it over: one record per body (a string is sent as it is, anything else as
 * JSON), each with its own message id and the body's MD5; from `queueArn` when given.
 */
export function sqsEvent(bodies: readonly unknown[], queueArn?: string): SQSEvent {
  const [template] = eventFixture('sqs-batch').Records;
  if (!template) throw new Error('the sqs-batch fixture has no record');
  const Records = bodies.map((content): SQSRecord => {
    const body = typeof content === 'string' ? content : JSON.stringify(content);
    return {
      ...structuredClone(template),
      messageId: randomUUID(),
      receiptHandle: `AQEB${randomUUID()}`,
      body,
      md5OfBody: createHash('md5').update(body).digest('hex'),
      ...(queueArn ? { eventSourceARN: queueArn } : {}),
    };
  });
  return { Records };
}

/** An automation rule delivery of `trigger_broadcast` with this detail, under a fresh event id unless given. */
export function automationEvent(
  detail: TriggerBroadcastDetail,
  id: string = randomUUID(),
): EventBridgeEvent<'trigger_broadcast', TriggerBroadcastDetail> {
  const event = eventFixture('eventbridge-trigger-broadcast');
  return { ...event, id, time: new Date().toISOString(), detail };
}

/**
 * The context Lambda gives one invocation of the stage's function `name` (request id, ARN, log group, a deadline
 * `timeoutMs` away), for the middlewares that read it.
 */
export function lambdaContext(name: string, timeoutMs = 30_000): Context {
  return invocationContext({
    functionName: `broadcast-acme-test-${name}`,
    region: 'us-east-1',
    accountId: '123456789012',
    timeoutMs,
  });
}

/**
 * The context of an HTTP function's invocation: Lambda's own; the handlers' type says HttpContext because their
 * middlewares add the tenant and the parsed body to it before the route runs.
 */
export function httpLambdaContext(name: string): HttpContext {
  return lambdaContext(name) as HttpContext;
}
