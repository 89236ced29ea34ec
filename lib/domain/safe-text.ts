/**
 * Text that came from outside (a provider's error answer, a thrown error's message) on its way into something an
 * operator reads: an execution's `error`, a pause reason, a log line. One line, no control characters, bounded.
 */

/** At most this many characters of such text are kept. */
export const MAX_REASON_CHARS = 200;

/**
 * Control characters (C0, DEL, C1) and the bidirectional overrides and isolates: they can break a line, hide text,
 * drive a terminal or make a reason read backwards.
 */
const UNSAFE_RUN = /[\p{Cc}\s\u202a-\u202e\u2066-\u2069]+/gu;

/** One line: every run of control characters, bidirectional controls and whitespace becomes one space. */
export function oneLine(text: string): string {
  return text.replace(UNSAFE_RUN, ' ').trim();
}

/** At most `max` characters, an ellipsis marking a cut. */
export function truncate(text: string, max = MAX_REASON_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** oneLine, then truncate: what any outside text goes through before it is stored or shown. */
export function safeReason(text: string, max = MAX_REASON_CHARS): string {
  return truncate(oneLine(text), max);
}
