import type { InvocationDurations } from './aws-meter.js';
import type { ChildReport } from './child.js';
import { type CostFigures, eventPublisherUsage, type UsageForCost } from './prices.js';

/** The function each local queue's event source stands for (infra/function-catalog.ts). */
export const FUNCTION_OF_QUEUE: Record<string, string> = {
  'broadcast-pipeline': 'pipeline-worker',
  'broadcast-send': 'sender',
  'broadcast-receipts': 'receipts-worker',
  'broadcast-events': 'provider-events-worker',
};

/** A queue's function: its invocations, billed at the mean measured duration of those the meter timed. */
export function lambdaUsage(report: ChildReport, queue: string, invocations: number) {
  const measured = report.meter.invocations[queue];
  const functionName = FUNCTION_OF_QUEUE[queue] ?? queue;
  if (!measured || measured.count === 0) return { functionName, invocations, billedMs: 0 };
  return { functionName, invocations, billedMs: (measured.billedMs * invocations) / measured.count };
}

/**
 * What AWS would bill for a child's measured window: its DynamoDB and SQS usage, the functions its queues invoked,
 * its API routes (one API Gateway request and one invocation each), the event publisher (estimated from the stream
 * records it would get) and the domain events published. `extraSqsRequests`: requests AWS makes on our queues that
 * no metered client made locally (EventBridge's SendMessage of a provider event to the events queue).
 */
export function usageOf(
  report: ChildReport,
  recipients: number,
  elapsedMs: number,
  extraSqsRequests = 0,
): UsageForCost {
  const m = report.meter;
  const consumers = report.consumers;
  const queued: [string, number][] = [
    ['broadcast-pipeline', consumers?.pipeline.invocations ?? 0],
    ['broadcast-send', consumers?.send.invocations ?? 0],
    ['broadcast-receipts', consumers?.receipts.invocations ?? 0],
    ['broadcast-events', consumers?.events.invocations ?? 0],
  ];
  const http = Object.entries(m.httpInvocations);
  const publisherRecords = m.dynamodb.itemWritesThatReachThePublisher;
  return {
    recipients,
    dynamodbWriteUnits: m.dynamodb.writeUnits,
    dynamodbReadUnits: m.dynamodb.readUnits,
    sqsBilledRequests: m.sqs.billedRequestsExcludingEmptyReceives + extraSqsRequests,
    lambda: [
      ...queued
        .filter(([, invocations]) => invocations > 0)
        .map(([q, invocations]) => lambdaUsage(report, q, invocations)),
      ...http.map(([functionName, d]) => ({ functionName, invocations: d.count, billedMs: httpBilledMs(d) })),
      ...(publisherRecords > 0 ? [eventPublisherUsage(publisherRecords, elapsedMs)] : []),
    ],
    eventbridgeEvents: report.domainEvents,
    schedulerInvocations: 0,
    apiGatewayRequests: http.reduce((sum, [, d]) => sum + d.count, 0),
  };
}

/**
 * An HTTP function's Lambda time: its calls' busy time (InvocationDurations.busyMs) shared out among them and rounded
 * up to the ms, never more than their own wall times.
 */
export function httpBilledMs(d: InvocationDurations): number {
  if (d.busyMs === undefined || d.count === 0) return d.billedMs;
  return Math.min(d.billedMs, Math.ceil(d.busyMs / d.count) * d.count);
}

/** Two measured windows as one bill (the sends and what came back), over the first one's recipients. */
export function addUsage(a: UsageForCost, b: UsageForCost): UsageForCost {
  return {
    recipients: a.recipients,
    dynamodbWriteUnits: a.dynamodbWriteUnits + b.dynamodbWriteUnits,
    dynamodbReadUnits: a.dynamodbReadUnits + b.dynamodbReadUnits,
    sqsBilledRequests: a.sqsBilledRequests + b.sqsBilledRequests,
    lambda: [...a.lambda, ...b.lambda],
    eventbridgeEvents: a.eventbridgeEvents + b.eventbridgeEvents,
    schedulerInvocations: a.schedulerInvocations + b.schedulerInvocations,
    apiGatewayRequests: (a.apiGatewayRequests ?? 0) + (b.apiGatewayRequests ?? 0),
  };
}

/** A cost per message, for the JSON (a phase's messages are its recipients). */
export interface PerMessageCost {
  cost_per_million_messages_usd: number;
  cost_per_million_messages_usd_by_service: Record<string, number>;
  dynamodb_write_units_per_message: number;
  dynamodb_read_units_per_message: number;
  sqs_requests_per_message: number;
  lambda_invocations_per_message: number;
  lambda_gb_seconds_per_message: number;
  api_gateway_requests_per_message: number;
  eventbridge_events_per_message: number;
}

export function perMessage(c: CostFigures): PerMessageCost {
  return {
    cost_per_million_messages_usd: c.usd_per_million_recipients,
    cost_per_million_messages_usd_by_service: c.usd_per_million_recipients_by_service,
    dynamodb_write_units_per_message: c.dynamodb_write_units_per_recipient,
    dynamodb_read_units_per_message: c.dynamodb_read_units_per_recipient,
    sqs_requests_per_message: c.sqs_requests_per_recipient,
    lambda_invocations_per_message: c.lambda_invocations_per_recipient,
    lambda_gb_seconds_per_message: c.lambda_gb_seconds_per_recipient,
    api_gateway_requests_per_message: c.api_gateway_requests_per_recipient,
    eventbridge_events_per_message: c.eventbridge_events_per_recipient,
  };
}
