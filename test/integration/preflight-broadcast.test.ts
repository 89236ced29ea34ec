import { PIPELINE_USD_PER_MESSAGE } from '../../lib/domain/aws-cost-model.js';
import { transition } from '../../lib/domain/broadcast.js';
import type { ContactFields } from '../../lib/domain/contact.js';
import { ConflictError } from '../../lib/domain/errors.js';
import type { PageRequest } from '../../lib/ports/pagination.js';
import { createBroadcast } from '../../lib/use-cases/broadcast-commands.js';
import { createChannel } from '../../lib/use-cases/channel-commands.js';
import { createContactList } from '../../lib/use-cases/contact-list-commands.js';
import { PLAN_PAGE_SIZE } from '../../lib/use-cases/plan-audience.js';
import { preflightBroadcast } from '../../lib/use-cases/preflight-broadcast.js';
import { upsertContact } from '../../lib/use-cases/upsert-contact.js';
import { rejectionOf } from '../support/builders.js';
import { buildTestDeps, newTenantId, type TestDeps, testTableForFile } from '../support/dynamodb.js';

const table = testTableForFile();
let deps: TestDeps;

beforeEach(() => {
  deps = buildTestDeps(table);
  deps.clock.set('2025-01-15T12:00:00.000Z');
});

const plan = { customFields: { plan: 'gold' } };
/** One contact of each fate, for a channel that needs an e-mail (and so honours e-mail suppressions). */
const PEOPLE: ContactFields[] = [
  { name: 'Ada', email: 'ada@example.com', ...plan },
  { name: 'Bob', email: 'bob@example.com', ...plan },
  { name: 'Olga', email: 'olga@example.com', optedOut: true, ...plan },
  { name: 'Sue', email: 'sue@example.com', suppressions: { email: { reason: 'bounce' } }, ...plan },
  { name: 'Nora', phone: '+5511999990001', ...plan },
  { name: 'Mia', email: 'mia@example.com' },
];

async function aBroadcastTo(tenantId: string, people: ContactFields[], rateLimit: number, capPerSecond?: number) {
  const ids: string[] = [];
  for (const person of people) ids.push((await upsertContact(deps, tenantId, person)).contact.id);
  const list = await createContactList(deps, tenantId, { name: 'Audience', isDynamic: false, contactIds: ids });
  const channel = await createChannel(deps, tenantId, {
    name: 'Mail log',
    type: 'log',
    config: {},
    requiredAddress: 'email',
    ...(capPerSecond === undefined ? {} : { maxMessagesPerSecond: capPerSecond }),
  });
  return createBroadcast(deps, tenantId, {
    name: 'Plans',
    listId: list.id,
    channelId: channel.id,
    messageTemplate: { type: 'text', content: 'Hi {{contact.name}}, your plan: {{contact.custom.plan}}' },
    rateLimit,
  });
}

describe('preflightBroadcast', () => {
  it('counts who would be sent to and why the others would be skipped, with the rate, duration and cost', async () => {
    // Prepare
    const tenantId = newTenantId();
    const broadcast = await aBroadcastTo(tenantId, PEOPLE, 120);

    // Act
    const preflight = await preflightBroadcast(deps, tenantId, broadcast.id);

    // Assess
    expect(preflight).toEqual({
      broadcastId: broadcast.id,
      audienceSize: 6,
      wouldSend: 2,
      wouldSkip: { opted_out: 1, suppressed: 1, no_address: 1, missing_variable: 1 },
      effectiveRatePerMinute: 120,
      limitedBy: 'broadcast_rate',
      estimatedDurationSeconds: 1,
      estimatedCostUsd: Math.round(2 * PIPELINE_USD_PER_MESSAGE * 1e6) / 1e6,
    });
    expect(
      await deps.executions.findByBroadcast(tenantId, broadcast.id, { chunks: 0, skipPages: 0 }, { limit: 10 }),
    ).toEqual({ items: [] });
    expect(deps.queue.pipeline).toEqual([]);
    expect(deps.queue.chunks).toEqual([]);
    expect((await deps.broadcasts.findById(tenantId, broadcast.id))?.status).toBe('draft');
  });

  it("is limited by the channel's cap when it is below the broadcast's rate, and by nothing when neither is set", async () => {
    // Prepare
    const tenantId = newTenantId();
    const capped = await aBroadcastTo(tenantId, PEOPLE.slice(0, 2), 600, 2);
    const unlimited = await aBroadcastTo(tenantId, PEOPLE.slice(0, 2), 0);

    // Act
    const byCap = await preflightBroadcast(deps, tenantId, capped.id);
    const free = await preflightBroadcast(deps, tenantId, unlimited.id);

    // Assess
    expect(byCap).toMatchObject({ effectiveRatePerMinute: 120, limitedBy: 'channel_cap', estimatedDurationSeconds: 1 });
    expect(free).toMatchObject({ limitedBy: 'none', estimatedDurationSeconds: 0 });
    expect(free).not.toHaveProperty('effectiveRatePerMinute');
  });

  it('reads a large audience a page at a time', async () => {
    // Prepare
    const tenantId = newTenantId();
    const people = Array.from({ length: PLAN_PAGE_SIZE * 2 + 7 }, (_, i) => ({
      name: `P${i}`,
      email: `p${i}@example.com`,
      ...(i % 10 === 0 ? { optedOut: true } : {}),
      ...plan,
    }));
    const broadcast = await aBroadcastTo(tenantId, people, 6000);
    const pages: PageRequest[] = [];
    const listMemberIds = deps.contactLists.listMemberIds.bind(deps.contactLists);
    deps.contactLists.listMemberIds = (list, page) => {
      pages.push(page);
      return listMemberIds(list, page);
    };

    // Act
    const preflight = await preflightBroadcast(deps, tenantId, broadcast.id);

    // Assess
    expect(preflight).toMatchObject({ audienceSize: 1007, wouldSend: 1007 - 101, wouldSkip: { opted_out: 101 } });
    expect(pages).toHaveLength(3);
    expect(pages.every((page) => page.limit === PLAN_PAGE_SIZE)).toBe(true);
  }, 240_000);

  it('answers 409 broadcast.invalid_transition for a running broadcast', async () => {
    // Prepare
    const tenantId = newTenantId();
    const broadcast = await aBroadcastTo(tenantId, PEOPLE.slice(0, 1), 60);
    await deps.broadcasts.applyTransition(transition(broadcast, 'running', '2025-01-15T12:00:00.000Z'));

    // Act
    const refused = await rejectionOf(preflightBroadcast(deps, tenantId, broadcast.id));

    // Assess
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({ code: 'broadcast.invalid_transition' });
  });
});
