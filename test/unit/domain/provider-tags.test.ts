import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { type ExecutionReference, formatExecutionReference } from '../../../lib/domain/execution-reference.js';
import { parseProviderReference, tagSafeReference } from '../../../lib/domain/provider-tags.js';

const references = fc.record({
  executionId: fc.uuid({ version: 4 }),
  broadcastId: fc.uuid({ version: 4 }),
  chunk: fc.integer({ min: 0, max: 999_999_999 }),
  contactId: fc.uuid({ version: 4 }),
});

describe('execution references in provider tags', () => {
  it("fits SES's tag alphabet and length, and reads back in either spelling", () => {
    fc.assert(
      fc.property(references, (reference: ExecutionReference) => {
        // Act
        const tag = tagSafeReference(reference);

        // Assess
        expect(tag).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
        expect(parseProviderReference(tag)).toEqual(reference);
        expect(parseProviderReference(formatExecutionReference(reference))).toEqual(reference);
        expect(tagSafeReference(formatExecutionReference(reference))).toBe(tag);
      }),
    );
  });

  it('reads nothing it did not write', () => {
    // Prepare
    const id = randomUUID();

    // Act
    const read = ['', 'x1', `x1_${id}`, `x2_${id}_${id}_0_${id}`, `x1_${id}_${id}_-1_${id}`, `x1.${id}_${id}_0_${id}`];

    // Assess
    for (const text of read) expect(parseProviderReference(text)).toBeUndefined();
    expect(parseProviderReference(undefined)).toBeUndefined();
  });
});
