import fc from 'fast-check';
import { isGsm7Character, smsPartsOf } from '../../../lib/domain/sms-parts.js';

/** The GSM 03.38 default alphabet (less the escape) and its extension table, written out again independently. */
const BASIC = [
  ...'@£$¥èéùìòÇ\nØø\rÅå',
  ...'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ',
  ...' !"#¤%&\'()*+,-./',
  ...'0123456789:;<=>?',
  ...'¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§',
  ...'¿abcdefghijklmnopqrstuvwxyzäöñüà',
];
const EXTENSION = [...'\f^{}\\[~]|€'];

const gsmBasic = fc.constantFrom(...BASIC);
const gsmAny = fc.oneof({ weight: 4, arbitrary: gsmBasic }, { weight: 1, arbitrary: fc.constantFrom(...EXTENSION) });
/** Characters outside GSM-7: accented letters GSM lacks, CJK, and emoji (surrogate pairs). */
const notGsm = fc.constantFrom('ç', 'á', 'õ', 'ł', 'Ë', '中', '😀', '👍🏽', '𝒜');
const septets = (text: string) => [...text].reduce((sum, c) => sum + (EXTENSION.includes(c) ? 2 : 1), 0);

describe('smsPartsOf', () => {
  it('knows the 127 characters of the default alphabet and the 10 of the extension table, and no others', () => {
    // Assess
    expect(new Set(BASIC).size).toBe(127);
    for (const c of [...BASIC, ...EXTENSION]) expect(isGsm7Character(c)).toBe(true);
    for (const c of ['ç', 'á', '`', '\t', '\u001b', '😀', 'Ç'.toLowerCase()]) expect(isGsm7Character(c)).toBe(false);
  });

  it.each([
    ['', 'GSM-7', 0, 1],
    ['a'.repeat(160), 'GSM-7', 160, 1],
    ['a'.repeat(161), 'GSM-7', 161, 2],
    ['a'.repeat(306), 'GSM-7', 306, 2],
    ['a'.repeat(307), 'GSM-7', 307, 3],
    ['{'.repeat(80), 'GSM-7', 160, 1],
    ['{'.repeat(81), 'GSM-7', 162, 2],
    // 152 septets, then an escape pair that does not fit in the 153rd: it starts the second part.
    [`${'a'.repeat(152)}€${'a'.repeat(10)}`, 'GSM-7', 164, 2],
    [`${'a'.repeat(305)}€`, 'GSM-7', 307, 3],
    ['ç'.repeat(70), 'UCS-2', 70, 1],
    ['ç'.repeat(71), 'UCS-2', 71, 2],
    ['ç'.repeat(134), 'UCS-2', 134, 2],
    ['ç'.repeat(135), 'UCS-2', 135, 3],
    ['😀'.repeat(35), 'UCS-2', 70, 1],
    // 33 pairs fill 66 of a part's 67 units: the 34th pair starts the next part.
    ['😀'.repeat(36), 'UCS-2', 72, 2],
    // 134 units would fit two parts of 67, but the pair after 66 units cannot be cut: it opens a second part of 68.
    [`${'a'.repeat(66)}😀${'a'.repeat(66)}`, 'UCS-2', 134, 3],
    // One character outside GSM-7 turns the whole text UCS-2: 100 characters, two parts instead of one.
    [`${'a'.repeat(99)}ç`, 'UCS-2', 100, 2],
  ])('%#: %j is %s, %i units, %i part(s)', (text, encoding, length, parts) => {
    // Act and assess
    expect(smsPartsOf(text)).toEqual({ encoding, length, parts });
  });

  it('counts GSM-7 septets, an extension character as two, in one part up to 160 and in parts of 153 beyond', () => {
    fc.assert(
      fc.property(fc.array(gsmAny, { maxLength: 1200 }), (characters) => {
        // Prepare
        const text = characters.join('');
        const length = septets(text);

        // Act
        const result = smsPartsOf(text);

        // Assess: an escape pair is never cut, so a part may hold 152 septets, never more than 153.
        expect(result.encoding).toBe('GSM-7');
        expect(result.length).toBe(length);
        if (length <= 160) expect(result.parts).toBe(1);
        else {
          expect(result.parts).toBeGreaterThanOrEqual(Math.ceil(length / 153));
          expect(result.parts).toBeLessThanOrEqual(Math.ceil(length / 152));
        }
        if (!characters.some((c) => EXTENSION.includes(c)) && length > 160) {
          expect(result.parts).toBe(Math.ceil(length / 153));
        }
      }),
    );
  });

  it('counts UTF-16 code units once one character is outside GSM-7: 70 alone, parts of 67 beyond', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(gsmAny, notGsm), { maxLength: 600 }), notGsm, fc.nat(), (characters, odd, at) => {
        // Prepare: at least one character outside GSM-7, somewhere.
        characters.splice(at % (characters.length + 1), 0, odd);
        const text = characters.join('');

        // Act
        const result = smsPartsOf(text);

        // Assess: UTF-16 code units (a surrogate pair counts 2 and is never cut, so a part holds 66 or 67).
        expect(result.encoding).toBe('UCS-2');
        expect(result.length).toBe(text.length);
        if (text.length <= 70) expect(result.parts).toBe(1);
        else {
          expect(result.parts).toBeGreaterThanOrEqual(Math.ceil(text.length / 67));
          expect(result.parts).toBeLessThanOrEqual(Math.ceil(text.length / 66));
        }
      }),
    );
  });

  it('never takes fewer parts for a longer text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(gsmAny, notGsm), { maxLength: 400 }),
        fc.oneof(gsmAny, notGsm),
        (characters, more) => {
          // Prepare
          const text = characters.join('');

          // Act and assess
          expect(smsPartsOf(text + more).parts).toBeGreaterThanOrEqual(smsPartsOf(text).parts);
        },
      ),
    );
  });
});
