import { BROADCAST_TRANSITIONS, type BroadcastStatus, canTransition } from '../../../lib/domain/broadcast.js';
import { actionsFor, CANCEL_SETTLE_MS, isLive, SCHEDULE_WATCH_MS } from '../../../web/src/logic/actions.js';
import { contactMatches, contactsQueryOf, draftOf, filtersOf } from '../../../web/src/logic/filters.js';
import { parseRoute } from '../../../web/src/logic/routes.js';

const STATUSES = Object.keys(BROADCAST_TRANSITIONS) as BroadcastStatus[];
const TARGET = {
  execute: 'running',
  schedule: 'scheduled',
  unschedule: 'draft',
  pause: 'paused',
  resume: 'running',
  cancel: 'cancelled',
} as const;

describe('dashboard broadcast actions', () => {
  it.each(STATUSES)('offers in %s only status changes the domain allows, and every one a person makes', (status) => {
    // Act
    const targets = actionsFor(status)
      .filter((action): action is keyof typeof TARGET => action in TARGET)
      .map((action) => TARGET[action]);

    // Assess
    expect(targets.filter((to) => !canTransition(status, to))).toEqual([]);
    // completed and failed are the pipeline's to reach, never a button's.
    const byPeople = BROADCAST_TRANSITIONS[status].filter((to) => to !== 'completed' && to !== 'failed');
    expect([...new Set(targets)].sort()).toEqual([...byPeople].sort());
  });

  it('polls a running broadcast, and a cancelled one only until it has settled', () => {
    // Prepare
    const now = Date.parse('2030-01-15T12:00:00Z');
    const ago = (ms: number) => new Date(now - ms).toISOString();
    const idle = { pending: 0, sending: 0 };

    // Act
    const figures = [
      isLive({ status: 'running' }, undefined, now),
      isLive({ status: 'paused' }, { pending: 5, sending: 0 }, now),
      isLive({ status: 'cancelled', cancelled_at: ago(CANCEL_SETTLE_MS * 2) }, { pending: 2, sending: 0 }, now),
      isLive({ status: 'cancelled', cancelled_at: ago(1000) }, idle, now),
      isLive({ status: 'cancelled', cancelled_at: ago(CANCEL_SETTLE_MS) }, idle, now),
      isLive({ status: 'completed' }, idle, now),
    ];

    // Assess
    expect(figures).toEqual([true, false, true, true, false, false]);
  });

  it('polls a scheduled broadcast only when it is due soon or overdue, so its page sees it start', () => {
    // Prepare
    const now = Date.parse('2030-01-15T12:00:00Z');
    const at = (ms: number) => new Date(now + ms).toISOString();

    // Act
    const figures = [
      isLive({ status: 'scheduled', scheduled_for: at(10_000) }, undefined, now),
      isLive({ status: 'scheduled', scheduled_for: at(-5_000) }, undefined, now),
      isLive({ status: 'scheduled', scheduled_for: at(SCHEDULE_WATCH_MS + 60_000) }, undefined, now),
      isLive({ status: 'scheduled', scheduled_for: null }, undefined, now),
    ];

    // Assess
    expect(figures).toEqual([true, true, false, false]);
  });
});

describe('dashboard filter editor', () => {
  it('turns the typed text into the wire filters, typing values, and back', () => {
    // Prepare
    const draft = {
      pipelineId: ' p1 ',
      statusId: '',
      tags: 'vip, , active',
      customFields: 'score=3\nvip=true\ncart=abandoned\nbad line',
    };

    // Act
    const filters = filtersOf(draft);

    // Assess
    expect(filters).toEqual({
      pipeline_id: 'p1',
      tags: ['vip', 'active'],
      custom_fields: { score: 3, vip: true, cart: 'abandoned' },
    });
    expect(filtersOf(draftOf(filters))).toEqual(filters);
  });

  it('asks the API for the first tag, pipeline and status, and matches the rest as the service does', () => {
    // Prepare
    const filters = { tags: ['vip', 'active'], status_id: 's1', custom_fields: { abandoned: 'today' } };
    const now = new Date('2030-01-15T12:00:00Z');
    const contact = (tags: string[], abandoned: string) => ({
      tags,
      pipeline_id: null,
      status_id: 's1',
      custom_fields: { abandoned },
    });

    // Act
    const query = contactsQueryOf(filters).toString();
    const matches = [
      contactMatches(contact(['vip', 'active'], '2030-01-15'), filters, now),
      contactMatches(contact(['vip'], '2030-01-15'), filters, now),
      contactMatches(contact(['vip', 'active'], '2030-01-14'), filters, now),
    ];

    // Assess
    expect(query).toBe('tag=vip&status_id=s1');
    expect(matches).toEqual([true, false, false]);
  });
});

describe('dashboard routes', () => {
  it('reads each page from the hash, and anything else as the broadcasts', () => {
    // Act
    const routes = [
      '#/broadcasts/b1',
      '#/broadcasts/b1/edit',
      '#/broadcasts/new',
      '#/lists',
      '#/lists/l1',
      '#/lists/new',
      '#/nowhere',
      '',
    ].map(parseRoute);

    // Assess
    expect(routes).toEqual([
      { page: 'broadcast', id: 'b1' },
      { page: 'broadcast-edit', id: 'b1' },
      { page: 'broadcast-new' },
      { page: 'lists' },
      { page: 'list-edit', id: 'l1' },
      { page: 'list-new' },
      { page: 'broadcasts' },
      { page: 'broadcasts' },
    ]);
  });
});
