import { type ExecutionReference, formatExecutionReference, parseExecutionReference } from './execution-reference.js';

/**
 * What every e-mail (SES `EmailTags`) and SMS (`Context`) the service sends carries, so that the provider's delivery
 * events find their execution again: the tenant, and the execution reference (lib/domain/execution-reference.ts).
 * SES publishes a message's tags with each of its events (`detail.mail.tags.<name>: [value]`); End User Messaging SMS
 * echoes the context (`detail.context.<name>`).
 */
export const PROVIDER_TAGS = { tenant: 'bc_tenant', reference: 'bc_ref' } as const;

/**
 * The reference written in the alphabet SES allows in a tag value (ASCII letters, digits, `_` and `-`: no dots):
 * `x1_<executionId>_<broadcastId>_<chunk>_<contactId>`, 153 characters, within SES's 256. UUIDs hold no `_`, so the
 * dots come back unambiguously. SMS context values take the dotted form as well; either is read.
 */
export function tagSafeReference(reference: ExecutionReference | string): string {
  const formatted = typeof reference === 'string' ? reference : formatExecutionReference(reference);
  return formatted.replaceAll('.', '_');
}

/** The reference a provider echoed, in either spelling; undefined for anything this service did not write. */
export function parseProviderReference(text: string | undefined): ExecutionReference | undefined {
  if (text === undefined || text.includes('.')) return parseExecutionReference(text);
  return parseExecutionReference(text.replaceAll('_', '.'));
}
