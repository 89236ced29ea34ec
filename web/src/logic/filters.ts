import { filterClockAt, type ListFilters, matchesFilters } from '../../../lib/domain/contact-list.js';

/** A dynamic list's filters as the editor holds them: text fields, parsed on every keystroke. */
export interface FilterDraft {
  pipelineId: string;
  statusId: string;
  /** Comma-separated. */
  tags: string;
  /** One `field=value` a line; `true`, `false`, `null` and numbers are typed, the rest are strings. */
  customFields: string;
}

export const EMPTY_FILTER_DRAFT: FilterDraft = { pipelineId: '', statusId: '', tags: '', customFields: '' };

export type WireFilters = {
  pipeline_id?: string;
  status_id?: string;
  tags?: string[];
  custom_fields?: Record<string, string | number | boolean | null>;
};

/** The wire `filters` of a draft: only the criteria given. */
export function filtersOf(draft: FilterDraft): WireFilters {
  const tags = draft.tags
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  const customFields: Record<string, string | number | boolean | null> = {};
  for (const line of draft.customFields.split('\n')) {
    const at = line.indexOf('=');
    if (at <= 0) continue;
    customFields[line.slice(0, at).trim()] = typedValue(line.slice(at + 1).trim());
  }
  return {
    ...(draft.pipelineId.trim() ? { pipeline_id: draft.pipelineId.trim() } : {}),
    ...(draft.statusId.trim() ? { status_id: draft.statusId.trim() } : {}),
    ...(tags.length > 0 ? { tags } : {}),
    ...(Object.keys(customFields).length > 0 ? { custom_fields: customFields } : {}),
  };
}

/** The editor's text for stored filters (as presented: every field, null when unset). */
export function draftOf(filters: { [K in keyof WireFilters]?: WireFilters[K] | null } | null | undefined): FilterDraft {
  if (!filters) return EMPTY_FILTER_DRAFT;
  return {
    pipelineId: filters.pipeline_id ?? '',
    statusId: filters.status_id ?? '',
    tags: (filters.tags ?? []).join(', '),
    customFields: Object.entries(filters.custom_fields ?? {})
      .map(([field, value]) => `${field}=${value === null ? 'null' : String(value)}`)
      .join('\n'),
  };
}

function typedValue(text: string): string | number | boolean | null {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

export function hasCriterion(filters: WireFilters): boolean {
  return Object.keys(filters).length > 0;
}

/**
 * The narrowest `GET /contacts` query for these filters: the API filters contacts by one tag, a pipeline and a
 * status; the other tags and the custom fields are checked here, with the service's own matcher.
 */
export function contactsQueryOf(filters: WireFilters): URLSearchParams {
  const query = new URLSearchParams();
  const firstTag = filters.tags?.[0];
  if (firstTag !== undefined) query.set('tag', firstTag);
  if (filters.pipeline_id) query.set('pipeline_id', filters.pipeline_id);
  if (filters.status_id) query.set('status_id', filters.status_id);
  return query;
}

export interface WireContact {
  tags: string[];
  pipeline_id: string | null;
  status_id: string | null;
  custom_fields: Record<string, string | number | boolean | null>;
}

/** Whether a contact (as the API presents it) matches the filters, exactly as the service evaluates them now. */
export function contactMatches(contact: WireContact, filters: WireFilters, now: Date): boolean {
  const domainFilters: ListFilters = {
    ...(filters.pipeline_id ? { pipelineId: filters.pipeline_id } : {}),
    ...(filters.status_id ? { statusId: filters.status_id } : {}),
    ...(filters.tags ? { tags: filters.tags } : {}),
    ...(filters.custom_fields ? { customFields: filters.custom_fields } : {}),
  };
  const asDomain = {
    tags: contact.tags,
    pipelineId: contact.pipeline_id ?? undefined,
    statusId: contact.status_id ?? undefined,
    customFields: contact.custom_fields,
  };
  return matchesFilters(asDomain as Parameters<typeof matchesFilters>[0], domainFilters, filterClockAt(now));
}
