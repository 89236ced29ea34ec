import fc from 'fast-check';
import { applyContactFields } from '../../../lib/domain/contact.js';
import { UnprocessableError } from '../../../lib/domain/errors.js';
import {
  applySuppressionsInput,
  isSuppressed,
  type Suppression,
  suppressionKindFor,
  withSuppression,
} from '../../../lib/domain/suppression.js';
import { aContact } from '../../support/builders.js';

const AT = '2026-03-01T10:00:00.000Z';
const LATER = '2026-03-02T10:00:00.000Z';

describe('suppressionKindFor', () => {
  it.each([
    ['email_ses', 'email', 'email'],
    ['email_ses', 'any', 'email'],
    ['webhook', 'email', 'email'],
    ['webhook', 'phone', undefined],
    ['webhook', 'any', undefined],
    ['sms', 'phone', 'sms'],
    ['whatsapp', 'phone', undefined],
    ['log', 'none', undefined],
  ] as const)('a %s channel requiring %s honours %s suppressions', (type, requiredAddress, kind) => {
    // Act
    const honoured = suppressionKindFor({ type: type as never, requiredAddress });

    // Assess
    expect(honoured).toBe(kind);
  });
});

describe('isSuppressed', () => {
  it('holds for the address it was recorded for, whatever its case and blanks, and for no other', () => {
    // Prepare
    const suppression: Suppression = { reason: 'bounce', at: AT, address: 'Ana@Example.com' };

    // Act
    const same = isSuppressed({ email: ' ana@example.COM ', suppressions: { email: suppression } }, 'email');
    const other = isSuppressed({ email: 'ana@example.org', suppressions: { email: suppression } }, 'email');
    const gone = isSuppressed({ suppressions: { email: suppression } }, 'email');
    const otherKind = isSuppressed({ email: 'ana@example.com', suppressions: { email: suppression } }, 'sms');

    // Assess
    expect([same, other, gone, otherKind]).toEqual([true, false, false, false]);
  });
});

describe('withSuppression', () => {
  it('keeps the first report for an address, and replaces one recorded for another address', () => {
    // Prepare
    const first: Suppression = { reason: 'bounce', at: AT, address: 'ana@example.com' };
    const stored = { email: first };

    // Act
    const duplicate = withSuppression(stored, 'email', { ...first, at: LATER });
    const complaint = withSuppression(stored, 'email', { reason: 'complaint', at: LATER, address: 'ANA@example.com' });
    const moved = withSuppression(stored, 'email', { reason: 'bounce', at: LATER, address: 'ana@new.example' });
    const fresh = withSuppression(undefined, 'sms', { reason: 'carrier_opt_out', at: AT, address: '+15550001111' });

    // Assess
    expect(duplicate).toBeUndefined();
    expect(complaint).toBeUndefined();
    expect(moved).toEqual({ email: { reason: 'bounce', at: LATER, address: 'ana@new.example' } });
    expect(fresh).toEqual({ sms: { reason: 'carrier_opt_out', at: AT, address: '+15550001111' } });
  });
});

describe('applySuppressionsInput (what a create or PUT says)', () => {
  const stored = {
    email: { reason: 'bounce', at: AT, address: 'ana@example.com' },
    sms: { reason: 'carrier_opt_out', at: AT, address: '+15550001111' },
  } as const;
  const contact = { email: 'ana@example.com', phone: '+15550001111' };

  it('keeps every kind when the fields leave suppressions out, and a kind they leave out', () => {
    // Act
    const untouched = applySuppressionsInput(stored, undefined, contact, LATER);
    const emptyObject = applySuppressionsInput(stored, {}, contact, LATER);

    // Assess
    expect(untouched).toEqual(stored);
    expect(emptyObject).toEqual(stored);
  });

  it('clears a kind given as null and keeps the other; clearing the last one leaves none', () => {
    // Act
    const oneCleared = applySuppressionsInput(stored, { email: null }, contact, LATER);
    const bothCleared = applySuppressionsInput(stored, { email: null, sms: null }, contact, LATER);

    // Assess
    expect(oneCleared).toEqual({ sms: stored.sms });
    expect(bothCleared).toBeUndefined();
  });

  it("sets one for the contact's address at the time of the change, or for the address given", () => {
    // Act
    const set = applySuppressionsInput(undefined, { email: { reason: 'manual' } }, contact, LATER);
    const forAddress = applySuppressionsInput(
      undefined,
      { sms: { reason: 'carrier_opt_out', at: AT, address: '+15550002222' } },
      contact,
      LATER,
    );

    // Assess
    expect(set).toEqual({ email: { reason: 'manual', at: LATER, address: 'ana@example.com' } });
    expect(forAddress).toEqual({ sms: { reason: 'carrier_opt_out', at: AT, address: '+15550002222' } });
  });

  it('keeps the stored time when the same suppression is sent back without one', () => {
    // Act
    const sentBack = applySuppressionsInput(stored, { email: { reason: 'bounce' } }, contact, LATER);

    // Assess
    expect(sentBack?.email).toEqual(stored.email);
  });

  it('refuses a suppression for a kind of address the contact does not have, naming the field', () => {
    // Act
    const attempt = () => applySuppressionsInput(undefined, { sms: { reason: 'manual' } }, { email: 'a@b.c' }, LATER);

    // Assess
    expect(attempt).toThrow(UnprocessableError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'contact.suppression_without_address' }));
  });
});

describe('applyContactFields and suppressions', () => {
  it('never clears a suppression by omission, whatever else a PUT changes', () => {
    fc.assert(
      fc.property(
        fc.record({
          name: fc.string({ minLength: 1, maxLength: 5 }),
          optedOut: fc.boolean(),
          tags: fc.array(fc.string()),
        }),
        (fields) => {
          // Prepare
          const contact = aContact('tenant-a', {
            email: 'ana@example.com',
            suppressions: { email: { reason: 'bounce', at: AT } },
          });

          // Act
          const replaced = applyContactFields(contact, { email: 'ana@example.com', ...fields }, LATER);

          // Assess
          expect(replaced.suppressions).toEqual(contact.suppressions);
        },
      ),
    );
  });

  it('keeps a suppression recorded for an e-mail the contact no longer has, without applying it', () => {
    // Prepare
    const contact = aContact('tenant-a', {
      email: 'old@example.com',
      suppressions: { email: { reason: 'bounce', at: AT } },
    });

    // Act
    const moved = applyContactFields(contact, { email: 'new@example.com' }, LATER);
    const back = applyContactFields(moved, { email: 'OLD@example.com' }, LATER);

    // Assess
    expect(moved.suppressions?.email?.address).toBe('old@example.com');
    expect(isSuppressed(moved, 'email')).toBe(false);
    expect(isSuppressed(back, 'email')).toBe(true);
  });
});
