import type { BroadcastStatus } from './logic/actions.js';

/** The API's resources as docs/api.md describes them (the fields the dashboard reads). */
export interface Broadcast {
  id: string;
  name: string;
  list_id: string;
  channel_id: string | null;
  message_template: {
    type: 'text' | 'template' | 'media';
    content: string | null;
    template_id: string | null;
    variables: Record<string, string> | null;
    media_url: string | null;
    subject?: string | null;
  };
  status: BroadcastStatus;
  status_reason: string | null;
  scheduled_for: string | null;
  timezone: string;
  started_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  rate_limit: number;
  total_contacts: number;
  created_at: string;
}

export interface Stats {
  total_contacts: number;
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  skipped: number;
  progress_percent: number;
  delivered?: number | null;
  read?: number | null;
  delivery_failed?: number | null;
  status: BroadcastStatus;
}

export interface ContactList {
  id: string;
  name: string;
  description: string | null;
  is_dynamic: boolean;
  filters: {
    pipeline_id: string | null;
    status_id: string | null;
    tags: string[];
    custom_fields: Record<string, string | number | boolean | null>;
  } | null;
  contact_count: number | null;
  created_at: string;
}

export interface Channel {
  id: string;
  name: string;
  type: string;
  is_default: boolean;
}

export interface Contact {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  tags: string[];
  pipeline_id: string | null;
  status_id: string | null;
  custom_fields: Record<string, string | number | boolean | null>;
}

export interface Execution {
  id: string;
  contact_id: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
  reason: string | null;
  error: string | null;
  attempts: number;
  sent_at: string | null;
  delivery_status: string | null;
}

/** GET /broadcasts/{id}/timeline */
export interface Timeline {
  broadcast_id: string;
  bucket_seconds: number;
  buckets: { start: string; sent: number; failed: number; skipped: number }[];
}

/** POST /broadcasts/{id}/preflight */
export interface Preflight {
  broadcast_id: string;
  audience_size: number;
  would_send: number;
  would_skip: { opted_out: number; suppressed: number; no_address: number; missing_variable: number };
  effective_rate_per_minute: number | null;
  limited_by: 'broadcast_rate' | 'channel_cap' | 'none';
  estimated_duration_seconds: number;
  estimated_cost_usd: number;
}

export interface Preview {
  message: Record<string, unknown> | null;
  missing: string[] | null;
  reason: string | null;
  skip_reason: string | null;
}
