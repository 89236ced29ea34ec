/**
 * How many message parts (segments) an SMS text takes, as carriers count them: their throughput limits (MPS, message
 * parts per second) and AWS's price are per part, not per message. Pure; see docs/sms.md.
 *
 * - GSM-7 when every character is in the GSM 03.38 default alphabet or its extension table: 160 septets alone,
 *   153 per part once split (the other 7 carry the concatenation header). An extension-table character (`{ } [ ] \
 *   ~ ^ | €` and form feed) is an escape plus a character: 2 septets, never cut across two parts.
 * - UCS-2 otherwise (one character outside GSM-7 turns the whole message to UCS-2): 70 UTF-16 code units alone, 67
 *   per part; a character outside the Basic Multilingual Plane (most emoji) is a surrogate pair, 2 units, never cut
 *   across two parts.
 */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsParts {
  encoding: SmsEncoding;
  /** The text's length in its encoding's units: septets for GSM-7, UTF-16 code units for UCS-2. */
  length: number;
  /** Message parts; at least 1 (an empty text is still one message). */
  parts: number;
}

/** GSM 03.38 default alphabet, in table order (0x1B, the escape, left out: it is no character of a text). */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** The extension table's characters: each is sent as the escape plus one septet. */
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

export const GSM7_SINGLE_PART = 160;
export const GSM7_PER_PART = 153;
export const UCS2_SINGLE_PART = 70;
export const UCS2_PER_PART = 67;

export function smsPartsOf(text: string): SmsParts {
  const characters = [...text];
  const gsm = characters.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c));
  if (gsm) {
    const sizes = characters.map((c) => (GSM_EXTENSION.has(c) ? 2 : 1));
    return { encoding: 'GSM-7', ...packed(sizes, GSM7_SINGLE_PART, GSM7_PER_PART) };
  }
  // A code point above U+FFFF is two UTF-16 code units (a surrogate pair).
  const sizes = characters.map((c) => c.length);
  return { encoding: 'UCS-2', ...packed(sizes, UCS2_SINGLE_PART, UCS2_PER_PART) };
}

/** The GSM-7 alphabet, for tests and for telling a user which characters keep a message in GSM-7. */
export function isGsm7Character(character: string): boolean {
  return GSM_BASIC.has(character) || GSM_EXTENSION.has(character);
}

/**
 * Characters of `sizes` units each: one part when they all fit in `single`; otherwise parts of at most `perPart`,
 * filled in order, a character that does not fit whole starting the next part.
 */
function packed(sizes: readonly number[], single: number, perPart: number): { length: number; parts: number } {
  const length = sizes.reduce((sum, size) => sum + size, 0);
  if (length <= single) return { length, parts: 1 };
  let parts = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > perPart) {
      parts++;
      used = 0;
    }
    used += size;
  }
  return { length, parts };
}
