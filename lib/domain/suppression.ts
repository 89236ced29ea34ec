import type { Channel } from './channel.js';
import { UnprocessableError } from './errors.js';

/**
 * Addresses a provider told us not to use again, per kind of address: a contact's e-mail after a permanent bounce or a
 * complaint, its phone number for SMS after a carrier opt-out (the person texted STOP). A suppression belongs to the
 * address it was recorded for: a contact whose e-mail changes since is not suppressed at the new one, and is again if
 * the old one comes back.
 *
 * Which channels honour which kind (docs/provider-events.md):
 * - `email`: every channel that delivers to the contact's e-mail (type `email_ses`, or any channel whose required
 *   address is `email`). A permanent bounce means the mailbox does not exist, whoever sends to it.
 * - `sms`: SMS channels only. A carrier opt-out is the person's answer to SMS from that sender; it says nothing of
 *   WhatsApp, which has its own opt-in, so a WhatsApp send is not blocked by it.
 */
export const SUPPRESSION_KINDS = ['email', 'sms'] as const;
export type SuppressionKind = (typeof SUPPRESSION_KINDS)[number];

/** Why an address is suppressed: what the provider reported, or `manual` when the CRM said so. */
export const SUPPRESSION_REASONS = {
  email: ['bounce', 'complaint', 'manual'],
  sms: ['carrier_opt_out', 'manual'],
} as const satisfies Record<SuppressionKind, readonly string[]>;
export type SuppressionReason<K extends SuppressionKind = SuppressionKind> = (typeof SUPPRESSION_REASONS)[K][number];

export interface Suppression {
  reason: SuppressionReason;
  /** When the provider reported it (or the CRM set it), ISO 8601. */
  at: string;
  /** The address it was recorded for: the contact's e-mail, or its phone number (E.164). */
  address: string;
}

export type Suppressions = Partial<Record<SuppressionKind, Suppression>>;

/** What a create or PUT may say of one kind: `null` clears it, an object sets it, absent keeps it. */
export interface SuppressionInput {
  reason: SuppressionReason;
  at?: string;
  /** Absent: the contact's address of that kind (after the change). */
  address?: string;
}
export type SuppressionsInput = Partial<Record<SuppressionKind, SuppressionInput | null>>;

/** The contact fields a suppression is read against. */
export interface Addressed {
  email?: string;
  phone?: string;
  suppressions?: Suppressions;
}

/** Channel types that send SMS, and those that send e-mail whatever their required address says. */
const SMS_CHANNEL_TYPES: ReadonlySet<string> = new Set(['sms']);
const EMAIL_CHANNEL_TYPES: ReadonlySet<string> = new Set(['email_ses']);

/** The kind of suppression a channel honours, or undefined for one that honours none (log, WhatsApp, ...). */
export function suppressionKindFor(channel: Pick<Channel, 'type' | 'requiredAddress'>): SuppressionKind | undefined {
  if (SMS_CHANNEL_TYPES.has(channel.type)) return 'sms';
  if (EMAIL_CHANNEL_TYPES.has(channel.type) || channel.requiredAddress === 'email') return 'email';
  return undefined;
}

/** The contact's address of a kind: its e-mail, or its phone for SMS. */
export function addressOf(contact: Pick<Addressed, 'email' | 'phone'>, kind: SuppressionKind): string | undefined {
  return kind === 'email' ? contact.email : contact.phone;
}

/**
 * Two spellings of one address: e-mail compared without case and surrounding blanks (providers report the address
 * as the receiving server wrote it; nobody runs case-sensitive mailboxes), phone numbers without blanks.
 */
export function sameAddress(kind: SuppressionKind, a: string, b: string): boolean {
  const normal = (value: string) => (kind === 'email' ? value.trim().toLowerCase() : value.replace(/\s+/g, ''));
  return normal(a) === normal(b);
}

/** True when the contact's current address of this kind is suppressed. */
export function isSuppressed(contact: Addressed, kind: SuppressionKind): boolean {
  const suppression = contact.suppressions?.[kind];
  const address = addressOf(contact, kind);
  return suppression !== undefined && address !== undefined && sameAddress(kind, suppression.address, address);
}

/**
 * The suppressions after a provider reports one: the first report for an address wins (a duplicate, or a complaint
 * after a bounce, changes nothing, so `at` says when it started); a report for another address than the recorded one
 * replaces it. Undefined when nothing changes.
 */
export function withSuppression(
  current: Suppressions | undefined,
  kind: SuppressionKind,
  incoming: Suppression,
): Suppressions | undefined {
  const existing = current?.[kind];
  if (existing && sameAddress(kind, existing.address, incoming.address)) return undefined;
  return { ...current, [kind]: incoming };
}

/**
 * Applies what a create or PUT says of the suppressions to the ones stored, `contact` being the contact as it will be
 * (its addresses after the change): a kind left out is kept, `null` clears it, an object sets it (for `address`, else
 * the contact's address of that kind). Setting one the same as the stored one (same reason and address) keeps its
 * `at`, so sending back what GET showed changes nothing. A suppression for a contact without that address and without
 * an `address` is refused: 422 `contact.suppression_without_address`.
 */
export function applySuppressionsInput(
  stored: Suppressions | undefined,
  input: SuppressionsInput | undefined,
  contact: Pick<Addressed, 'email' | 'phone'>,
  now: string,
): Suppressions | undefined {
  if (input === undefined) return stored;
  const next: Suppressions = { ...stored };
  for (const kind of SUPPRESSION_KINDS) {
    const given = input[kind];
    if (given === undefined) continue;
    if (given === null) {
      delete next[kind];
      continue;
    }
    const address = given.address ?? addressOf(contact, kind);
    if (address === undefined) {
      throw new UnprocessableError(
        'contact.suppression_without_address',
        `a ${kind} suppression needs the contact's ${kind === 'email' ? 'email' : 'phone'} or an address`,
        [{ field: `suppressions.${kind}`, message: `the contact has no ${kind === 'email' ? 'email' : 'phone'}` }],
      );
    }
    const existing = next[kind];
    const unchanged = existing?.reason === given.reason && sameAddress(kind, existing.address, address);
    next[kind] = { reason: given.reason, at: given.at ?? (unchanged && existing ? existing.at : now), address };
  }
  return Object.keys(next).length > 0 ? next : undefined;
}
