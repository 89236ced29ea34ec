import type { Contact } from '../../../lib/domain/contact.js';
import { filterClockAt, matchesFilters } from '../../../lib/domain/contact-list.js';

const clock = filterClockAt(new Date('2025-01-15T14:00:00Z'));

function contact(extra: Partial<Contact>): Contact {
  return {
    id: 'c-1',
    tenantId: 'acme',
    tags: [],
    customFields: {},
    optedOut: false,
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
    ...extra,
  };
}

describe('Dynamic list filters', () => {
  it('fixes today and yesterday once per evaluation, in UTC', () => {
    expect(clock).toEqual({ today: '2025-01-15', yesterday: '2025-01-14' });
  });

  it('needs every given criterion to hold (seed Example 1)', () => {
    // Prepare
    const filters = { pipelineId: 'p', statusId: 's', tags: ['customer', 'active'] };

    // Act / Assess
    expect(
      matchesFilters(contact({ pipelineId: 'p', statusId: 's', tags: ['active', 'customer', 'x'] }), filters, clock),
    ).toBe(true);
    expect(matchesFilters(contact({ pipelineId: 'p', statusId: 's', tags: ['customer'] }), filters, clock)).toBe(false);
    expect(
      matchesFilters(contact({ pipelineId: 'p', statusId: 'other', tags: ['customer', 'active'] }), filters, clock),
    ).toBe(false);
    expect(matchesFilters(contact({ statusId: 's', tags: ['customer', 'active'] }), filters, clock)).toBe(false);
  });

  it('compares custom fields for equality, with the today token on the date part (seed Example 3)', () => {
    const filters = { customFields: { cart_status: 'abandoned', abandoned_date: 'today' } };
    expect(
      matchesFilters(
        contact({ customFields: { cart_status: 'abandoned', abandoned_date: '2025-01-15' } }),
        filters,
        clock,
      ),
    ).toBe(true);
    expect(
      matchesFilters(
        contact({ customFields: { cart_status: 'abandoned', abandoned_date: '2025-01-15T09:30:00Z' } }),
        filters,
        clock,
      ),
    ).toBe(true);
    expect(
      matchesFilters(
        contact({ customFields: { cart_status: 'abandoned', abandoned_date: '2025-01-14' } }),
        filters,
        clock,
      ),
    ).toBe(false);
    expect(
      matchesFilters(contact({ customFields: { cart_status: 'paid', abandoned_date: '2025-01-15' } }), filters, clock),
    ).toBe(false);
    expect(matchesFilters(contact({ customFields: { cart_status: 'abandoned' } }), filters, clock)).toBe(false);
  });

  it('converts date-times with an offset to UTC before comparing dates', () => {
    const filters = { customFields: { seen: 'yesterday' } };
    // 21:30 at -03:00 on the 13th is 00:30 UTC on the 14th.
    expect(matchesFilters(contact({ customFields: { seen: '2025-01-13T21:30:00-03:00' } }), filters, clock)).toBe(true);
    expect(matchesFilters(contact({ customFields: { seen: 'not a date' } }), filters, clock)).toBe(false);
    expect(matchesFilters(contact({ customFields: { seen: 20250114 } }), filters, clock)).toBe(false);
  });

  it('compares numbers and booleans strictly', () => {
    const filters = { customFields: { vip: true, orders: 3 } };
    expect(matchesFilters(contact({ customFields: { vip: true, orders: 3 } }), filters, clock)).toBe(true);
    expect(matchesFilters(contact({ customFields: { vip: 'true', orders: 3 } }), filters, clock)).toBe(false);
    expect(matchesFilters(contact({ customFields: { vip: true, orders: '3' } }), filters, clock)).toBe(false);
  });
});
