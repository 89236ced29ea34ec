import { FUNCTION_CATALOG } from '../../../infra/function-catalog.js';
import { AWS_PRICES } from '../../../lib/domain/aws-cost-model.js';

/**
 * AWS list prices the cost figures use: us-east-1, on-demand, as of the date they carry (not re-checked against the
 * AWS pricing pages on the day of a run). Free tiers are ignored: they would flatter small runs. The service's own
 * estimates (preflight) use the same table.
 */
export const PRICES = AWS_PRICES;

/** The deployed memory of a function (infra/function-catalog.ts; ServiceFunction's default is 512 MB). */
export function configuredMemoryMb(functionName: string): number {
  return FUNCTION_CATALOG[functionName]?.memorySize ?? 512;
}

/**
 * The event publisher (functions/event-publisher.ts) runs on the table's stream, filtered to the records that can
 * give an event (runs, broadcasts, lists: not executions or contacts). Locally its invocations cannot be observed
 * from outside the runtime, so they are ESTIMATED: a batch per second of the run (its batching window) while
 * records flow, at least one per EVENT_PUBLISHER_BATCH_SIZE records, never more than one per record, each billed
 * EVENT_PUBLISHER_ASSUMED_MS (an assumption, said so in the output). Lambda's reads of a DynamoDB stream are free.
 */
export const EVENT_PUBLISHER_ASSUMED_MS = 100;
const publisherTrigger = FUNCTION_CATALOG['event-publisher']?.trigger;
export const EVENT_PUBLISHER_BATCH_SIZE = publisherTrigger?.kind === 'table-stream' ? publisherTrigger.batchSize : 100;
const EVENT_PUBLISHER_WINDOW_MS =
  publisherTrigger?.kind === 'table-stream' ? publisherTrigger.maxBatchingWindowSeconds * 1000 : 1000;

export function eventPublisherUsage(
  records: number,
  elapsedMs: number,
): {
  functionName: string;
  invocations: number;
  billedMs: number;
} {
  const byWindow = Math.min(records, Math.ceil(elapsedMs / EVENT_PUBLISHER_WINDOW_MS));
  const invocations = Math.max(Math.ceil(records / EVENT_PUBLISHER_BATCH_SIZE), byWindow);
  return { functionName: 'event-publisher', invocations, billedMs: invocations * EVENT_PUBLISHER_ASSUMED_MS };
}

export interface UsageForCost {
  recipients: number;
  dynamodbWriteUnits: number;
  dynamodbReadUnits: number;
  sqsBilledRequests: number;
  /** `memoryMb` when the function is not one of ours (the seed's worker); else its deployed memory. */
  lambda: { functionName: string; invocations: number; billedMs: number; memoryMb?: number }[];
  eventbridgeEvents: number;
  schedulerInvocations: number;
  /** API Gateway (HTTP API) requests: the API calls made, and the providers' webhook posts. */
  apiGatewayRequests?: number;
}

export interface CostFigures {
  dynamodb_write_units_per_recipient: number;
  dynamodb_read_units_per_recipient: number;
  sqs_requests_per_recipient: number;
  lambda_invocations_per_recipient: number;
  eventbridge_events_per_recipient: number;
  scheduler_invocations_per_recipient: number;
  api_gateway_requests_per_recipient: number;
  lambda_gb_seconds_per_recipient: number;
  usd_per_million_recipients: number;
  usd_per_million_recipients_by_service: Record<string, number>;
}

export function costFigures(u: UsageForCost): CostFigures {
  const per = (n: number) => n / u.recipients;
  const invocations = u.lambda.reduce((sum, f) => sum + f.invocations, 0);
  const gbSeconds = u.lambda.reduce(
    (sum, f) => sum + (f.billedMs / 1000) * ((f.memoryMb ?? configuredMemoryMb(f.functionName)) / 1024),
    0,
  );
  const usd = {
    dynamodb:
      (u.dynamodbWriteUnits * PRICES.dynamodb_usd_per_million_write_units +
        u.dynamodbReadUnits * PRICES.dynamodb_usd_per_million_read_units) /
      1e6,
    sqs: (u.sqsBilledRequests * PRICES.sqs_usd_per_million_requests) / 1e6,
    lambda:
      (invocations * PRICES.lambda_usd_per_million_requests) / 1e6 + gbSeconds * PRICES.lambda_arm64_usd_per_gb_second,
    eventbridge: (u.eventbridgeEvents * PRICES.eventbridge_usd_per_million_events) / 1e6,
    scheduler: (u.schedulerInvocations * PRICES.scheduler_usd_per_million_invocations) / 1e6,
    api_gateway: ((u.apiGatewayRequests ?? 0) * PRICES.apigateway_http_usd_per_million_requests) / 1e6,
  };
  const perMillion = (usdTotal: number) => round((usdTotal / u.recipients) * 1e6, 4);
  return {
    dynamodb_write_units_per_recipient: round(per(u.dynamodbWriteUnits), 4),
    dynamodb_read_units_per_recipient: round(per(u.dynamodbReadUnits), 4),
    sqs_requests_per_recipient: round(per(u.sqsBilledRequests), 5),
    lambda_invocations_per_recipient: round(per(invocations), 5),
    eventbridge_events_per_recipient: round(per(u.eventbridgeEvents), 6),
    scheduler_invocations_per_recipient: round(per(u.schedulerInvocations), 6),
    api_gateway_requests_per_recipient: round(per(u.apiGatewayRequests ?? 0), 6),
    lambda_gb_seconds_per_recipient: round(per(gbSeconds), 6),
    usd_per_million_recipients: perMillion(Object.values(usd).reduce((a, b) => a + b, 0)),
    usd_per_million_recipients_by_service: Object.fromEntries(Object.entries(usd).map(([k, v]) => [k, perMillion(v)])),
  };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
