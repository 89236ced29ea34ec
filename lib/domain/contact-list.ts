import type { Contact, CustomFieldValue } from './contact.js';

/** Criteria of a dynamic list. Every given criterion must hold. */
export interface ListFilters {
  pipelineId?: string;
  statusId?: string;
  /** The contact has every one of these tags. */
  tags?: string[];
  /** Equality per field; the tokens "today" and "yesterday" compare the date part of the field. */
  customFields?: Record<string, CustomFieldValue>;
}

export interface ContactList {
  id: string;
  tenantId: string;
  name: string;
  description?: string;
  tags: string[];
  isDynamic: boolean;
  filters?: ListFilters;
  /** Members of a static list, maintained with every add and remove. Undefined for dynamic lists. */
  contactCount?: number;
  createdAt: string;
  updatedAt: string;
}

export const RELATIVE_DATE_TOKENS = ['today', 'yesterday'] as const;

/** The calendar dates the relative tokens stand for, fixed once per evaluation. */
export interface FilterClock {
  today: string;
  yesterday: string;
}

export function filterClockAt(now: Date): FilterClock {
  const day = 24 * 60 * 60 * 1000;
  return { today: isoDate(now), yesterday: isoDate(new Date(now.getTime() - day)) };
}

export function matchesFilters(contact: Contact, filters: ListFilters, clock: FilterClock): boolean {
  if (filters.pipelineId !== undefined && contact.pipelineId !== filters.pipelineId) return false;
  if (filters.statusId !== undefined && contact.statusId !== filters.statusId) return false;
  if (filters.tags?.some((tag) => !contact.tags.includes(tag))) return false;
  for (const [field, expected] of Object.entries(filters.customFields ?? {})) {
    if (!customFieldMatches(contact.customFields[field], expected, clock)) return false;
  }
  return true;
}

function customFieldMatches(actual: CustomFieldValue | undefined, expected: CustomFieldValue, clock: FilterClock) {
  if (expected === 'today' || expected === 'yesterday') {
    return typeof actual === 'string' && datePart(actual) === clock[expected];
  }
  return actual === expected;
}

/**
 * The UTC calendar date of a stored value: a plain date stays as it is, a date-time with an offset is
 * converted first, so "2025-01-15T23:30:00-03:00" counts as 2025-01-16.
 */
function datePart(value: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : isoDate(new Date(time));
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
