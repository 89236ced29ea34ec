import { type ExecutionReference, parseExecutionReference } from './execution-reference.js';

/**
 * The tags every e-mail carries (SES `EmailTags`), so that its events (delivery, bounce, complaint), which SES
 * publishes with the message's tags under `mail.tags`, find their execution without an index from SES message ids to
 * executions: the tenant (a stage may serve several), the broadcast, and the execution reference
 * (execution-reference.ts, `x1.…`; a test send's `t1.…` reference names no execution, so its events are dropped).
 *
 * SES allows only ASCII letters, digits, `_` and `-` in a tag's name and value, at most 256 characters (SES v2
 * API reference, MessageTag). Values are written in a reversible escape (encodeTagValue): a tenant id's `.` and the
 * reference's dots become `_2e`, and `_` itself `_5f`; everything else of those alphabets passes unchanged, so a tag
 * still reads well in the SES console.
 */
export const EMAIL_TAG_NAMES = {
  tenant: 'tenant_id',
  broadcast: 'broadcast_id',
  execution: 'execution_ref',
} as const;

export interface EmailTag {
  name: string;
  value: string;
}

/** SES's bound on a tag value. */
export const MAX_TAG_VALUE_CHARS = 256;

const PLAIN = /^[A-Za-z0-9-]$/;
const UTF8 = new TextEncoder();
const ENCODED = /^(?:[A-Za-z0-9-]|_[0-9a-f]{2})*$/;

/**
 * `text` in SES's tag alphabet: each UTF-8 byte of a character other than A-Z a-z 0-9 `-` as `_` and two lowercase
 * hex digits. Throws RangeError when the result would exceed 256 characters (no id of this service comes close).
 */
export function encodeTagValue(text: string): string {
  let encoded = '';
  for (const char of text) {
    if (PLAIN.test(char)) encoded += char;
    else for (const byte of UTF8.encode(char)) encoded += `_${byte.toString(16).padStart(2, '0')}`;
  }
  if (encoded.length === 0 || encoded.length > MAX_TAG_VALUE_CHARS) {
    throw new RangeError(`a tag value must encode to 1 to ${MAX_TAG_VALUE_CHARS} characters, not ${encoded.length}`);
  }
  return encoded;
}

/** The text encodeTagValue encoded, or undefined for anything it could not have written. */
export function decodeTagValue(value: string): string | undefined {
  if (value === '' || value.length > MAX_TAG_VALUE_CHARS || !ENCODED.test(value)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; ) {
    if (value[i] === '_') {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(value.charCodeAt(i));
      i += 1;
    }
  }
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return text.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

/** The tags of one message, in this order: tenant, broadcast, execution reference. */
export function emailTagsFor(message: {
  tenantId: string;
  broadcastId: string;
  executionReference: string;
}): EmailTag[] {
  return [
    { name: EMAIL_TAG_NAMES.tenant, value: encodeTagValue(message.tenantId) },
    { name: EMAIL_TAG_NAMES.broadcast, value: encodeTagValue(message.broadcastId) },
    { name: EMAIL_TAG_NAMES.execution, value: encodeTagValue(message.executionReference) },
  ];
}

/** What an event's tags say of its message; a field is absent when its tag is missing or not one this service wrote. */
export interface EmailTagReading {
  tenantId?: string;
  broadcastId?: string;
  /** The execution, when the message was a broadcast's (a test send's reference names none). */
  reference?: ExecutionReference;
}

/**
 * Reads the tags as SES events carry them: `mail.tags`, each tag name mapped to a list of values (SES adds its own,
 * `ses:configuration-set`, `ses:from-domain`, ...; they are ignored). A tag with several values is read as absent.
 */
export function readEmailTags(
  tags: Readonly<Record<string, readonly string[] | undefined>> | undefined,
): EmailTagReading {
  const one = (name: string): string | undefined => {
    const values = tags?.[name];
    if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string') return undefined;
    return decodeTagValue(values[0]);
  };
  const reading: EmailTagReading = {};
  const tenantId = one(EMAIL_TAG_NAMES.tenant);
  const broadcastId = one(EMAIL_TAG_NAMES.broadcast);
  const reference = parseExecutionReference(one(EMAIL_TAG_NAMES.execution));
  if (tenantId !== undefined) reading.tenantId = tenantId;
  if (broadcastId !== undefined) reading.broadcastId = broadcastId;
  if (reference !== undefined) reading.reference = reference;
  return reading;
}
