import type { z } from 'zod';
import { type Broadcast, pendingCount } from '../domain/broadcast.js';
import type { BroadcastExecution } from '../domain/broadcast-execution.js';
import { TIMELINE_BUCKET_SECONDS, type TimelineBucket } from '../domain/broadcast-timeline.js';
import { type Channel, channelCapPerSecond, isCredentialSet, smsOriginationTypeOf } from '../domain/channel.js';
import type { Contact } from '../domain/contact.js';
import type { ContactList, ListFilters } from '../domain/contact-list.js';
import { deliveryStatusOf } from '../domain/delivery-status.js';
import { withoutCredentials } from '../domain/input-rules.js';
import { type MessageTemplate, toWireTemplate } from '../domain/message-template.js';
import type { Suppression } from '../domain/suppression.js';
import type { BroadcastStats } from '../use-cases/broadcast-queries.js';
import type { ChannelPaceView } from '../use-cases/channel-pace-view.js';
import type { Preflight } from '../use-cases/preflight-broadcast.js';
import type {
  broadcastResource,
  broadcastStatsResource,
  channelResource,
  contactListResource,
  contactResource,
  executionResource,
  preflightResource,
  timelineResource,
} from './response-schemas.js';

/** Domain objects as resources on the wire: snake_case, every field present (null when unset). */
export function presentContact(c: Contact): z.input<typeof contactResource> {
  return {
    id: c.id,
    external_id: c.externalId ?? null,
    name: c.name ?? null,
    email: c.email ?? null,
    phone: c.phone ?? null,
    tags: c.tags,
    pipeline_id: c.pipelineId ?? null,
    status_id: c.statusId ?? null,
    custom_fields: c.customFields,
    timezone: c.timezone ?? null,
    opted_out: c.optedOut,
    opted_out_at: c.optedOutAt ?? null,
    suppressions: { email: presentSuppression(c.suppressions?.email), sms: presentSuppression(c.suppressions?.sms) },
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function presentSuppression(s: Suppression | undefined) {
  return s === undefined ? null : { reason: s.reason, at: s.at, address: s.address };
}

function presentFilters(f: ListFilters) {
  return {
    pipeline_id: f.pipelineId ?? null,
    status_id: f.statusId ?? null,
    tags: f.tags ?? [],
    custom_fields: f.customFields ?? {},
  };
}

export function presentContactList(l: ContactList): z.input<typeof contactListResource> {
  return {
    id: l.id,
    name: l.name,
    description: l.description ?? null,
    tags: l.tags,
    is_dynamic: l.isDynamic,
    filters: l.filters ? presentFilters(l.filters) : null,
    contact_count: l.isDynamic ? null : (l.contactCount ?? 0),
    created_at: l.createdAt,
    updated_at: l.updatedAt,
  };
}

/** The template as the API shows it; a media URL stored before credentials were refused is shown without them. */
export function presentedTemplate(t: MessageTemplate) {
  const wire = toWireTemplate(t);
  return wire.media_url === null ? wire : { ...wire, media_url: withoutCredentials(wire.media_url) };
}

export function presentBroadcast(b: Broadcast): z.input<typeof broadcastResource> {
  return {
    id: b.id,
    name: b.name,
    list_id: b.listId,
    channel_id: b.channelId ?? null,
    message_template: presentedTemplate(b.messageTemplate),
    status: b.status,
    status_reason: b.statusReason ?? null,
    scheduled_for: b.scheduledFor ?? null,
    timezone: b.timezone ?? 'UTC',
    started_at: b.startedAt ?? null,
    completed_at: b.completedAt ?? null,
    cancelled_at: b.cancelledAt ?? null,
    rate_limit: b.rateLimit,
    total_contacts: b.totalContacts,
    sent_count: b.sent,
    failed_count: b.failed,
    skipped_count: b.skipped,
    pending_count: pendingCount(b),
    created_at: b.createdAt,
    updated_at: b.updatedAt,
  };
}

export function presentStats(s: BroadcastStats): z.input<typeof broadcastStatsResource> {
  return {
    total_contacts: s.totalContacts,
    pending: s.pending,
    sending: s.sending,
    sent: s.sent,
    failed: s.failed,
    skipped: s.skipped,
    progress_percent: s.progressPercent,
    delivered: s.delivered,
    read: s.read,
    delivery_failed: s.deliveryFailed,
    status: s.status,
    started_at: s.startedAt ?? null,
    completed_at: s.completedAt ?? null,
  };
}

export function presentTimeline(broadcastId: string, buckets: TimelineBucket[]): z.input<typeof timelineResource> {
  return {
    broadcast_id: broadcastId,
    bucket_seconds: TIMELINE_BUCKET_SECONDS,
    buckets: buckets.map((b) => ({ start: b.start, sent: b.sent, failed: b.failed, skipped: b.skipped })),
  };
}

export function presentPreflight(p: Preflight): z.input<typeof preflightResource> {
  return {
    broadcast_id: p.broadcastId,
    audience_size: p.audienceSize,
    would_send: p.wouldSend,
    would_skip: {
      opted_out: p.wouldSkip.opted_out,
      suppressed: p.wouldSkip.suppressed,
      no_address: p.wouldSkip.no_address,
      missing_variable: p.wouldSkip.missing_variable,
    },
    effective_rate_per_minute: p.effectiveRatePerMinute ?? null,
    limited_by: p.limitedBy,
    estimated_duration_seconds: p.estimatedDurationSeconds,
    estimated_cost_usd: p.estimatedCostUsd,
  };
}

export function presentExecution(e: BroadcastExecution): z.input<typeof executionResource> {
  return {
    id: e.id,
    broadcast_id: e.broadcastId,
    contact_id: e.contactId,
    status: e.status,
    message_id: e.messageId ?? null,
    reason: e.reason ?? null,
    error: e.error ?? null,
    attempts: e.attempts,
    sent_at: e.sentAt ?? null,
    delivery_status: deliveryStatusOf(e) ?? null,
    delivered_at: e.deliveredAt ?? null,
    read_at: e.readAt ?? null,
    delivery_error: e.deliveryError ?? null,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
  };
}

/**
 * A channel on the wire. The config is rebuilt field by field: a webhook's secret is write-only, never echoed.
 * `pace`: how fast a capped channel sends now (read where the route reads it); without it, a capped channel is
 * shown at its cap, never throttled (true of a channel just created).
 */
export function presentChannel(c: Channel, pace?: ChannelPaceView): z.input<typeof channelResource> {
  const cap = pace?.capPerSecond ?? channelCapPerSecond(c);
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    config: presentChannelConfig(c),
    is_default: c.isDefault,
    required_address: c.requiredAddress,
    max_messages_per_second: cap ?? null,
    effective_messages_per_second: cap === undefined ? null : (pace?.effectivePerSecond ?? cap),
    throttled_at: pace?.throttledAt ?? null,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function presentChannelConfig(c: Channel): Record<string, string | boolean | null> {
  switch (c.type) {
    case 'webhook':
      return {
        url: typeof c.config.url === 'string' ? withoutCredentials(c.config.url) : null,
        secret_set: isCredentialSet(c.config.secret),
      };
    case 'whatsapp':
      return {
        phone_number_id: typeof c.config.phoneNumberId === 'string' ? c.config.phoneNumberId : null,
        api_version: typeof c.config.apiVersion === 'string' ? c.config.apiVersion : null,
        access_token_set: isCredentialSet(c.config.accessToken),
        app_secret_set: isCredentialSet(c.config.appSecret),
        verify_token_set: isCredentialSet(c.config.verifyToken),
      };
    case 'sms':
      return {
        origination_identity: stringOrNull(c.config.originationIdentity),
        message_type: stringOrNull(c.config.messageType),
        configuration_set_name: stringOrNull(c.config.configurationSetName),
        max_price_per_message: stringOrNull(c.config.maxPricePerMessage),
        origination_type: smsOriginationTypeOf(c.config),
      };
    case 'email_ses':
      return {
        from_address: stringOrNull(c.config.fromAddress),
        from_name: stringOrNull(c.config.fromName),
        reply_to: stringOrNull(c.config.replyTo),
        configuration_set_name: stringOrNull(c.config.configurationSetName),
      };
    case 'log':
      return {};
  }
}

const stringOrNull = (value: unknown) => (typeof value === 'string' ? value : null);
