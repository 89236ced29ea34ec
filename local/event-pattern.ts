import type { EventPattern } from '../lib/adapters/provider-events/rule-patterns.js';

/**
 * Whether an event matches a pattern, as EventBridge matches the patterns this service deploys: every field the
 * pattern names must be in the event; a list in the pattern matches a value equal to one of its members (or, when the
 * event's value is itself a list, one member in common); an object matches field by field inside. The rest of
 * EventBridge's syntax (prefix, numeric, exists, ...) is not used by the stage's rules and not supported here.
 */
export function matchesPattern(pattern: EventPattern | Record<string, unknown>, event: unknown): boolean {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return false;
  return Object.entries(pattern).every(([field, expected]) => {
    const actual = Object.hasOwn(event, field) ? (event as Record<string, unknown>)[field] : undefined;
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      return values.some((value) => expected.includes(value));
    }
    return (
      expected !== null && typeof expected === 'object' && matchesPattern(expected as Record<string, unknown>, actual)
    );
  });
}
