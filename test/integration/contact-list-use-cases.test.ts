import type { Contact, ContactFields } from '../../lib/domain/contact.js';
import type { ListFilters } from '../../lib/domain/contact-list.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../lib/domain/errors.js';
import { createBroadcast, deleteBroadcast, updateBroadcast } from '../../lib/use-cases/broadcast-commands.js';
import {
  addContactsToList,
  createContactList,
  deleteContactList,
  removeContactFromList,
  updateContactList,
} from '../../lib/use-cases/contact-list-commands.js';
import { resolveListContacts } from '../../lib/use-cases/contact-list-queries.js';
import { deleteContact } from '../../lib/use-cases/delete-contact.js';
import { cancelBroadcast } from '../../lib/use-cases/run-lifecycle.js';
import { upsertContact } from '../../lib/use-cases/upsert-contact.js';
import { readingTogether } from '../support/barrier.js';
import { allPages, rejectionOf } from '../support/builders.js';
import { buildTestDeps, newTenantId, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import { PublishedEvents } from '../support/published-events.js';

const table = testTableForFile({ stream: true });
let deps: TestDeps;
let published: PublishedEvents;

beforeEach(async () => {
  // Wednesday 2025-01-15, noon UTC: "today" is 2025-01-15 and "yesterday" 2025-01-14.
  deps = buildTestDeps(table);
  deps.clock.set('2025-01-15T12:00:00.000Z');
  published = await PublishedEvents.watch(table);
});

/** "ok", or the code of the domain error a command was refused with. */
function codeOf(result: PromiseSettledResult<unknown>): string {
  return result.status === 'fulfilled' ? 'ok' : ((result.reason as { code?: string }).code ?? String(result.reason));
}

async function given(tenantId: string, named: Record<string, ContactFields>): Promise<Record<string, Contact>> {
  const entries = await Promise.all(
    Object.entries(named).map(async ([name, fields]) => {
      const { contact } = await upsertContact(deps, tenantId, { name, ...fields });
      return [name, contact] as const;
    }),
  );
  return Object.fromEntries(entries);
}

async function resolvedNames(tenantId: string, listId: string, limit = 2): Promise<string[]> {
  const { items } = await allPages((page) => resolveListContacts(deps, tenantId, listId, page), limit);
  return items.map((c) => c.name as string).sort();
}

async function dynamicList(tenantId: string, filters: ListFilters) {
  return createContactList(deps, tenantId, { name: 'dynamic', isDynamic: true, filters });
}

describe('resolveListContacts', () => {
  describe('dynamic list', () => {
    it('returns the contacts matching pipeline, status, every tag and the custom fields, across pages', async () => {
      // Prepare
      const tenantId = newTenantId();
      const match = {
        pipelineId: 'sales',
        statusId: 'open',
        tags: ['vip', 'sp', 'extra'],
        customFields: { plan: 'gold' },
      };
      await given(tenantId, {
        match1: match,
        match2: { ...match, tags: ['sp', 'vip'] },
        match3: { ...match, customFields: { plan: 'gold', other: 1 } },
        otherPipeline: { ...match, pipelineId: 'support' },
        noPipeline: { ...match, pipelineId: undefined },
        otherStatus: { ...match, statusId: 'won' },
        missingTag: { ...match, tags: ['vip'] },
        otherPlan: { ...match, customFields: { plan: 'silver' } },
        noPlan: { ...match, customFields: {} },
      });
      const list = await dynamicList(tenantId, {
        pipelineId: 'sales',
        statusId: 'open',
        tags: ['vip', 'sp'],
        customFields: { plan: 'gold' },
      });

      // Act
      const names = await resolvedNames(tenantId, list.id);

      // Assess
      expect(names).toEqual(['match1', 'match2', 'match3']);
    });

    it('compares number, boolean and null custom fields by equality', async () => {
      // Prepare
      const tenantId = newTenantId();
      await given(tenantId, {
        yes: { customFields: { score: 7, active: true, churn: null } },
        stringScore: { customFields: { score: '7', active: true, churn: null } },
        inactive: { customFields: { score: 7, active: false, churn: null } },
        churnMissing: { customFields: { score: 7, active: true } },
      });
      const list = await dynamicList(tenantId, { customFields: { score: 7, active: true, churn: null } });

      // Act
      const names = await resolvedNames(tenantId, list.id);

      // Assess
      expect(names).toEqual(['yes']);
    });

    it('resolves "today" to the UTC date of the clock, converting date-times with an offset', async () => {
      // Prepare
      const tenantId = newTenantId();
      await given(tenantId, {
        plainDate: { customFields: { last_visit: '2025-01-15' } },
        utcDateTime: { customFields: { last_visit: '2025-01-15T00:00:00Z' } },
        lateYesterdayInSaoPaulo: { customFields: { last_visit: '2025-01-14T22:00:00-03:00' } },
        lateTodayInSaoPaulo: { customFields: { last_visit: '2025-01-15T23:30:00-03:00' } },
        yesterday: { customFields: { last_visit: '2025-01-14' } },
        literalToday: { customFields: { last_visit: 'today' } },
        notAString: { customFields: { last_visit: 20250115 } },
        missing: { customFields: {} },
      });
      const list = await dynamicList(tenantId, { customFields: { last_visit: 'today' } });

      // Act
      const names = await resolvedNames(tenantId, list.id);

      // Assess
      expect(names).toEqual(['lateYesterdayInSaoPaulo', 'plainDate', 'utcDateTime']);
    });

    it('resolves "yesterday" against the clock at the time of resolving, not of creating the list', async () => {
      // Prepare
      const tenantId = newTenantId();
      await given(tenantId, {
        jan14: { customFields: { birthday: '2025-01-14' } },
        jan15: { customFields: { birthday: '2025-01-15T08:00:00.000Z' } },
        jan16: { customFields: { birthday: '2025-01-16' } },
      });
      const list = await dynamicList(tenantId, { customFields: { birthday: 'yesterday' } });

      // Act
      const onThe15th = await resolvedNames(tenantId, list.id);
      deps.clock.set('2025-01-16T00:00:00.000Z');
      const onThe16th = await resolvedNames(tenantId, list.id);
      deps.clock.set('2025-01-16T23:59:59.999Z');
      const lateOnThe16th = await resolvedNames(tenantId, list.id);

      // Assess
      expect(onThe15th).toEqual(['jan14']);
      expect(onThe16th).toEqual(['jan15']);
      expect(lateOnThe16th).toEqual(['jan15']);
    });

    it('returns every contact of the tenant for a list without filters, and nobody of another tenant', async () => {
      // Prepare
      const tenantId = newTenantId();
      await given(tenantId, { a: {}, b: {}, c: {}, d: {}, e: {} });
      await given(newTenantId(), { stranger: {} });
      const list = await dynamicList(tenantId, {});

      // Act
      const names = await resolvedNames(tenantId, list.id, 1);

      // Assess
      expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('follows a filter change', async () => {
      // Prepare
      const tenantId = newTenantId();
      await given(tenantId, { sales: { pipelineId: 'sales' }, support: { pipelineId: 'support' } });
      const list = await dynamicList(tenantId, { pipelineId: 'sales' });

      // Act
      await updateContactList(deps, tenantId, list.id, { filters: { pipelineId: 'support' } });

      // Assess
      expect(await resolvedNames(tenantId, list.id)).toEqual(['support']);
    });
  });

  describe('static list', () => {
    it('returns the members, page by page, skipping none and no one else', async () => {
      // Prepare
      const tenantId = newTenantId();
      const people = await given(tenantId, { m1: {}, m2: {}, m3: {}, m4: {}, m5: {}, outsider: {} });
      const memberIds = ['m1', 'm2', 'm3', 'm4', 'm5'].map((name) => people[name]?.id as string);
      const list = await createContactList(deps, tenantId, { name: 'static', isDynamic: false, contactIds: memberIds });

      // Act
      const names = await resolvedNames(tenantId, list.id, 2);

      // Assess
      expect(names).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    });

    it('no longer returns a contact that was deleted', async () => {
      // Prepare
      const tenantId = newTenantId();
      const people = await given(tenantId, { kept: {}, gone: {} });
      const list = await createContactList(deps, tenantId, {
        name: 'static',
        isDynamic: false,
        contactIds: [people.kept?.id as string, people.gone?.id as string],
      });

      // Act
      await deleteContact(deps, tenantId, people.gone?.id as string);

      // Assess
      expect(await resolvedNames(tenantId, list.id)).toEqual(['kept']);
      expect((await deps.contactLists.findById(tenantId, list.id))?.contactCount).toBe(1);
    });
  });

  it('fails with NotFoundError for another tenant list', async () => {
    // Prepare
    const list = await dynamicList(newTenantId(), {});

    // Act
    const attempt = await rejectionOf(resolveListContacts(deps, newTenantId(), list.id, { limit: 10 }));

    // Assess
    expect(attempt).toBeInstanceOf(NotFoundError);
  });
});

describe('contact list commands', () => {
  describe('createContactList', () => {
    it('creates a static list with de-duplicated members: contact_list.created, then contacts_added', async () => {
      // Prepare
      const tenantId = newTenantId();
      const people = await given(tenantId, { a: {}, b: {} });
      const [a, b] = [people.a?.id as string, people.b?.id as string];

      // Act
      const list = await createContactList(deps, tenantId, { name: 'VIP', isDynamic: false, contactIds: [a, b, a] });

      // Assess
      expect(list.contactCount).toBe(2);
      expect(await deps.contactLists.findById(tenantId, list.id)).toEqual(list);
      expect(await published.events(tenantId)).toEqual([
        {
          name: 'contact_list.created',
          tenantId,
          occurredAt: '2025-01-15T12:00:00.000Z',
          detail: { contact_list_id: list.id, is_dynamic: false, event_id: expect.any(String) },
        },
        {
          name: 'contact_list.contacts_added',
          tenantId,
          // A member item has no time of its own: the stream's.
          occurredAt: expect.any(String),
          detail: {
            contact_list_id: list.id,
            count: 2,
            contact_ids: expect.arrayContaining([a, b]),
            event_id: expect.any(String),
          },
        },
      ]);
    });

    it('refuses ids that are not contacts of the tenant, creating nothing', async () => {
      // Prepare
      const tenantId = newTenantId();
      const mine = await given(tenantId, { mine: {} });
      const theirs = await given(newTenantId(), { theirs: {} });

      // Act
      const attempt = await rejectionOf(
        createContactList(deps, tenantId, {
          name: 'VIP',
          isDynamic: false,
          contactIds: [mine.mine?.id as string, theirs.theirs?.id as string],
        }),
      );

      // Assess
      expect(attempt).toBeInstanceOf(UnprocessableError);
      expect(attempt).toMatchObject({ code: 'contact_list.unknown_contacts' });
      expect((await deps.contactLists.list(tenantId, { limit: 10 })).items).toEqual([]);
      expect(await published.events(tenantId)).toEqual([]);
    });
  });

  describe('addContactsToList and removeContactFromList', () => {
    it('report what changed and keep the count exact', async () => {
      // Prepare
      const tenantId = newTenantId();
      const people = await given(tenantId, { a: {}, b: {}, c: {} });
      const [a, b, c] = ['a', 'b', 'c'].map((n) => people[n]?.id as string) as [string, string, string];
      const list = await createContactList(deps, tenantId, { name: 'L', isDynamic: false, contactIds: [a] });
      published = await PublishedEvents.watch(table);

      // Act
      const first = await addContactsToList(deps, tenantId, list.id, [a, b, c]);
      const again = await addContactsToList(deps, tenantId, list.id, [b]);
      await removeContactFromList(deps, tenantId, list.id, b);
      const removeAgain = await rejectionOf(removeContactFromList(deps, tenantId, list.id, b));

      // Assess
      expect(first.added).toBe(2);
      expect(first.list.contactCount).toBe(3);
      expect(again.added).toBe(0);
      expect(removeAgain).toBeInstanceOf(NotFoundError);
      expect((await deps.contactLists.findById(tenantId, list.id))?.contactCount).toBe(2);
      expect((await published.events(tenantId)).map((e) => [e.name, e.detail.count, e.detail.contact_ids])).toEqual([
        ['contact_list.contacts_added', 2, [b, c]],
        ['contact_list.contacts_removed', 1, [b]],
      ]);
    });

    it('refuse a dynamic list with contact_list.not_static', async () => {
      // Prepare
      const tenantId = newTenantId();
      const people = await given(tenantId, { a: {} });
      const list = await dynamicList(tenantId, {});

      // Act
      const attempt = await rejectionOf(addContactsToList(deps, tenantId, list.id, [people.a?.id as string]));

      // Assess
      expect(attempt).toMatchObject({ code: 'contact_list.not_static' });
    });
  });

  describe('deleteContactList', () => {
    const template = { type: 'text' as const, content: 'Hi {{contact.name}}' };

    it('is refused with contact_list.in_use while a draft broadcast targets the list, allowed once it is gone', async () => {
      // Prepare
      const tenantId = newTenantId();
      const list = await dynamicList(tenantId, {});
      const draft = await createBroadcast(deps, tenantId, {
        name: 'B',
        listId: list.id,
        messageTemplate: template,
        rateLimit: 0,
      });

      // Act
      const refused = await rejectionOf(deleteContactList(deps, tenantId, list.id));
      const stillThere = await deps.contactLists.findById(tenantId, list.id);
      await deleteBroadcast(deps, tenantId, draft.id);
      await deleteContactList(deps, tenantId, list.id);

      // Assess
      expect(refused).toBeInstanceOf(ConflictError);
      expect(refused).toMatchObject({ code: 'contact_list.in_use' });
      expect(stillThere).toEqual(list);
      expect(await deps.contactLists.findById(tenantId, list.id)).toBeUndefined();
      expect(await published.names(tenantId)).toEqual([
        'contact_list.created',
        'broadcast.created',
        'broadcast.deleted',
        'contact_list.deleted',
      ]);
    });

    it('is refused while a scheduled broadcast targets the list, allowed once it is cancelled', async () => {
      // Prepare
      const tenantId = newTenantId();
      const list = await dynamicList(tenantId, {});
      const scheduled = await createBroadcast(deps, tenantId, {
        name: 'B',
        listId: list.id,
        messageTemplate: template,
        rateLimit: 0,
        scheduledFor: '2025-02-01T00:00:00.000Z',
      });

      // Act
      const refused = await rejectionOf(deleteContactList(deps, tenantId, list.id));
      await cancelBroadcast(deps, tenantId, scheduled.id);
      await deleteContactList(deps, tenantId, list.id);

      // Assess
      expect(refused).toMatchObject({ code: 'contact_list.in_use' });
      expect(await deps.contactLists.findById(tenantId, list.id)).toBeUndefined();
    });

    it('deletes a static list and its memberships, leaving the contacts', async () => {
      // Prepare
      const tenantId = newTenantId();
      const people = await given(tenantId, { a: {} });
      const list = await createContactList(deps, tenantId, {
        name: 'L',
        isDynamic: false,
        contactIds: [people.a?.id as string],
      });

      // Act
      await deleteContactList(deps, tenantId, list.id);

      // Assess
      expect(await deps.contactLists.findById(tenantId, list.id)).toBeUndefined();
      expect((await deps.contactLists.listMemberIds(list, { limit: 10 })).items).toEqual([]);
      expect(await deps.contacts.findById(tenantId, people.a?.id as string)).toEqual(people.a);
    });

    it('against a broadcast created on the list at the same moment: exactly one of the two wins, 15 times of 15', async () => {
      // Prepare: each time, both commands read the list before either writes (a real race, every time).
      const tenantId = newTenantId();
      const outcomes: string[] = [];

      // Act
      for (let attempt = 0; attempt < 15; attempt++) {
        const list = await dynamicList(tenantId, {});
        const racing = { ...deps, contactLists: readingTogether(deps.contactLists, 'findById', 2) };
        const [created, deleted] = await Promise.allSettled([
          createBroadcast(racing, tenantId, { name: 'B', listId: list.id, messageTemplate: template, rateLimit: 0 }),
          deleteContactList(racing, tenantId, list.id),
        ]);
        const listLeft = (await deps.contactLists.findById(tenantId, list.id)) !== undefined;
        outcomes.push(`create ${codeOf(created)}, delete ${codeOf(deleted)}, list ${listLeft ? 'kept' : 'gone'}`);
      }

      // Assess
      const allowed = new Set([
        'create ok, delete contact_list.in_use, list kept',
        'create broadcast.unknown_list, delete ok, list gone',
      ]);
      expect(outcomes.filter((outcome) => !allowed.has(outcome))).toEqual([]);
      expect(outcomes).toHaveLength(15);
    });

    it('against a draft switched onto the list at the same moment: exactly one of the two wins, 10 times of 10', async () => {
      // Prepare
      const tenantId = newTenantId();
      const first = await dynamicList(tenantId, {});
      const outcomes: string[] = [];

      // Act
      for (let attempt = 0; attempt < 10; attempt++) {
        const second = await dynamicList(tenantId, {});
        const draft = await createBroadcast(deps, tenantId, {
          name: 'B',
          listId: first.id,
          messageTemplate: template,
          rateLimit: 0,
        });
        const racing = { ...deps, contactLists: readingTogether(deps.contactLists, 'findById', 2) };
        const [switched, deleted] = await Promise.allSettled([
          updateBroadcast(racing, tenantId, draft.id, { listId: second.id }),
          deleteContactList(racing, tenantId, second.id),
        ]);
        const onList = (await deps.broadcasts.findById(tenantId, draft.id))?.listId === second.id ? 'second' : 'first';
        const listLeft = (await deps.contactLists.findById(tenantId, second.id)) !== undefined;
        outcomes.push(
          `switch ${codeOf(switched)}, delete ${codeOf(deleted)}, on ${onList}, ${listLeft ? 'kept' : 'gone'}`,
        );
      }

      // Assess
      const allowed = new Set([
        'switch ok, delete contact_list.in_use, on second, kept',
        'switch broadcast.unknown_list, delete ok, on first, gone',
      ]);
      expect(outcomes.filter((outcome) => !allowed.has(outcome))).toEqual([]);
      expect(outcomes).toHaveLength(10);
    });

    it('fails with NotFoundError for another tenant list, which stays', async () => {
      // Prepare
      const owner = newTenantId();
      const list = await dynamicList(owner, {});

      // Act
      const attempt = await rejectionOf(deleteContactList(deps, newTenantId(), list.id));

      // Assess
      expect(attempt).toBeInstanceOf(NotFoundError);
      expect(await deps.contactLists.findById(owner, list.id)).toEqual(list);
    });
  });
});
