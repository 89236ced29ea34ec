import { z } from 'zod';
import { MAX_RATE_LIMIT } from './domain/broadcast.js';
import { PLAN_SEGMENTS } from './domain/plan-segments.js';
import { isTenantId } from './domain/tenant.js';
import { OBSERVABILITY_DEFAULTS } from './observability/settings.js';

/**
 * Who gives a variable its value; the labels are the "set by" column of docs/configuration.md.
 * - `stack`: the CDK stack (infra/) sets it on the functions that need it. test/infra/environment.test.ts walks the
 *   synthesized template of every stage and fails when a variable marked so is set on no function, and when the stack
 *   sets one that is not marked so (or is not in this schema at all).
 * - `lambda`: the Lambda runtime sets it (a reserved name: the stack may not).
 * - `local-runtime`: `npm start` (local/local-runtime.ts) sets it for the handlers it runs.
 * - `operator`: nobody; the default holds unless whoever runs the service sets it.
 */
export const SET_BY = {
  stack: 'CDK stack',
  lambda: 'Lambda',
  'local-runtime': '`npm start`',
  operator: 'you',
} as const;
export type SetBy = keyof typeof SET_BY;

/** What a setting says about itself: docs/configuration.md is generated from these (`npm run docs:config`). */
export interface SettingDocs {
  /** What it does and why one would change it: the "meaning" column. */
  description: string;
  /** The default in words, where the schema's own default is not the whole story (set elsewhere, local vs AWS). */
  defaultText?: string;
  /** The accepted values in words, where the schema's checks (a regular expression, ...) say it badly. */
  acceptsText?: string;
}

export interface ServiceSettingDocs extends SettingDocs {
  /** Everyone who may set it, in AWS and locally. */
  setBy: readonly [SetBy, ...SetBy[]];
  /** The stage setting (infra/stages.ts) the stack copies into it, verbatim; the infra test compares the two. */
  stageSetting?: string;
}

/**
 * The convention of this file: every variable is `setting(<zod schema>, { description, setBy, ... })`, the
 * documentation kept with the validation as zod metadata (`.meta()`). A variable without it fails the unit test that
 * regenerates docs/configuration.md. A variable the stack sets is marked `setBy: ['stack', ...]`. Variables a library
 * reads by itself (POWERTOOLS_LOG_LEVEL, ...) belong here too: validated at start and documented with the rest.
 */
export function setting<T extends z.ZodType>(schema: T, docs: ServiceSettingDocs): T {
  return schema.meta({ ...docs });
}

const seconds = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const arn = z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:/, 'must be an ARN');
const SCHEDULER_ONLY_IN_AWS = 'unset (the local scheduler)';

/**
 * The environment, read once and validated: a wrong value stops the process at start with a message
 * naming the variable, instead of failing on the first request.
 */
export const configSchema = z.object({
  TABLE_NAME: setting(z.string().min(3).default('broadcast-service'), {
    description: 'The single DynamoDB table.',
    setBy: ['stack', 'local-runtime'],
  }),
  AWS_REGION: setting(z.string().min(1).default('us-east-1'), {
    description: 'The Region of every AWS client.',
    setBy: ['lambda', 'operator'],
  }),
  DYNAMODB_ENDPOINT: setting(z.url().optional(), {
    description: 'Points the DynamoDB client at DynamoDB Local or another emulator.',
    defaultText: 'unset (AWS); under `npm start` its DynamoDB Local',
    setBy: ['local-runtime', 'operator'],
  }),
  DYNAMODB_MAX_ATTEMPTS: setting(z.coerce.number().int().min(1).max(20).default(8), {
    description: 'DynamoDB SDK attempts per call (throttling is retried with backoff).',
    setBy: ['operator'],
  }),
  TENANT_CLAIM: setting(z.string().min(1).default('tenant_id'), {
    description:
      "The JWT claim that names the tenant. In AWS the stage's `tenantClaim` (with Cognito, `custom:tenant_id`).",
    setBy: ['stack', 'operator'],
    stageSetting: 'tenantClaim',
  }),

  TENANT_ID: setting(z.string().refine(isTenantId, 'must be a tenant id').optional(), {
    description:
      "The stage's tenant: a token whose tenant claim names another tenant is refused (403 `auth.tenant_mismatch`), " +
      'and so is an automation event for another tenant. In AWS the tenant the stack is deployed for (`-c tenant=`).',
    defaultText: 'unset: any tenant (`npm start` by default)',
    acceptsText: '1 to 64 of `A-Z a-z 0-9 _ . -`, not reading as a number, `null`, `true` or `false`',
    setBy: ['stack', 'operator'],
  }),
  ROLE_CLAIM: setting(z.string().min(1).default('cognito:groups'), {
    description:
      "The JWT claim listing the caller's groups, among them the roles `viewer`, `operator` and `admin` (an array, " +
      "or the string API Gateway's JWT authorizer makes of it). In AWS the stage's `roleClaim`.",
    setBy: ['stack', 'operator'],
    stageSetting: 'roleClaim',
  }),
  REQUIRE_ROLES: setting(z.stringbool().optional(), {
    description:
      'A token naming none of the roles is refused (403 `auth.insufficient_role`). When false, such a token acts as ' +
      '`admin`; a token that names a role is held to it either way.',
    defaultText: '`true` in AWS (where AWS_LAMBDA_FUNCTION_NAME is set); `false` locally',
    setBy: ['operator'],
  }),

  AWS_ENDPOINT_URL_SQS: setting(z.url().optional(), {
    description: 'Points the SQS client at the local SQS server.',
    defaultText: 'unset (AWS); under `npm start` its SQS server',
    setBy: ['local-runtime'],
  }),
  SQS_MAX_ATTEMPTS: setting(z.coerce.number().int().min(1).max(20).default(8), {
    description: 'SQS SDK attempts per call (throttling is retried with backoff).',
    setBy: ['operator'],
  }),
  PIPELINE_QUEUE_URL: setting(z.url().optional(), {
    description: 'The queue of plan, pace and start steps. Unset in the functions that never start a broadcast.',
    setBy: ['stack', 'local-runtime'],
  }),
  SEND_QUEUE_URL: setting(z.url().optional(), {
    description: 'The queue of chunks to send. Unset in the functions that never send.',
    setBy: ['stack', 'local-runtime'],
  }),
  RECEIPTS_QUEUE_URL: setting(z.url().optional(), {
    description:
      "The queue of delivery receipts, between the providers' webhooks and the receipts worker. Unset in the " +
      'functions that never receive a webhook.',
    setBy: ['stack', 'local-runtime'],
  }),

  DEFAULT_CHANNEL: setting(z.enum(['log', 'none']).default('none'), {
    description:
      'The channel of broadcasts with no `channel_id` when the tenant has no default channel: `log` sends through ' +
      'the built-in log channel; `none` makes execute answer 422 instead of sending somewhere surprising.',
    defaultText: "`log` under `npm start`; in AWS the stage's `defaultChannel` (prod: `none`); else `none`",
    setBy: ['stack', 'local-runtime', 'operator'],
    stageSetting: 'defaultChannel',
  }),
  DATA_DIR: setting(z.string().min(1).optional(), {
    description:
      'Where the log channel appends `outbox.jsonl` and, without an EventBridge bus, domain events `events.jsonl`; `npm start` passes on its own `DATA_DIR`.',
    defaultText: 'unset (standard output only)',
    setBy: ['local-runtime'],
  }),
  ALLOW_PRIVATE_WEBHOOK_URLS: setting(z.stringbool().optional(), {
    description:
      'Lets webhook URLs reach loopback, private, link-local and other internal addresses (a receiver on this ' +
      'machine or network). Off, a webhook URL whose host is, or resolves to, such an address is refused at create ' +
      'and update (422 `channel.url_not_allowed`) and again at each send. See docs/security-input.md.',
    defaultText: '`true` locally (`npm start`, tests); `false` in AWS (where only `https` URLs are accepted)',
    setBy: ['operator'],
  }),
  WEBHOOK_TIMEOUT_MS: setting(z.coerce.number().int().min(100).max(60_000).default(10_000), {
    description: 'A webhook call taking longer is a transient failure, retried.',
    setBy: ['operator'],
  }),
  WHATSAPP_API_BASE_URL: setting(
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://graph.facebook.com'),
    {
      description:
        "Where `whatsapp` channels send: Meta's Graph API; requests go to `<this>/<api_version>/<phone_number_id>/messages`. " +
        'Point it at a stand-in for tests and local runs. In AWS it must be an `https` URL.',
      setBy: ['operator'],
    },
  ),
  AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: setting(
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    {
      description:
        "Where `sms` channels send (AWS End User Messaging SMS, the SDK's own variable for the service): point it at a " +
        "stand-in for tests and local runs, with dummy AWS credentials. Unset, the Region's endpoint.",
      defaultText: 'unset (AWS)',
      setBy: ['operator'],
    },
  ),
  AWS_ENDPOINT_URL_SESV2: setting(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(), {
    description:
      "Where `email_ses` channels call Amazon SES v2 (the AWS SDK's own variable for the service, validated here and " +
      'passed to the client). Point it at a stand-in for tests and local runs, with dummy AWS credentials. See ' +
      'docs/email.md.',
    defaultText: "unset: SES in AWS_REGION (the SDK's endpoint)",
    setBy: ['operator'],
  }),

  MAX_SEND_ATTEMPTS: setting(z.coerce.number().int().min(1).max(50).default(8), {
    description: 'Attempts per contact on transient errors (timeouts, 408, 429, 5xx) before it is `failed`.',
    setBy: ['operator'],
  }),
  RETRY_BASE_SECONDS: setting(seconds(5, 900), {
    description: "First retry delay, doubled per attempt, at most SQS's 900 s (a 429's `Retry-After` is honoured).",
    setBy: ['operator'],
  }),
  CLAIM_LEASE_SECONDS: setting(seconds(60, 3600), {
    description:
      "A chunk lease older than this belongs to a sender that died mid-send: keep it above the sender's timeout and " +
      "below the send queue's visibility timeout.",
    defaultText: "`20` under `npm start` (its send queue's visibility timeout is 30 s); else `60`",
    setBy: ['local-runtime', 'operator'],
  }),
  AUTO_PAUSE_WINDOW: setting(z.coerce.number().int().min(0).max(100_000).default(100), {
    description:
      'Auto-pause looks at the first AUTO_PAUSE_WINDOW sends of a broadcast: once at least AUTO_PAUSE_MIN_SENDS ' +
      'of them are seen and AUTO_PAUSE_FAILURE_RATE of them failed, it pauses instead of burning its audience.',
    setBy: ['operator'],
  }),
  AUTO_PAUSE_MIN_SENDS: setting(z.coerce.number().int().min(1).max(100_000).default(20), {
    description: 'Sends seen before auto-pause may judge a broadcast (see AUTO_PAUSE_WINDOW).',
    setBy: ['operator'],
  }),
  AUTO_PAUSE_FAILURE_RATE: setting(z.coerce.number().min(0).max(1).default(0.5), {
    description: 'The share of failed sends that pauses a broadcast (see AUTO_PAUSE_WINDOW); `1` disables auto-pause.',
    setBy: ['operator'],
  }),
  SWEEP_IDLE_SECONDS: setting(seconds(300, 86_400), {
    description: 'After this long without progress, the pacer releases again the chunks never counted (lost messages).',
    setBy: ['operator'],
  }),
  PACER_WATCH_GRACE_SECONDS: setting(seconds(600, 86_400), {
    description:
      "A pacer tick this overdue is presumed lost and the sweeper restarts the loop: keep it above the pipeline queue's redelivery.",
    setBy: ['operator'],
  }),
  MAX_SWEEPS: setting(z.coerce.number().int().min(1).max(100).default(5), {
    description: 'After this many sweeps, what is still not terminal is `failed` with reason `undeliverable`.',
    setBy: ['operator'],
  }),
  FIRST_CHUNK_AT_START: setting(z.stringbool().default(true), {
    description:
      "Whether the call that starts a broadcast (execute, a scheduled start, an automation trigger) also plans the audience's first chunk and releases it, so the first message leaves one queue hop after the start; false: the start only queues the planner's and the pacer's first steps.",
    setBy: ['operator'],
  }),

  PLAN_SEGMENTS: setting(
    z.coerce
      .number()
      .int()
      .refine((n) => [1, 2, 4, 8].includes(n), 'one of 1, 2, 4, 8')
      .default(PLAN_SEGMENTS),
    {
      description:
        "How many segments a broadcast's audience is planned in, side by side, each by its own planner invocations (contact shards of a dynamic list, slices of a static list's members): 1, 2, 4 or 8. An explicit audience (an automation's contact_ids) is always one.",
      acceptsText: '`1`, `2`, `4` or `8`',
      setBy: ['operator'],
    },
  ),

  SCHEDULE_GROUP_NAME: setting(
    z
      .string()
      .regex(/^[0-9A-Za-z_.-]{1,64}$/)
      .optional(),
    {
      description:
        "EventBridge Scheduler: the stage's schedule group. Set by the stack on the functions that manage schedules; " +
        'with a group, SCHEDULE_ROLE_ARN and SCHEDULE_TARGET_QUEUE_ARN are required. Unset: the local scheduler (timers).',
      defaultText: SCHEDULER_ONLY_IN_AWS,
      acceptsText: '1 to 64 of `0-9 A-Z a-z _ . -`',
      setBy: ['stack'],
    },
  ),
  SCHEDULE_ROLE_ARN: setting(arn.optional(), {
    description: 'EventBridge Scheduler: the role the schedules run as.',
    defaultText: SCHEDULER_ONLY_IN_AWS,
    acceptsText: 'an ARN',
    setBy: ['stack'],
  }),
  SCHEDULE_TARGET_QUEUE_ARN: setting(arn.optional(), {
    description: "EventBridge Scheduler: the schedules' target, the pipeline queue.",
    defaultText: SCHEDULER_ONLY_IN_AWS,
    acceptsText: 'an ARN',
    setBy: ['stack'],
  }),
  SCHEDULE_DLQ_ARN: setting(arn.optional(), {
    description: 'EventBridge Scheduler: the dead-letter queue of schedules that could not deliver.',
    defaultText: SCHEDULER_ONLY_IN_AWS,
    acceptsText: 'an ARN',
    setBy: ['stack'],
  }),
  MAX_LATENESS_SECONDS: setting(
    z.coerce
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
    {
      description:
        'A scheduled broadcast that would start later than this after its time (a lost schedule, an outage) becomes ' +
        '`failed` with `status_reason` `schedule_expired` instead of sending a stale campaign (60 s to 30 days). In ' +
        "AWS the stage's `maxLatenessSeconds`.",
      defaultText: '`86400` (24 h)',
      setBy: ['stack', 'operator'],
      stageSetting: 'maxLatenessSeconds',
    },
  ),
  SCHEDULE_SWEEP_SECONDS: setting(seconds(5, 3600), {
    description:
      "Locally: how often the sweeper looks for overdue scheduled broadcasts (in AWS: the stage's `sweepEveryMinutes`).",
    setBy: ['operator'],
  }),

  AUTOMATION_SOURCE: setting(z.string().min(1).max(256).default('automation'), {
    description: "The EventBridge `source` of `trigger_broadcast` automation events (the stage's `automationSource`).",
    setBy: ['stack', 'operator'],
    stageSetting: 'automationSource',
  }),

  SES_CONFIGURATION_SET_NAME: setting(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
    {
      description:
        "The stage's SES configuration set, whose event destination sends delivery, bounce, complaint and reject events " +
        "to EventBridge's default bus, where the stage's rule routes them to the events queue (docs/provider-events.md). " +
        'E-mail channels send with it unless their config names another; the stack sets it on the functions that send ' +
        'e-mail.',
      defaultText: 'unset (no configuration set: SES publishes no events)',
      acceptsText: '1 to 64 of `A-Z a-z 0-9 _ -`',
      setBy: ['stack', 'operator'],
    },
  ),

  EVENT_BUS_NAME: setting(z.string().min(1).optional(), {
    description: "The stage's EventBridge bus domain events are published to; set by the stack on `event-publisher`.",
    defaultText: 'unset (`DATA_DIR/events.jsonl` and the log)',
    setBy: ['stack'],
  }),
  EVENT_SOURCE: setting(z.string().min(1).default('broadcast-service'), {
    description: 'The `source` of published domain events.',
    setBy: ['operator'],
  }),
  DOMAIN_EVENTS_PER_MESSAGE: setting(z.stringbool().default(false), {
    description:
      'Also publish `broadcast.message_sent` / `broadcast.message_failed`, one per message (costly at scale); ' +
      'otherwise only `broadcast.progress`, one per 10 % of progress once the audience is planned (about ten per ' +
      "broadcast). In AWS the stage's `domainEventsPerMessage`; the event publisher's stream filter then also lets " +
      'execution records through.',
    setBy: ['stack', 'operator'],
    stageSetting: 'domainEventsPerMessage',
  }),

  MAX_RATE_PER_MINUTE: setting(z.coerce.number().int().min(1).max(MAX_RATE_LIMIT).default(MAX_RATE_LIMIT), {
    description:
      "The stage's cap on `rate_limit` (messages per minute): creating, editing, scheduling or starting a broadcast " +
      'whose rate is above it answers 422 `broadcast.rate_limit_above_cap`. `0` (unlimited) runs at the cap. In AWS ' +
      "the stage's `maxRatePerMinute`.",
    defaultText: `\`${MAX_RATE_LIMIT}\` (the API's own ceiling)`,
    setBy: ['stack', 'operator'],
    stageSetting: 'maxRatePerMinute',
  }),

  PUBLIC_BASE_URL: setting(z.url().default('http://127.0.0.1:3000'), {
    description:
      "The base of `{{unsubscribe_link}}`. In AWS the stage's `publicBaseUrl`, else the HTTP API's URL, on the " +
      'functions that sign or verify links.',
    defaultText: "the local server's own URL under `npm start`; else `http://127.0.0.1:3000`",
    setBy: ['stack', 'local-runtime', 'operator'],
  }),
  UNSUBSCRIBE_SECRET: setting(z.string().min(32).optional(), {
    description:
      'HMAC key of unsubscribe links, outside AWS. Refused in AWS, where the key is read from Secrets Manager ' +
      "(UNSUBSCRIBE_SECRET_ARN) and never placed in a function's environment.",
    defaultText: 'a public local default (none in AWS)',
    setBy: ['operator'],
  }),
  UNSUBSCRIBE_SECRET_ARN: setting(arn.optional(), {
    description:
      'The Secrets Manager secret holding the HMAC key of unsubscribe links: read once per cold start (Powertools ' +
      'Parameters), before the first invocation runs. Set by the stack on the functions that sign or verify links, and ' +
      'only those may read the secret; in AWS a function without it cannot make or check links. See docs/secrets.md.',
    defaultText: 'unset (locally: UNSUBSCRIBE_SECRET or its default)',
    acceptsText: 'an ARN',
    setBy: ['stack'],
  }),
  CHANNEL_SECRETS_KEY_ARN: setting(arn.optional(), {
    description:
      "The stage's KMS key that seals channel credentials (webhook secrets, WhatsApp tokens and app secrets) at rest, " +
      'each under the encryption context of its tenant, channel and credential. Set by the stack on the functions ' +
      'that write or read credentials, and only those may use the key; in AWS a function without it cannot seal or ' +
      'open one. See docs/secrets.md.',
    defaultText: 'unset (locally: AES-256-GCM under LOCAL_SECRET_KEY)',
    acceptsText: 'an ARN',
    setBy: ['stack'],
  }),
  LOCAL_SECRET_KEY: setting(
    z
      .string()
      .trim()
      .refine(
        (text) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) && Buffer.from(text, 'base64').length === 32,
        'must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)',
      )
      .optional(),
    {
      description:
        'Outside AWS, the AES-256-GCM key that seals channel credentials at rest. Keep it with the data: credentials ' +
        'sealed under one key do not open under another. Refused in AWS (CHANNEL_SECRETS_KEY_ARN).',
      defaultText:
        '`npm start`: the key in `DATA_DIR/local-secret-key`, made on first start; without DATA_DIR a new key per ' +
        'process, like the data',
      acceptsText: '32 bytes in base64',
      setBy: ['local-runtime', 'operator'],
    },
  ),
  AWS_LAMBDA_FUNCTION_NAME: setting(z.string().optional(), {
    description:
      'Tells the code it runs in AWS, where roles are required, and local keys and defaults (UNSUBSCRIBE_SECRET, ' +
      'LOCAL_SECRET_KEY, the public default unsubscribe secret) are refused.',
    setBy: ['lambda'],
  }),
  POWERTOOLS_LOG_LEVEL: setting(
    z
      .string()
      .regex(/^(trace|debug|info|warn|error|critical|silent)$/i)
      .optional(),
    {
      description: 'The level of the JSON logs (read by the Powertools logger itself; validated here).',
      defaultText: '`INFO`',
      acceptsText: '`TRACE` `DEBUG` `INFO` `WARN` `ERROR` `CRITICAL` `SILENT`',
      setBy: ['operator'],
    },
  ),

  // Observability (Powertools): read by lib/observability at import, before this schema runs; validated here too.
  POWERTOOLS_SERVICE_NAME: setting(z.string().min(1).default(OBSERVABILITY_DEFAULTS.serviceName), {
    description: 'The `service` of every log line, trace and metric.',
    setBy: ['stack', 'operator'],
  }),
  POWERTOOLS_METRICS_NAMESPACE: setting(z.string().min(1).max(255).default(OBSERVABILITY_DEFAULTS.metricsNamespace), {
    description: "The CloudWatch namespace of the service's metrics (EMF).",
    setBy: ['stack', 'operator'],
  }),
  STAGE: setting(z.string().min(1).max(250).default(OBSERVABILITY_DEFAULTS.stage), {
    description: 'The deployment the metrics come from (`<tenant>-<stage>` in AWS): their `stage` dimension.',
    setBy: ['stack', 'operator'],
  }),
});

/** The configuration as the service reads it: REQUIRE_ROLES resolved to its default where unset. */
export type Config = Omit<z.infer<typeof configSchema>, 'REQUIRE_ROLES'> & { REQUIRE_ROLES: boolean };

export const DEFAULT_LOCAL_UNSUBSCRIBE_SECRET = 'local-unsubscribe-secret-do-not-use-in-aws-0123456789';

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  // In AWS a token without a role is refused unless the operator says otherwise; locally it acts as admin.
  const config: Config = {
    ...result.data,
    REQUIRE_ROLES: result.data.REQUIRE_ROLES ?? result.data.AWS_LAMBDA_FUNCTION_NAME !== undefined,
  };
  if (config.SCHEDULE_GROUP_NAME && !(config.SCHEDULE_ROLE_ARN && config.SCHEDULE_TARGET_QUEUE_ARN)) {
    throw new ConfigError(
      'invalid configuration: SCHEDULE_GROUP_NAME needs SCHEDULE_ROLE_ARN and SCHEDULE_TARGET_QUEUE_ARN as well',
    );
  }
  // The channel's access token travels in every request: in AWS never in clear text.
  if (config.AWS_LAMBDA_FUNCTION_NAME && new URL(config.WHATSAPP_API_BASE_URL).protocol !== 'https:') {
    throw new ConfigError('invalid configuration: WHATSAPP_API_BASE_URL: must be an https URL in AWS');
  }
  if (config.AWS_LAMBDA_FUNCTION_NAME && config.UNSUBSCRIBE_SECRET) {
    throw new ConfigError(
      'invalid configuration: UNSUBSCRIBE_SECRET: refused in AWS, where the key is read from Secrets Manager ' +
        '(UNSUBSCRIBE_SECRET_ARN) rather than kept in the environment',
    );
  }
  if (config.AWS_LAMBDA_FUNCTION_NAME && config.LOCAL_SECRET_KEY) {
    throw new ConfigError(
      "invalid configuration: LOCAL_SECRET_KEY: refused in AWS, where the stage's KMS key (CHANNEL_SECRETS_KEY_ARN) " +
        'seals channel credentials',
    );
  }
  // The public default never signs anything in AWS: there, a function reads the key from Secrets Manager, and a
  // function without UNSUBSCRIBE_SECRET_ARN cannot make or check links at all (see the composition root).
  if (config.UNSUBSCRIBE_SECRET || config.UNSUBSCRIBE_SECRET_ARN || config.AWS_LAMBDA_FUNCTION_NAME) return config;
  return { ...config, UNSUBSCRIBE_SECRET: DEFAULT_LOCAL_UNSUBSCRIBE_SECRET };
}
