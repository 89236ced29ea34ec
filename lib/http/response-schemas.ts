import { z } from 'zod';
import { BROADCAST_STATUSES } from '../domain/broadcast.js';
import { EXECUTION_STATUSES } from '../domain/broadcast-execution.js';
import { CHANNEL_TYPES } from '../domain/channel.js';
import { DELIVERY_STATUSES } from '../domain/delivery-status.js';
import { ERROR_CODES, type ErrorCode } from '../domain/error-codes.js';
import { SUPPRESSION_REASONS } from '../domain/suppression.js';
import { TEST_SEND_STATUSES } from '../domain/test-send.js';

/**
 * What the API answers, as zod schemas: the OpenAPI document is generated from them (lib/http/openapi/), and the
 * presenters are typed by them (lib/http/presenters.ts), so a field the presenters add or drop does not compile
 * until it is described here. Every field is present; unset ones are null.
 */
const uuid = z.string().meta({ format: 'uuid' });
const instant = z.string().meta({ format: 'date-time', description: 'ISO 8601, UTC' });
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();
const count = z.int().min(0);
const scalarField = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const suppression = z.object({
  reason: z.enum([...SUPPRESSION_REASONS.email, ...SUPPRESSION_REASONS.sms]),
  at: instant,
  address: z.string(),
});

export const contactResource = z.object({
  id: uuid,
  external_id: nullable(z.string()),
  name: nullable(z.string()),
  email: nullable(z.string()),
  phone: nullable(z.string()),
  tags: z.array(z.string()),
  pipeline_id: nullable(z.string()),
  status_id: nullable(z.string()),
  custom_fields: z.record(z.string(), scalarField),
  timezone: nullable(z.string()),
  opted_out: z.boolean(),
  opted_out_at: nullable(instant),
  suppressions: z.object({ email: nullable(suppression), sms: nullable(suppression) }),
  created_at: instant,
  updated_at: instant,
});

export const contactListResource = z.object({
  id: uuid,
  name: z.string(),
  description: nullable(z.string()),
  tags: z.array(z.string()),
  is_dynamic: z.boolean(),
  filters: nullable(
    z.object({
      pipeline_id: nullable(z.string()),
      status_id: nullable(z.string()),
      tags: z.array(z.string()),
      custom_fields: z.record(z.string(), scalarField),
    }),
  ),
  contact_count: nullable(count).meta({ description: 'static lists only; null for a dynamic list' }),
  created_at: instant,
  updated_at: instant,
});

export const contactListWithAdded = contactListResource.extend({ added: count });

export const messageTemplateResource = z.object({
  type: z.enum(['text', 'template', 'media']),
  content: nullable(z.string()),
  template_id: nullable(z.string()),
  variables: z.record(z.string(), z.string()),
  media_url: nullable(z.string()),
  language: nullable(z.string()),
  subject: nullable(z.string()),
  html: nullable(z.string()),
});

export const broadcastResource = z.object({
  id: uuid,
  name: z.string(),
  list_id: uuid,
  channel_id: nullable(uuid),
  message_template: messageTemplateResource,
  status: z.enum(BROADCAST_STATUSES),
  status_reason: nullable(z.string()),
  scheduled_for: nullable(instant),
  timezone: z.string(),
  started_at: nullable(instant),
  completed_at: nullable(instant),
  cancelled_at: nullable(instant),
  rate_limit: count.meta({ description: 'messages per minute; 0 is unlimited' }),
  total_contacts: count,
  sent_count: count,
  failed_count: count,
  skipped_count: count,
  pending_count: count,
  created_at: instant,
  updated_at: instant,
});

export const broadcastStatsResource = z.object({
  total_contacts: count,
  pending: count,
  sending: count,
  sent: count,
  failed: count,
  skipped: count,
  progress_percent: z.number().min(0).max(100),
  delivered: count,
  read: count,
  delivery_failed: count,
  status: z.enum(BROADCAST_STATUSES),
  started_at: nullable(instant),
  completed_at: nullable(instant),
});

export const executionResource = z.object({
  id: z.string(),
  broadcast_id: uuid,
  contact_id: uuid,
  status: z.enum(EXECUTION_STATUSES),
  message_id: nullable(z.string()),
  reason: nullable(z.string()),
  error: nullable(z.string()),
  attempts: count,
  sent_at: nullable(instant),
  delivery_status: nullable(z.enum(DELIVERY_STATUSES)),
  delivered_at: nullable(instant),
  read_at: nullable(instant),
  delivery_error: nullable(z.string()),
  created_at: instant,
  updated_at: instant,
});

export const channelResource = z.object({
  id: uuid,
  name: z.string(),
  type: z.enum(CHANNEL_TYPES),
  config: z
    .record(z.string(), z.union([z.string(), z.boolean(), z.null()]))
    .meta({ description: "the type's settings; credentials are never shown, only `<name>_set: true|false`" }),
  is_default: z.boolean(),
  required_address: z.enum(['email', 'phone', 'any', 'none']),
  max_messages_per_second: nullable(z.int().min(1)),
  effective_messages_per_second: nullable(z.number().min(0)),
  throttled_at: nullable(instant),
  created_at: instant,
  updated_at: instant,
});

export const previewResource = z.object({
  broadcast_id: uuid,
  contact_id: uuid,
  message: nullable(messageTemplateResource),
  missing: nullable(z.string()),
  reason: nullable(z.string()),
  skip_reason: nullable(z.enum(['opted_out', 'missing_variable'])),
  sms_parts: nullable(z.int().min(1)),
  sms_encoding: nullable(z.enum(['GSM-7', 'UCS-2'])),
});

export const testSendResource = z.object({
  id: z.string(),
  broadcast_id: uuid,
  contact_id: uuid,
  channel_id: z.string(),
  status: z.enum(TEST_SEND_STATUSES),
  message_id: nullable(z.string()),
  error: nullable(z.string()),
  failure: nullable(z.string()),
  sms_parts: nullable(z.int().min(1)),
  message: z.object({
    type: z.enum(['text', 'template', 'media']),
    content: nullable(z.string()),
    template_id: nullable(z.string()),
    variables: z.record(z.string(), z.string()),
    media_url: nullable(z.string()),
    subject: nullable(z.string()),
    html: nullable(z.string()),
    truncated: z.boolean(),
  }),
  created_at: instant,
  updated_at: instant,
});

const fieldError = z.object({ field: z.string(), message: z.string() });

export const batchResultResource = z.object({
  results: z.array(
    z.union([
      z.object({ index: count, status: z.enum(['created', 'updated']), id: uuid }),
      z.object({
        index: count,
        status: z.enum(['invalid', 'rejected']),
        code: z.string(),
        errors: z.array(fieldError).optional(),
        detail: z.string().optional(),
      }),
    ]),
  ),
});

export const automationResultResource = z.object({
  result: z.enum(['started', 'left_scheduled', 'ignored']),
  broadcast_id: uuid,
  reason: z.string().optional(),
});

export const unsubscribedResource = z.object({
  unsubscribed: z.literal(true),
  opted_out: z.literal(true),
  opted_out_at: nullable(instant),
});

export const webhookReceivedResource = z.object({ received: count });
export const healthResource = z.object({ status: z.literal('ok') });

export const timelineResource = z.object({
  broadcast_id: uuid,
  bucket_seconds: z.literal(60),
  buckets: z.array(z.object({ start: instant, sent: count, failed: count, skipped: count })),
});

export const preflightResource = z.object({
  broadcast_id: uuid,
  audience_size: count,
  would_send: count,
  would_skip: z.object({ opted_out: count, suppressed: count, no_address: count, missing_variable: count }),
  effective_rate_per_minute: nullable(z.number().min(0)).meta({ description: 'null: unlimited' }),
  limited_by: z.enum(['broadcast_rate', 'channel_cap', 'none']),
  estimated_duration_seconds: z.number().min(0),
  estimated_cost_usd: z.number().min(0),
});

/** A page of a collection: `next_cursor` null on the last page. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable() });

/** RFC 9457 problem details, `code` one of lib/domain/error-codes.ts. */
export const problemResource = z.object({
  type: z.string().meta({ format: 'uri' }),
  title: z.string(),
  status: z.int().min(400).max(599),
  detail: z.string(),
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
  instance: z.string().optional(),
  errors: z.array(fieldError).optional(),
});
