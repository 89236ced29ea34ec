import { type Api, allPages, type E2e, errorFields, expectProblem, newTenant, startE2e, tokenFor } from './support.js';

/**
 * Issue 11, section 4: a cursor is only good for the collection and the tenant it was issued for. A forged or foreign
 * one is 400 `request.invalid_cursor`, never an empty last page (which reads as "that was everything").
 */
let e2e: E2e;
let acme: Api;
let globex: Api;
let acmeList: string;

const cursorOf = async (api: Api, path: string) => {
  const separator = path.includes('?') ? '&' : '?';
  const reply = await api.get(`${path}${separator}limit=1`);
  expect(reply.status).toBe(200);
  expect(reply.body.next_cursor).toEqual(expect.any(String));
  return reply.body.next_cursor as string;
};
const withCursor = (path: string, cursor: string) =>
  `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  e2e = await startE2e();
  acme = e2e.api(await tokenFor(newTenant()));
  globex = e2e.api(await tokenFor(newTenant()));
  for (const api of [acme, globex]) {
    const contacts = Array.from({ length: 12 }, (_, i) => ({ name: `Contact ${i}`, tags: ['all'] }));
    expect((await api.post('/api/v1/contacts/batch', { contacts })).status).toBe(200);
    for (const name of ['One', 'Two', 'Three']) await api.post('/api/v1/contact-lists', { name });
  }
  acmeList = (await acme.get('/api/v1/contact-lists')).body.items[0].id;
  for (const name of ['First', 'Second']) {
    await acme.post('/api/v1/broadcasts', {
      name,
      list_id: acmeList,
      message_template: { type: 'text', content: 'Hi' },
    });
  }
});

afterAll(async () => {
  await e2e?.runtime.stop();
});

describe('a cursor the API issued', () => {
  it('still pages through every item exactly once', async () => {
    // Act
    const { items } = await allPages(acme, '/api/v1/contacts', 5);

    // Assess
    expect(items).toHaveLength(12);
    expect(new Set(items.map((c: { id: string }) => c.id)).size).toBe(12);
  });
});

describe('a foreign cursor: 400 request.invalid_cursor', () => {
  it("another tenant's cursor of the same collection", async () => {
    // Prepare
    const theirs = await cursorOf(globex, '/api/v1/contacts');

    // Act
    const reply = await acme.get(withCursor('/api/v1/contacts', theirs));

    // Assess
    expectProblem(reply, 400, 'request.invalid_cursor');
  });

  it.each([
    ['/api/v1/broadcasts', '/api/v1/contact-lists'],
    ['/api/v1/contact-lists', '/api/v1/broadcasts'],
    ['/api/v1/contacts', '/api/v1/contact-lists'],
    ['/api/v1/contact-lists', '/api/v1/contacts'],
    ['/api/v1/contacts', '/api/v1/channels'],
  ])("a cursor of %s used on %s (another route's)", async (from, to) => {
    // Prepare
    const cursor = await cursorOf(acme, from);

    // Act
    const reply = await acme.get(withCursor(to, cursor));

    // Assess
    expectProblem(reply, 400, 'request.invalid_cursor');
  });

  it("a cursor of one list's members used on another list's", async () => {
    // Prepare
    const lists = (await acme.get('/api/v1/contact-lists')).body.items as { id: string }[];
    const contacts = (await acme.get('/api/v1/contacts?limit=3')).body.items as { id: string }[];
    const ids = contacts.map((c) => c.id);
    const [first, second] = lists as [{ id: string }, { id: string }];
    await acme.post(`/api/v1/contact-lists/${first.id}/contacts`, { contact_ids: ids });
    await acme.post(`/api/v1/contact-lists/${second.id}/contacts`, { contact_ids: ids });
    const cursor = await cursorOf(acme, `/api/v1/contact-lists/${first.id}/contacts`);

    // Act
    const own = await acme.get(withCursor(`/api/v1/contact-lists/${first.id}/contacts`, cursor));
    const other = await acme.get(withCursor(`/api/v1/contact-lists/${second.id}/contacts`, cursor));

    // Assess
    expect(own.status).toBe(200);
    expectProblem(other, 400, 'request.invalid_cursor');
  });
});

describe('a forged cursor: 400 request.invalid_cursor', () => {
  it.each([
    ['a shard past the last one', { s: 99 }],
    ['a shard past the last one with a key', { s: 8, k: 'CONTACT#00000000-0000-4000-8000-000000000000' }],
    ['a sort key of another collection', { s: 0, k: 'BROADCAST#00000000-0000-4000-8000-000000000000' }],
    ['a sort key past every item', { s: 0, k: '~~~~' }],
    ['a sort key that is no key', { s: 0, k: 'x' }],
    ['fields a cursor never has', { s: 0, extra: 1 }],
    ['a negative shard', { s: -1 }],
  ])('%s', async (_, forged) => {
    // Act
    const replies = await Promise.all(
      ['/api/v1/contacts', '/api/v1/contact-lists', '/api/v1/broadcasts'].map((path) =>
        acme.get(withCursor(path, base64url(forged))),
      ),
    );

    // Assess
    for (const reply of replies) expectProblem(reply, 400, 'request.invalid_cursor');
  });

  it.each([
    ['not base64', '%%%'],
    ['base64 of no JSON', Buffer.from('hello').toString('base64url')],
    ['an issued cursor with one character changed', 'tamper'],
  ])('%s', async (_, value) => {
    // Prepare
    let cursor = value;
    if (value === 'tamper') {
      const issued = await cursorOf(acme, '/api/v1/contacts');
      const last = issued.at(-2) === 'A' ? 'B' : 'A';
      cursor = `${issued.slice(0, -2)}${last}${issued.at(-1)}`;
    }

    // Act
    const reply = await acme.get(withCursor('/api/v1/contacts', cursor));

    // Assess
    expectProblem(reply, 400, 'request.invalid_cursor');
  });
});

describe('limit takes plain decimal integers only', () => {
  it.each(['1e2', '0x10', ' 5', '5 ', '5.0', '+5', '-1', '0', '1001', '', 'five', '0b11', '1_000', 'Infinity'])(
    'limit=%j: 400 naming limit',
    async (limit) => {
      // Act
      const replies = await Promise.all(
        ['/api/v1/contacts', '/api/v1/broadcasts', '/api/v1/channels', '/api/v1/contact-lists'].map((path) =>
          acme.get(`${path}?limit=${encodeURIComponent(limit)}`),
        ),
      );

      // Assess
      for (const reply of replies) expect(errorFields(reply)).toEqual(['limit']);
    },
  );

  it.each(['1', '50', '1000'])('limit=%s is fine', async (limit) => {
    // Act
    const reply = await acme.get(`/api/v1/contacts?limit=${limit}`);

    // Assess
    expect(reply.status).toBe(200);
  });
});

describe('the whole file', () => {
  it('never got a 5xx', () => {
    expect(e2e.serverErrors).toEqual([]);
  });
});
