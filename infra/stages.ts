import { z } from 'zod';
import { MAX_RATE_LIMIT } from '../lib/domain/broadcast.js';

/** The retention periods CloudWatch Logs accepts; anything else fails at deploy time, so reject it at synth. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Where Cognito may send a browser back to: https, or http on localhost only (a developer's machine). */
const redirectUrl = z
  .url()
  .refine(
    (url) => url.startsWith('https://') || /^http:\/\/localhost(:\d+)?(\/|$)/.test(url),
    'must be https (http only for localhost)',
  );

/**
 * The Cognito hosted UI (authorization code flow; PKCE is the client's part): where it lives and where it may send
 * the browser back to. Without it the app client has no OAuth flow at all, only the API's own sign-in flows.
 */
/** `<prefix>.auth.<region>.amazoncognito.com`: unique per Region, without "aws", "amazon" or "cognito". */
const cognitoDomainPrefix = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and inner hyphens, at most 63')
  .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'Cognito refuses "aws", "amazon" and "cognito"');

const hostedUiSchema = z
  .object({
    domainPrefix: cognitoDomainPrefix,
    callbackUrls: z.array(redirectUrl).min(1),
    logoutUrls: z.array(redirectUrl).min(1),
  })
  .strict();

const authSchema = z.discriminatedUnion('kind', [
  /** The stack creates a Cognito user pool; its ID tokens carry the tenant as a custom attribute. */
  z
    .object({
      kind: z.literal('cognito'),
      /** TOTP (authenticator app) as second factor: `required` for everyone, or `optional` per user. */
      mfa: z.enum(['required', 'optional']).default('required'),
      hostedUi: hostedUiSchema.optional(),
    })
    .strict(),
  /** An external OpenID Connect issuer (Auth0, Okta, another pool) that already puts the tenant claim in tokens. */
  z
    .object({
      kind: z.literal('oidc'),
      issuer: z.url().startsWith('https://'),
      audience: z.array(z.string().min(1)).min(1),
    })
    .strict(),
]);

/** A domain or an e-mail address SES has verified in the stage's account and Region: what e-mail may be sent from. */
const sesIdentity = z
  .string()
  .regex(
    /^(?:[^@\s]+@)?(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
    'a verified domain (example.com) or e-mail address (news@example.com)',
  );
/** An End User Messaging SMS origination identity by ARN: a phone number, a pool or a sender ID. */
const smsOriginationArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(?:phone-number|pool|sender-id)\/\S+$/,
    'the ARN of a phone number, pool or sender ID (arn:aws:sms-voice:<region>:<account>:phone-number/<id>)',
  );

export const stageConfigSchema = z
  .object({
    /** Pins the stack to an account/region; when absent the stack is environment-agnostic. */
    account: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/)
      .optional(),
    auth: authSchema,
    /** The JWT claim naming the tenant (lib/config.ts TENANT_CLAIM). Cognito exposes custom attributes as `custom:<name>`. */
    tenantClaim: z.string().regex(/^\S+$/, 'a claim name without spaces'),
    /**
     * The JWT claim listing the caller's groups, among them the roles viewer, operator and admin (lib/config.ts
     * ROLE_CLAIM). Cognito puts a user's groups in `cognito:groups`.
     */
    roleClaim: z.string().regex(/^\S+$/, 'a claim name without spaces').default('cognito:groups'),
    /**
     * The channel a broadcast uses when neither it nor its tenant names one (DEFAULT_CHANNEL). Only channels that
     * need no per-tenant configuration qualify; `none` means `execute` answers 422 instead of sending somewhere
     * surprising.
     */
    defaultChannel: z.enum(['log', 'none']),
    /** Parallel sends: the sender's SQS maxConcurrency (Lambda accepts 2-1000) and its reserved concurrency. */
    sendConcurrency: z.number().int().min(2).max(1000),
    /**
     * The highest `rate_limit` (messages per minute) a broadcast of this stage may ask for (MAX_RATE_PER_MINUTE):
     * above it, create, edit, schedule and start answer 422. At most the API's own ceiling.
     */
    maxRatePerMinute: z.number().int().min(1).max(MAX_RATE_LIMIT),
    /** Where alarms are e-mailed; without it alarms still go to the SNS topic, which nobody reads. */
    alarmEmail: z.email().optional(),
    logRetentionDays: z.union(LOG_RETENTION_DAYS.map((days) => z.literal(days))),
    /** Keep table, user pool, unsubscribe key and logs when the stack is deleted; protect table and pool from deletion. */
    retainData: z.boolean(),
    cors: z.object({ allowOrigins: z.array(z.string().min(1)) }).strict(),
    apiThrottle: z.object({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() }).strict(),
    /** Base of the public unsubscribe links, e.g. a custom domain; defaults to the HTTP API's URL. */
    publicBaseUrl: z.url().startsWith('https://').optional(),
    /** The EventBridge `source` the automation rule accepts `trigger_broadcast` events from. */
    automationSource: z.string().min(1).default('automation'),
    /** How often the sweeper looks for overdue scheduled broadcasts (a lost schedule starts at most this late). */
    sweepEveryMinutes: z.number().int().min(1).max(60),
    /** Alarm when the oldest send message is older than this: at least 900 s, the pacer's longest delay. */
    sendQueueMaxAgeSeconds: z.number().int().min(900),
    /** A scheduled broadcast that would start later than this after its time fails as `schedule_expired` (MAX_LATENESS_SECONDS). */
    maxLatenessSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
    /**
     * Also one EventBridge event per message sent or failed (DOMAIN_EVENTS_PER_MESSAGE): $1 per million messages on top,
     * and every execution write then invokes the event publisher. Off: `broadcast.progress` every 10 % instead.
     */
    domainEventsPerMessage: z.boolean().default(false),
    /**
     * E-mail (SES): the verified identities the stage's functions may send from; `ses:SendEmail` is granted on these
     * and on the stage's configuration set only (docs/provider-events.md). None: the stage cannot send e-mail.
     */
    email: z
      .object({ identities: z.array(sesIdentity).max(100).default([]) })
      .strict()
      .default({ identities: [] }),
    /**
     * SMS (End User Messaging): the origination identities (ARNs) the stage's functions may send from, and the
     * configuration sets (names) an SMS channel may name; `sms-voice:SendTextMessage` is granted on these only.
     */
    /**
     * The operator dashboard (web/, docs/dashboard.md) on S3 + CloudFront, signing in through the user pool's hosted
     * UI. `domainPrefix` names the pool's domain (`<prefix>.auth.<region>.amazoncognito.com`) unless `auth.hostedUi`
     * already does. Needs a Cognito stage. Off when absent.
     */
    dashboard: z.object({ domainPrefix: cognitoDomainPrefix.optional() }).strict().optional(),
    sms: z
      .object({
        originationIdentities: z.array(smsOriginationArn).max(100).default([]),
        configurationSets: z
          .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a configuration set name'))
          .max(20)
          .default([]),
      })
      .strict()
      .default({ originationIdentities: [], configurationSets: [] }),
  })
  .strict()
  .refine((config) => config.auth.kind !== 'cognito' || /^custom:\w{1,20}$/.test(config.tenantClaim), {
    message: 'with a Cognito user pool the tenant claim must be a custom attribute, e.g. "custom:tenant_id"',
    path: ['tenantClaim'],
  })
  .refine((config) => config.dashboard === undefined || config.auth.kind === 'cognito', {
    message: "the dashboard signs in through the stage's Cognito user pool: it needs auth.kind cognito",
    path: ['dashboard'],
  })
  .refine(
    (config) =>
      config.dashboard === undefined ||
      config.auth.kind !== 'cognito' ||
      (config.dashboard.domainPrefix === undefined) !== (config.auth.hostedUi === undefined),
    {
      message: 'a user pool has one domain: name it in dashboard.domainPrefix or in auth.hostedUi, not both',
      path: ['dashboard', 'domainPrefix'],
    },
  );

export type StageConfigInput = z.input<typeof stageConfigSchema>;
export type StageConfig = z.output<typeof stageConfigSchema>;

const COGNITO_TENANT_CLAIM = 'custom:tenant_id';

/** Every deployable stage. Adding one here is all a new stage needs; `-c stage=<name>` selects it. */
export const STAGES = {
  dev: {
    // Second factor offered, not imposed: developers sign in often, from scripts too.
    auth: { kind: 'cognito', mfa: 'optional' },
    tenantClaim: COGNITO_TENANT_CLAIM,
    defaultChannel: 'log',
    sendConcurrency: 5,
    maxRatePerMinute: 600,
    logRetentionDays: 14,
    retainData: false,
    cors: { allowOrigins: ['http://localhost:3000'] },
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    sweepEveryMinutes: 5,
    sendQueueMaxAgeSeconds: 1200,
  },
  prod: {
    auth: { kind: 'cognito', mfa: 'required' },
    tenantClaim: COGNITO_TENANT_CLAIM,
    defaultChannel: 'none',
    sendConcurrency: 50,
    maxRatePerMinute: 60_000,
    logRetentionDays: 90,
    retainData: true,
    cors: { allowOrigins: [] },
    apiThrottle: { rateLimit: 500, burstLimit: 1000 },
    sweepEveryMinutes: 5,
    sendQueueMaxAgeSeconds: 1200,
  },
} satisfies Record<string, StageConfigInput>;

export type StageName = keyof typeof STAGES;

export const STAGE_NAMES = Object.keys(STAGES) as StageName[];

export function isStageName(name: string): name is StageName {
  return Object.hasOwn(STAGES, name);
}

export class StageConfigError extends Error {}

/** Validates a stage's settings (plus per-deployment overrides) once, so a typo fails `cdk synth`, not a deploy. */
export function parseStageConfig(name: string, input: unknown): StageConfig {
  const result = stageConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new StageConfigError(`invalid configuration for stage "${name}": ${problems.join('; ')}`);
  }
  return result.data;
}
