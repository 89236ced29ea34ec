import { z } from 'zod';
import { BROADCAST_STATUSES, MAX_RATE_LIMIT } from '../domain/broadcast.js';
import { EXECUTION_STATUSES } from '../domain/broadcast-execution.js';
import { type RequiredAddress, SMS_MESSAGE_TYPES, SMS_ORIGINATION_TYPES } from '../domain/channel.js';
import {
  hasCredentials,
  isCleanLongText,
  isCleanShortText,
  isStorableNumber,
  RESERVED_KEYS,
} from '../domain/input-rules.js';
import { TEMPLATE_LANGUAGE_PATTERN } from '../domain/message-template.js';
import { SUPPRESSION_REASONS } from '../domain/suppression.js';
import { isTimeZone } from '../domain/wall-clock.js';
import { MAX_BATCH_CONTACTS } from '../use-cases/batch-upsert-contacts.js';
import { MAX_CONTACT_IDS_PER_REQUEST } from '../use-cases/contact-list-commands.js';
import { MAX_TRIGGER_CONTACTS } from '../use-cases/trigger-broadcast.js';

/**
 * Request schemas, snake_case as on the wire. Objects are strict: an unknown field is a 400, so a
 * typo never silently does nothing. The seed's example bodies validate as written.
 */
export const id = z.uuid({ error: 'must be a UUID' });
/** Ids the CRM owns (pipelines, statuses): any UUID-shaped value, whatever its version. */
const externalUuid = z.guid({ error: 'must be a UUID' });
/** Names, tags, ids and keys: no control characters (see lib/domain/input-rules.ts). */
const shortText = (max: number) =>
  z.string().trim().min(1).max(max).refine(isCleanShortText, 'must not contain control characters');
/** Descriptions and other longer text: tabs and line breaks are fine, other control characters are not. */
const longText = (max: number) =>
  z.string().max(max).refine(isCleanLongText, 'must not contain control characters other than tabs and line breaks');
const name = shortText(200);
const tag = shortText(100);
const tags = z.array(tag).max(100);
/** A custom field's (or a template variable's) name. */
const fieldKey = z.string().min(1).max(100).refine(isCleanShortText, 'must not contain control characters');
/**
 * A map whose keys may not name a prototype member. Checked on the parsed JSON as it came: a record schema never
 * sees an own `"__proto__"` key (zod skips it), so it would silently drop that field.
 */
const keyedMap = <T extends z.ZodType>(schema: T) =>
  z
    .unknown()
    .superRefine((value, ctx) => {
      if (value === null || typeof value !== 'object') return;
      for (const key of Object.keys(value)) {
        if (RESERVED_KEYS.has(key)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'is a reserved name (__proto__, constructor, prototype)',
          });
        }
      }
    })
    .pipe(schema);
const storableNumber = z
  .number()
  .refine(
    isStorableNumber,
    'must be at most 9007199254740991 (2^53 - 1) in magnitude and, unless 0, at least 1e-130: a number stored exactly',
  );
const customFieldValue = z.union([longText(2000), storableNumber, z.boolean(), z.null()]);
const customFields = keyedMap(
  z
    .record(fieldKey, customFieldValue)
    .refine((fields) => Object.keys(fields).length <= 100, 'at most 100 custom fields'),
);
const timezone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Lisbon');
/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
const phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +5511999998888');
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
/** An e-mail address as contacts have them (HTML5's definition: ASCII, a dotted domain). */
const emailAddress = z.email({ pattern: z.regexes.html5Email, error: 'must be an e-mail address' }).max(320);

/** Any offset accepted, kept as UTC like every time the API shows. */
const isoTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time' })
  .transform((value) => new Date(value).toISOString());
/**
 * One suppression as a CRM sets it (or sends back what GET showed): `null` clears that kind, left out keeps it.
 * `at` defaults to now, `address` to the contact's address of that kind.
 */
const suppressionOf = <R extends readonly [string, ...string[]], A extends z.ZodType>(reasons: R, address: A) =>
  z
    .strictObject({ reason: z.enum(reasons), at: optional(isoTime), address: optional(address) })
    .nullable()
    .optional();
const suppressions = z.strictObject({
  email: suppressionOf(SUPPRESSION_REASONS.email, emailAddress),
  sms: suppressionOf(SUPPRESSION_REASONS.sms, phone),
});

export const contactBody = z.strictObject({
  external_id: optional(shortText(200)),
  name: optional(name),
  email: optional(emailAddress),
  phone: optional(phone),
  tags: optional(tags),
  pipeline_id: optional(externalUuid),
  status_id: optional(externalUuid),
  custom_fields: optional(customFields),
  timezone: optional(timezone),
  opted_out: optional(z.boolean()),
  suppressions: optional(suppressions),
});

export const contactBatchBody = z.strictObject({
  contacts: z.array(z.unknown()).min(1).max(MAX_BATCH_CONTACTS),
});

/**
 * `limit` of a collection: plain decimal digits only. A coercing number parser would read "1e2" as 100, "0x10" as
 * 16 and " 5" as 5: a client sending those has a bug it should hear about.
 */
const pageLimit = z
  .string()
  .regex(/^[0-9]{1,4}$/, 'must be a whole number from 1 to 1000, in decimal digits')
  .transform(Number)
  .pipe(z.int().min(1, 'must be at least 1').max(1000, 'must be at most 1000'))
  .default(50);

export const contactListQuery = z.strictObject({
  limit: pageLimit,
  cursor: z.string().min(1).max(2048).optional(),
  tag: tag.optional(),
  pipeline_id: externalUuid.optional(),
  status_id: externalUuid.optional(),
});

export const pageQuery = z.strictObject({
  limit: pageLimit,
  cursor: z.string().min(1).max(2048).optional(),
});

export const listFilters = z
  .strictObject({
    pipeline_id: optional(externalUuid),
    status_id: optional(externalUuid),
    tags: optional(tags),
    custom_fields: optional(customFields),
  })
  .refine(
    (f) =>
      f.pipeline_id !== undefined ||
      f.status_id !== undefined ||
      f.tags?.length ||
      Object.keys(f.custom_fields ?? {}).length,
    'a dynamic list needs at least one criterion',
  );

const contactIds = z.array(id).max(MAX_CONTACT_IDS_PER_REQUEST);

export const createContactListBody = z
  .strictObject({
    name,
    description: optional(longText(2000)),
    tags: optional(tags),
    is_dynamic: z.boolean().default(false),
    contact_ids: optional(contactIds),
    filters: optional(listFilters),
  })
  .superRefine((body, ctx) => {
    if (body.is_dynamic && !body.filters) {
      ctx.addIssue({ code: 'custom', path: ['filters'], message: 'a dynamic list needs filters' });
    }
    if (body.is_dynamic && body.contact_ids) {
      ctx.addIssue({ code: 'custom', path: ['contact_ids'], message: 'a dynamic list takes filters, not contact_ids' });
    }
    if (!body.is_dynamic && body.filters) {
      ctx.addIssue({ code: 'custom', path: ['filters'], message: 'a static list takes contact_ids; set is_dynamic' });
    }
  });

export const updateContactListBody = z
  .strictObject({
    name: optional(name),
    description: longText(2000).nullish(),
    tags: optional(tags),
    filters: optional(listFilters),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), 'give at least one field to change');

export const addContactsBody = z.strictObject({ contact_ids: contactIds.min(1) });

export const messageTemplate = z
  .strictObject({
    type: z.enum(['text', 'template', 'media']),
    content: optional(z.string().max(10_000)),
    /** An e-mail's subject (Liquid): one line. */
    subject: optional(shortText(2000)),
    /** An e-mail's HTML part (Liquid); the broadcast item holds it, so it is bounded well inside DynamoDB's 400 KB. */
    html: optional(z.string().min(1).max(100_000)),
    template_id: optional(shortText(512)),
    variables: optional(
      keyedMap(
        z
          .record(fieldKey, z.string().max(2000))
          .refine((variables) => Object.keys(variables).length <= 100, 'at most 100 variables'),
      ),
    ),
    media_url: optional(
      z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
        .max(2048)
        .refine((url) => !hasCredentials(url), 'must not carry credentials (user:password@)'),
    ),
    /** The approved template's language (WhatsApp `en_US` when absent). */
    language: optional(
      z.string().regex(TEMPLATE_LANGUAGE_PATTERN, 'must be a template language code such as en_US, pt_BR or es'),
    ),
  })
  .superRefine((template, ctx) => {
    const required = { text: 'content', template: 'template_id', media: 'media_url' } as const;
    const field = required[template.type];
    if (template[field] === undefined || template[field].trim() === '') {
      ctx.addIssue({ code: 'custom', path: [field], message: `a ${template.type} message needs ${field}` });
    }
    // Only a provider template has a language: on another type it would be silently ignored.
    if (template.language !== undefined && template.type !== 'template') {
      ctx.addIssue({ code: 'custom', path: ['language'], message: 'only a template message has a language' });
    }
    // An e-mail is a text message: a subject or an HTML part on another type would be silently ignored.
    for (const field of ['subject', 'html'] as const) {
      if (template[field] !== undefined && template.type !== 'text') {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `only a text message (an e-mail) has ${field === 'html' ? 'an html part' : 'a subject'}`,
        });
      }
    }
  });

const rateLimit = z
  .int({ error: 'must be a whole number of messages per minute' })
  .min(0)
  .max(MAX_RATE_LIMIT, `at most ${MAX_RATE_LIMIT} messages per minute`);
const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2025-01-20T10:00:00Z' });

export const createBroadcastBody = z.strictObject({
  name,
  list_id: id,
  channel_id: optional(id),
  message_template: messageTemplate,
  scheduled_for: optional(isoDateTime),
  rate_limit: rateLimit.default(0),
  /** Of the schedule and of {{current_date}}/{{current_time}}; UTC when absent. */
  timezone: optional(timezone),
});

export const updateBroadcastBody = z
  .strictObject({
    name: optional(name),
    list_id: optional(id),
    channel_id: optional(id),
    message_template: optional(messageTemplate),
    rate_limit: optional(rateLimit),
    timezone: optional(timezone),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), 'give at least one field to change');

export const scheduleBody = z.strictObject({ scheduled_for: isoDateTime });
/** execute, pause, resume, cancel, unschedule: no fields; the body may be left out, or be `{}`. */
export const actionBody = z.strictObject({});

export const broadcastListQuery = pageQuery.extend({ status: z.enum(BROADCAST_STATUSES).optional() });
export const executionListQuery = pageQuery.extend({ status: z.enum(EXECUTION_STATUSES).optional() });

const requiredAddress = z.enum(['email', 'phone', 'any', 'none'] as const satisfies readonly RequiredAddress[]);
const webhookUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);
const webhookSecret = z.string().min(16, 'must be at least 16 characters').max(512, 'at most 512 characters');

const whatsAppCredential = z
  .string()
  .trim()
  .min(8, 'must be at least 8 characters')
  .max(1024, 'at most 1024 characters');
const digits = z.string().regex(/^[0-9]{1,30}$/, 'must be the digits of a Graph API id');
const graphApiVersion = z.string().regex(/^v[0-9]{1,3}\.[0-9]{1,2}$/, 'must look like v23.0');
/** AWS's OriginationIdentity: a phone number, an id or ARN of a number, sender ID or pool (1-256 characters). */
const originationIdentity = z
  .string()
  .regex(/^[A-Za-z0-9_:/+-]{1,256}$/, 'must be a phone number, sender ID, pool or their id or ARN (A-Z, 0-9, _:/+-)');
/** AWS's ConfigurationSetName: a name or an ARN. */
const smsConfigurationSet = z
  .string()
  .regex(/^[A-Za-z0-9_:/-]{1,256}$/, 'must be a configuration set name or ARN (A-Z, 0-9, _:/-)');
/**
 * AWS's MaxPrice, US dollars with at most two digits before the point and five after (`0.05`, `.00581`), as a
 * string or a number; kept as the string AWS takes. Zero would refuse every message, so it is refused here.
 */
const smsMaxPrice = z
  .union([z.string(), z.number()])
  .transform((value) => String(value))
  .refine((value) => /^[0-9]{0,2}\.[0-9]{1,5}$/.test(value) || /^[0-9]{1,2}$/.test(value), {
    message: 'must be US dollars such as "0.05" (at most 2 digits before the point and 5 after)',
  })
  .transform((value) => (value.includes('.') ? value : `${value}.0`))
  .refine((value) => Number(value) > 0, 'must be more than 0');

/** SES: "up to 64 alphanumeric characters, including letters, numbers, hyphens (-) and underscores (_) only". */
const sesConfigurationSetName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an SES configuration set name: 1 to 64 of A-Z a-z 0-9 _ -');
/** A From display name: one line of text (it goes into a header). */
const fromName = shortText(200);
/** Messages per second over every broadcast using the channel; `null` on PUT drops the channel's own cap. */
const maxMessagesPerSecond = z.number().int('must be a whole number').min(1).max(10_000);

/**
 * POST and PUT of a channel. On PUT a credential (a webhook's secret, WhatsApp's access_token, app_secret and
 * verify_token) may be left out to keep the stored one: `keep` makes them optional.
 */
function channelBody(keep: boolean) {
  const credential = <T extends z.ZodType>(schema: T) => (keep ? schema.optional() : schema);
  const common = {
    name,
    is_default: optional(z.boolean()),
    required_address: optional(requiredAddress),
    max_messages_per_second: keep ? maxMessagesPerSecond.nullable().optional() : optional(maxMessagesPerSecond),
  };
  return z.discriminatedUnion('type', [
    z.strictObject({ ...common, type: z.literal('log'), config: optional(z.strictObject({})) }),
    z.strictObject({
      ...common,
      type: z.literal('webhook'),
      config: z.strictObject({ url: webhookUrl, secret: credential(webhookSecret) }),
    }),
    z.strictObject({
      ...common,
      type: z.literal('whatsapp'),
      config: z.strictObject({
        phone_number_id: digits,
        access_token: credential(whatsAppCredential),
        app_secret: credential(whatsAppCredential),
        verify_token: credential(whatsAppCredential),
        api_version: optional(graphApiVersion),
      }),
    }),
    z.strictObject({
      ...common,
      type: z.literal('sms'),
      config: z.strictObject({
        origination_identity: originationIdentity,
        message_type: z.enum(SMS_MESSAGE_TYPES),
        configuration_set_name: optional(smsConfigurationSet),
        max_price_per_message: optional(smsMaxPrice),
        origination_type: optional(z.enum(SMS_ORIGINATION_TYPES)),
      }),
    }),
    z.strictObject({
      ...common,
      type: z.literal('email_ses'),
      // The adapter sends to the contact's e-mail and to nothing else.
      required_address: optional(z.literal('email', { error: "an e-mail channel needs the contact's email" })),
      config: z.strictObject({
        from_address: emailAddress,
        from_name: optional(fromName),
        reply_to: optional(emailAddress),
        configuration_set_name: optional(sesConfigurationSetName),
      }),
    }),
  ]);
}

export const createChannelBody = channelBody(false);
export const updateChannelBody = channelBody(true);

/**
 * Issue 4: the `detail` of a `trigger_broadcast` automation event (the seed's action params plus the tenant and,
 * for a per-contact send, the contacts; duplicates removed).
 */
export const triggerBroadcastDetail = z.strictObject({
  tenant_id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a tenant id'),
  broadcast_id: id,
  override_schedule: optional(z.boolean()).transform((v) => v ?? false),
  contact_ids: optional(
    z
      .array(id)
      .min(1)
      .max(MAX_TRIGGER_CONTACTS)
      .transform((ids) => [...new Set(ids)]),
  ),
});

/** What EventBridge delivers to the automation function: its envelope is loose (account, time, region, ...). */
export const automationEventEnvelope = z.object({
  id: z.string().min(1).max(200),
  source: z.string().min(1).max(256),
  'detail-type': z.string().min(1).max(128),
  detail: triggerBroadcastDetail,
});

/** POST /api/v1/automation/events: the same event as a JSON body; `id`, optional, makes it idempotent. */
export const automationEventBody = z.strictObject({
  id: optional(z.string().min(1).max(200)),
  source: z.string().min(1).max(256),
  'detail-type': z.string().min(1).max(128),
  detail: triggerBroadcastDetail,
});
