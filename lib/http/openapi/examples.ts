/**
 * The document's examples. Each one is checked by the schema it illustrates (test/unit/http/openapi-document.test.ts):
 * a request example by the zod schema the handler validates with, a response example by its response schema.
 */
const CONTACT_ID = '0b5e7f2a-4c1d-4e8b-9a3f-2d6c8e1b7a40';
const LIST_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const BROADCAST_ID = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const CHANNEL_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const PIPELINE_ID = '5b8a1c7e-0d1f-4a3b-9c2d-6e7f8a9b0c1d';
const STATUS_ID = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const AT = '2025-01-15T12:00:00.000Z';
const LATER = '2025-01-15T12:05:00.000Z';

export const EXAMPLE_IDS = { CONTACT_ID, LIST_ID, BROADCAST_ID, CHANNEL_ID };

export const contactBodyExample = {
  external_id: 'crm-1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '+5511999990001',
  tags: ['customer', 'active'],
  pipeline_id: PIPELINE_ID,
  status_id: STATUS_ID,
  custom_fields: { cart_status: 'abandoned', lifetime_value: 120.5 },
  timezone: 'America/Sao_Paulo',
};

export const contactExample = {
  id: CONTACT_ID,
  external_id: 'crm-1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '+5511999990001',
  tags: ['customer', 'active'],
  pipeline_id: PIPELINE_ID,
  status_id: STATUS_ID,
  custom_fields: { cart_status: 'abandoned', lifetime_value: 120.5 },
  timezone: 'America/Sao_Paulo',
  opted_out: false,
  opted_out_at: null,
  suppressions: { email: null, sms: null },
  created_at: AT,
  updated_at: AT,
};

export const contactBatchBodyExample = {
  contacts: [contactBodyExample, { external_id: 'crm-2', name: 'Grace', email: 'grace@example.com' }],
};

export const batchResultExample = {
  results: [
    { index: 0, status: 'updated', id: CONTACT_ID },
    {
      index: 1,
      status: 'invalid',
      code: 'request.validation_failed',
      errors: [{ field: 'email', message: 'must be an e-mail address' }],
    },
  ],
};

export const createStaticListExample = { name: 'VIP', description: 'Hand-picked', contact_ids: [CONTACT_ID] };
export const createDynamicListExample = {
  name: 'Active Customers',
  is_dynamic: true,
  filters: { pipeline_id: PIPELINE_ID, status_id: STATUS_ID, tags: ['customer', 'active'] },
};
export const updateListExample = { name: 'Active customers (BR)', tags: ['br'] };
export const addContactsExample = { contact_ids: [CONTACT_ID] };

export const contactListExample = {
  id: LIST_ID,
  name: 'Active Customers',
  description: null,
  tags: [],
  is_dynamic: true,
  filters: { pipeline_id: PIPELINE_ID, status_id: STATUS_ID, tags: ['customer', 'active'], custom_fields: {} },
  contact_count: null,
  created_at: AT,
  updated_at: AT,
};

export const createBroadcastExample = {
  name: 'Black Friday Promotion',
  list_id: LIST_ID,
  message_template: {
    type: 'template',
    template_id: 'promo_bf',
    variables: { name: 'contact.name', discount: '50' },
  },
  rate_limit: 100,
};
export const updateBroadcastExample = {
  message_template: { type: 'text', content: 'Hi {{contact.name}}! 50% off today. {{unsubscribe_link}}' },
  rate_limit: 200,
};
export const scheduleExample = { scheduled_for: '2030-01-20T10:00:00Z' };
export const contactIdBodyExample = { contact_id: CONTACT_ID };

export const broadcastExample = {
  id: BROADCAST_ID,
  name: 'Black Friday Promotion',
  list_id: LIST_ID,
  channel_id: null,
  message_template: {
    type: 'template',
    content: null,
    template_id: 'promo_bf',
    variables: { name: 'contact.name', discount: '50' },
    media_url: null,
    language: null,
    subject: null,
    html: null,
  },
  status: 'running',
  status_reason: null,
  scheduled_for: null,
  timezone: 'UTC',
  started_at: AT,
  completed_at: null,
  cancelled_at: null,
  rate_limit: 100,
  total_contacts: 1200,
  sent_count: 480,
  failed_count: 3,
  skipped_count: 17,
  pending_count: 700,
  created_at: AT,
  updated_at: AT,
};

export const statsExample = {
  total_contacts: 1200,
  pending: 600,
  sending: 100,
  sent: 480,
  failed: 3,
  skipped: 17,
  progress_percent: 41.67,
  delivered: 450,
  read: 200,
  delivery_failed: 2,
  status: 'running',
  started_at: AT,
  completed_at: null,
};

export const executionExample = {
  id: `${BROADCAST_ID}:${CONTACT_ID}`,
  broadcast_id: BROADCAST_ID,
  contact_id: CONTACT_ID,
  status: 'sent',
  message_id: 'wamid.HBgLNTUxMTk5OTk5MDAwMRUCABEYEjQ',
  reason: null,
  error: null,
  attempts: 1,
  sent_at: AT,
  delivery_status: 'delivered',
  delivered_at: LATER,
  read_at: null,
  delivery_error: null,
  created_at: AT,
  updated_at: LATER,
};

export const previewExample = {
  broadcast_id: BROADCAST_ID,
  contact_id: CONTACT_ID,
  message: {
    type: 'text',
    content: 'Hi Ada Lovelace! 50% off today. https://api.example.com/unsubscribe/eyJ...',
    template_id: null,
    variables: {},
    media_url: null,
    language: null,
    subject: null,
    html: null,
  },
  missing: null,
  reason: null,
  skip_reason: null,
  sms_parts: null,
  sms_encoding: null,
};

export const testSendExample = {
  id: '0195f3c2-8a1b-7c4d-9e2f-3a4b5c6d7e8f',
  broadcast_id: BROADCAST_ID,
  contact_id: CONTACT_ID,
  channel_id: CHANNEL_ID,
  status: 'sent',
  message_id: 'log-0195f3c2',
  error: null,
  failure: null,
  sms_parts: null,
  message: {
    type: 'text',
    content: 'Hi Ada Lovelace! 50% off today.',
    template_id: null,
    variables: {},
    media_url: null,
    subject: null,
    html: null,
    truncated: false,
  },
  created_at: AT,
  updated_at: AT,
};

export const timelineExample = {
  broadcast_id: BROADCAST_ID,
  bucket_seconds: 60,
  buckets: [
    { start: '2025-01-15T12:00:00.000Z', sent: 98, failed: 1, skipped: 1 },
    { start: '2025-01-15T12:01:00.000Z', sent: 100, failed: 0, skipped: 0 },
  ],
};

export const preflightExample = {
  broadcast_id: BROADCAST_ID,
  audience_size: 1200,
  would_send: 1150,
  would_skip: { opted_out: 20, suppressed: 5, no_address: 15, missing_variable: 10 },
  effective_rate_per_minute: 100,
  limited_by: 'broadcast_rate',
  estimated_duration_seconds: 690,
  estimated_cost_usd: 0.002066,
};

export const createChannelExample = {
  name: 'CRM webhook',
  type: 'webhook',
  is_default: true,
  config: { url: 'https://crm.example.com/hooks/messages', secret: 'a-long-random-shared-secret' },
};
export const updateChannelExample = {
  name: 'CRM webhook',
  type: 'webhook',
  config: { url: 'https://crm.example.com/v2' },
};

export const channelExample = {
  id: CHANNEL_ID,
  name: 'CRM webhook',
  type: 'webhook',
  config: { url: 'https://crm.example.com/hooks/messages', secret_set: true },
  is_default: true,
  required_address: 'any',
  max_messages_per_second: null,
  effective_messages_per_second: null,
  throttled_at: null,
  created_at: AT,
  updated_at: AT,
};

export const automationEventExample = {
  id: 'evt-2025-01-15-0001',
  source: 'automation',
  'detail-type': 'trigger_broadcast',
  detail: { tenant_id: 'acme', broadcast_id: BROADCAST_ID, override_schedule: false },
};
export const automationResultExample = { result: 'started', broadcast_id: BROADCAST_ID };

export const unsubscribedExample = { unsubscribed: true, opted_out: true, opted_out_at: AT };
export const webhookReceivedExample = { received: 2 };
export const healthExample = { status: 'ok' };

export const pageExample = <T>(item: T) => ({ items: [item], next_cursor: null });
