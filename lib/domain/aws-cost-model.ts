/**
 * The per-message AWS cost model the docs state (docs/performance.md, Cost): list prices (us-east-1, on-demand, free
 * tiers ignored) times what the pipeline uses per recipient, as measured by `npm run bench`. The bench's own price
 * table (test/bench/support/prices.ts) is this one, so the figures and the service's estimates cannot drift.
 */
export const AWS_PRICES = {
  as_of: '2026-11-28',
  region: 'us-east-1',
  dynamodb_usd_per_million_write_units: 0.625,
  dynamodb_usd_per_million_read_units: 0.125,
  /** Standard queue; every 64 KB of payload is one request. */
  sqs_usd_per_million_requests: 0.4,
  lambda_usd_per_million_requests: 0.2,
  lambda_arm64_usd_per_gb_second: 0.0000133334,
  eventbridge_usd_per_million_events: 1.0,
  scheduler_usd_per_million_invocations: 1.0,
  /**
   * API Gateway HTTP API, the first 300 million requests a month (aws.amazon.com/api-gateway/pricing/; $0.90 per
   * million above): every call of the service's routes, each of Meta's webhook posts among them.
   */
  apigateway_http_usd_per_million_requests: 1.0,
  /** SES's own fee: $0.10 per 1,000 e-mails. */
  ses_usd_per_million_emails: 100,
} as const;

/** What the delivery pipeline uses per recipient sent to (performance.md: the 50,000-recipient bench run). */
export const PIPELINE_USAGE_PER_MESSAGE = {
  dynamodbWriteUnits: 2.19,
  dynamodbReadUnits: 0.86,
  sqsRequests: 0.05,
  /** Lambda requests and GB-seconds, measured: about $0.07 per million. */
  lambdaUsd: 0.07 / 1e6,
  /** Logs, traces and data out, estimated rather than measured (performance.md, "all-in"): about $0.23 per million. */
  unmeasuredUsd: 0.23 / 1e6,
} as const;

/** Our AWS cost of one message through the pipeline: about $1.8 per million. */
export const PIPELINE_USD_PER_MESSAGE =
  (PIPELINE_USAGE_PER_MESSAGE.dynamodbWriteUnits * AWS_PRICES.dynamodb_usd_per_million_write_units +
    PIPELINE_USAGE_PER_MESSAGE.dynamodbReadUnits * AWS_PRICES.dynamodb_usd_per_million_read_units +
    PIPELINE_USAGE_PER_MESSAGE.sqsRequests * AWS_PRICES.sqs_usd_per_million_requests) /
    1e6 +
  PIPELINE_USAGE_PER_MESSAGE.lambdaUsd +
  PIPELINE_USAGE_PER_MESSAGE.unmeasuredUsd;

/**
 * What comes back per message, by channel type, as `npm run bench` measured it (performance.md, "Cost per channel"):
 * WhatsApp's three status webhooks (API Gateway, the receipts queue and worker, the execution and counter writes),
 * and one delivery event through the events queue and worker for SES and SMS. Log and webhook report nothing back.
 */
export const RETURN_PATH_USD_PER_MESSAGE: Readonly<Record<string, number>> = {
  whatsapp: 9.38 / 1e6,
  email_ses: 2.02 / 1e6,
  sms: 2.15 / 1e6,
};

/**
 * The AWS cost of sending `messages` through a channel of this type: the pipeline's, what the provider reports back,
 * and SES's fee per e-mail. SMS fees (per message part and destination country) and other providers' fees are
 * theirs, not in the estimate.
 */
export function estimatedAwsCostUsd(messages: number, channelType: string): number {
  const perMessage =
    PIPELINE_USD_PER_MESSAGE +
    (RETURN_PATH_USD_PER_MESSAGE[channelType] ?? 0) +
    (channelType === 'email_ses' ? AWS_PRICES.ses_usd_per_million_emails / 1e6 : 0);
  return Math.round(messages * perMessage * 1e6) / 1e6;
}
