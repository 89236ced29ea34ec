import fc from 'fast-check';
import { formatExecutionReference, parseExecutionReference } from '../../../lib/domain/execution-reference.js';

const reference = {
  executionId: '0b0e3a52-5a0f-4c39-9a4e-2f4a6c1d9e01',
  broadcastId: 'f1d2c3b4-a5e6-4f70-8192-a3b4c5d6e7f8',
  chunk: 17,
  contactId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
};

describe('execution references', () => {
  it('reads back what it wrote, within WhatsApp’s 512 characters', () => {
    // Act
    const text = formatExecutionReference(reference);

    // Assess
    expect(text.length).toBeLessThanOrEqual(512);
    expect(parseExecutionReference(text)).toEqual(reference);
  });

  it('round-trips any ids and chunk', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.uuid(),
        fc.nat({ max: 999_999_999 }),
        fc.uuid(),
        (executionId, broadcastId, chunk, contactId) => {
          const written = { executionId, broadcastId, chunk, contactId };
          expect(parseExecutionReference(formatExecutionReference(written))).toEqual(written);
        },
      ),
    );
  });

  it.each([
    ['nothing', undefined],
    ['an empty string', ''],
    ['another version', formatExecutionReference(reference).replace(/^x1/, 'x2')],
    ['a bare execution id', reference.executionId],
    ['a forged chunk', formatExecutionReference(reference).replace('.17.', '.-1.')],
    ['trailing data', `${formatExecutionReference(reference)}.extra`],
    ['upper-case ids', formatExecutionReference(reference).toUpperCase()],
  ])('refuses %s', (_, text) => {
    // Act
    const parsed = parseExecutionReference(text);

    // Assess
    expect(parsed).toBeUndefined();
  });
});
