import fc from 'fast-check';
import {
  decodeTagValue,
  EMAIL_TAG_NAMES,
  emailTagsFor,
  encodeTagValue,
  readEmailTags,
} from '../../../lib/domain/email-tags.js';
import { formatExecutionReference, parseExecutionReference } from '../../../lib/domain/execution-reference.js';
import { testSendReference } from '../../../lib/domain/test-send.js';

const SES_ALPHABET = /^[A-Za-z0-9_-]{1,256}$/;
const UUID_A = '0b9c2f3e-5a41-4a7c-9a55-1f0e2d3c4b5a';
const UUID_B = '7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const UUID_C = '11111111-2222-4333-8444-555555555555';

describe('encodeTagValue / decodeTagValue', () => {
  it.each([
    ['acme', 'acme'],
    ['t-0b9c2f3e', 't-0b9c2f3e'],
    ['acme.prod_eu', 'acme_2eprod_5feu'],
    ['São', 'S_c3_a3o'],
  ])('%s is written %s', (text, encoded) => {
    expect(encodeTagValue(text)).toBe(encoded);
    expect(decodeTagValue(encoded)).toBe(text);
  });

  it('any text of 1 to 64 characters encodes into SES tag alphabet and decodes back unchanged', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }), (text) => {
        const encoded = encodeTagValue(text);
        expect(encoded).toMatch(SES_ALPHABET);
        expect(decodeTagValue(encoded)).toBe(text);
      }),
    );
  });

  it('refuses what it could not write: empty, a stray underscore, bad hex, invalid UTF-8, too long', () => {
    for (const value of ['', 'a_', 'a_zz', 'a_2', 'a.b', '_ff', 'x'.repeat(257)]) {
      expect(decodeTagValue(value)).toBeUndefined();
    }
  });

  it('throws for a value that would not fit 256 characters', () => {
    expect(() => encodeTagValue('.'.repeat(86))).toThrow(RangeError);
    expect(() => encodeTagValue('')).toThrow(RangeError);
  });
});

describe('emailTagsFor / readEmailTags', () => {
  const reference = formatExecutionReference({
    executionId: UUID_A,
    broadcastId: UUID_B,
    chunk: 12,
    contactId: UUID_C,
  });

  it('tags tenant, broadcast and execution reference, all within SES limits, and reads them back', () => {
    // Act
    const tags = emailTagsFor({ tenantId: 'acme.prod', broadcastId: UUID_B, executionReference: reference });

    // Assess
    expect(tags.map((tag) => tag.name)).toEqual([
      EMAIL_TAG_NAMES.tenant,
      EMAIL_TAG_NAMES.broadcast,
      EMAIL_TAG_NAMES.execution,
    ]);
    for (const tag of tags) {
      expect(tag.name).toMatch(SES_ALPHABET);
      expect(tag.value).toMatch(SES_ALPHABET);
    }
    const mailTags = Object.fromEntries(tags.map((tag) => [tag.name, [tag.value]]));
    expect(readEmailTags({ ...mailTags, 'ses:from-domain': ['acme.example'] })).toEqual({
      tenantId: 'acme.prod',
      broadcastId: UUID_B,
      reference: parseExecutionReference(reference),
    });
  });

  it("a test send's tags name its tenant and broadcast but no execution", () => {
    const tags = emailTagsFor({
      tenantId: 'acme',
      broadcastId: UUID_B,
      executionReference: testSendReference(UUID_A, UUID_B),
    });
    const mailTags = Object.fromEntries(tags.map((tag) => [tag.name, [tag.value]]));
    expect(readEmailTags(mailTags)).toEqual({ tenantId: 'acme', broadcastId: UUID_B });
  });

  it('reads nothing from missing, repeated, forged or malformed tags', () => {
    expect(readEmailTags(undefined)).toEqual({});
    expect(readEmailTags({})).toEqual({});
    expect(readEmailTags({ tenant_id: ['a', 'b'], execution_ref: ['x1.not-a-reference'] })).toEqual({});
    expect(readEmailTags({ tenant_id: ['a.b'], broadcast_id: [] })).toEqual({});
  });
});
