import { z } from 'zod';
import { OBSERVABILITY_DEFAULTS } from './observability/settings.js';

const seconds = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const arn = z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:/, 'must be an ARN');

/**
 * The environment, read once and validated: a wrong value stops the process at start with a message
 * naming the variable, instead of failing on the first request.
 */
const configSchema = z.object({
  TABLE_NAME: z.string().min(3).default('broadcast-service'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Points the DynamoDB client at DynamoDB Local or another emulator. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  DYNAMODB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  /** The JWT claim that names the tenant. */
  TENANT_CLAIM: z.string().min(1).default('tenant_id'),

  /** Points the SQS client at the local SQS server. */
  AWS_ENDPOINT_URL_SQS: z.url().optional(),
  SQS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  /** Plan and pace steps. Unset in functions that never start a broadcast. */
  PIPELINE_QUEUE_URL: z.url().optional(),
  /** Chunks to send. */
  SEND_QUEUE_URL: z.url().optional(),

  /** `log`: broadcasts with no channel and tenants with no default send through the built-in log channel. */
  DEFAULT_CHANNEL: z.enum(['log', 'none']).default('none'),
  /** Where the log channel appends outbox.jsonl; unset = standard output only. */
  DATA_DIR: z.string().min(1).optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),

  /** Attempts per contact for transient channel errors (timeouts, 429, 5xx) before it is failed. */
  MAX_SEND_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** First retry delay; doubles per attempt, capped at SQS's 900 s. */
  RETRY_BASE_SECONDS: seconds(5, 900),
  /** A claim older than this belongs to a sender that died: above the sender's timeout, below the send queue's visibility timeout. */
  CLAIM_LEASE_SECONDS: seconds(60, 3600),
  /** Auto-pause: over the first AUTO_PAUSE_WINDOW sends, at least AUTO_PAUSE_MIN_SENDS seen... */
  AUTO_PAUSE_WINDOW: z.coerce.number().int().min(0).max(100_000).default(100),
  AUTO_PAUSE_MIN_SENDS: z.coerce.number().int().min(1).max(100_000).default(20),
  /** ...and this share of them failed: the broadcast pauses instead of burning its audience. 1 disables it. */
  AUTO_PAUSE_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.5),
  /** With no progress for this long, the pacer re-releases chunks that were never counted (lost messages). */
  SWEEP_IDLE_SECONDS: seconds(300, 86_400),
  /** A pacer tick this late is presumed lost and the sweeper restarts the loop (keep above the pipeline queue's redelivery). */
  PACER_WATCH_GRACE_SECONDS: seconds(600, 86_400),
  /** After this many sweeps, what is still not terminal is failed with reason `undeliverable`. */
  MAX_SWEEPS: z.coerce.number().int().min(1).max(100).default(5),

  /**
   * EventBridge Scheduler, set by the CDK on the functions that manage schedules: the stage's group, the role
   * its schedules run as, their target (the pipeline queue) and their DLQ. Unset: the local scheduler (timers).
   */
  SCHEDULE_GROUP_NAME: z
    .string()
    .regex(/^[0-9A-Za-z_.-]{1,64}$/)
    .optional(),
  SCHEDULE_ROLE_ARN: arn.optional(),
  SCHEDULE_TARGET_QUEUE_ARN: arn.optional(),
  SCHEDULE_DLQ_ARN: arn.optional(),
  /** A scheduled broadcast more than this late (a lost schedule, an outage) fails as `schedule_expired`. */
  MAX_LATENESS_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  /** Locally: how often the local sweeper looks for overdue scheduled broadcasts (in AWS: the stage's sweepEveryMinutes). */
  SCHEDULE_SWEEP_SECONDS: seconds(5, 3600),

  /** The EventBridge `source` of `trigger_broadcast` automation events (the stage's automationSource). */
  AUTOMATION_SOURCE: z.string().min(1).max(256).default('automation'),

  /** The stage's EventBridge bus for domain events (set by the CDK); unset: `DATA_DIR/events.jsonl` and the log. */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** The `source` of published domain events. */
  EVENT_SOURCE: z.string().min(1).default('broadcast-service'),
  /** Also publish broadcast.message_sent / message_failed per message (costly at scale); default: progress events only. */
  DOMAIN_EVENTS_PER_MESSAGE: z.stringbool().default(false),

  /** The base of unsubscribe links (locally: the server's own URL). */
  PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:3000'),
  /** HMAC key of unsubscribe tokens; the default is public and only for a laptop. */
  UNSUBSCRIBE_SECRET: z.string().min(32).optional(),
  /** Set by Lambda: in AWS the public default secret is refused. */
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),

  // --- Observability (Powertools). Read by lib/observability at import, before this schema runs; validated here too.
  // The CDK sets all three on every function (infra/telemetry.ts). ---
  /** The `service` of every log line, trace and metric. */
  POWERTOOLS_SERVICE_NAME: z.string().min(1).default(OBSERVABILITY_DEFAULTS.serviceName),
  /** The CloudWatch namespace of the service's metrics (EMF). */
  POWERTOOLS_METRICS_NAMESPACE: z.string().min(1).max(255).default(OBSERVABILITY_DEFAULTS.metricsNamespace),
  /** The deployment the metrics come from (`<tenant>-<stage>` in AWS): their `stage` dimension. */
  STAGE: z.string().min(1).max(250).default(OBSERVABILITY_DEFAULTS.stage),
});

export type Config = z.infer<typeof configSchema>;

export const DEFAULT_LOCAL_UNSUBSCRIBE_SECRET = 'local-unsubscribe-secret-do-not-use-in-aws-0123456789';

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const config = result.data;
  if (config.SCHEDULE_GROUP_NAME && !(config.SCHEDULE_ROLE_ARN && config.SCHEDULE_TARGET_QUEUE_ARN)) {
    throw new ConfigError(
      'invalid configuration: SCHEDULE_GROUP_NAME needs SCHEDULE_ROLE_ARN and SCHEDULE_TARGET_QUEUE_ARN as well',
    );
  }
  // The public default never signs anything in AWS: there, a function without the secret cannot make or
  // check links at all (see the composition root), and only the functions that do are given it.
  if (config.UNSUBSCRIBE_SECRET || config.AWS_LAMBDA_FUNCTION_NAME) return config;
  return { ...config, UNSUBSCRIBE_SECRET: DEFAULT_LOCAL_UNSUBSCRIBE_SECRET };
}
