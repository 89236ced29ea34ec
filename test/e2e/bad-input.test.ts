import { randomUUID } from 'node:crypto';
import { type Api, type E2e, errorFields, expectProblem, newTenant, startE2e, tokenFor } from './support.js';

/**
 * Issue 11, section 4: bad input is a 4xx naming what is wrong, never a 500, and never half-applied. The adversarial
 * run's cases, one by one, over HTTP.
 */
let e2e: E2e;

async function freshTenant(): Promise<Api> {
  return e2e.api(await tokenFor(newTenant()));
}

/** A JSON body sent as written, so a `"__proto__"` key reaches the server as an own property (as JSON.parse makes it). */
const rawJson = (api: Api, method: string, path: string, json: string) =>
  api.raw(method, path, json, 'application/json');

beforeAll(async () => {
  e2e = await startE2e();
});

afterAll(async () => {
  await e2e?.runtime.stop();
});

/**
 * Numbers the SDK's marshaller refuses (beyond ±(2^53 - 1), even with a fraction: it cannot tell them from integers
 * that lost precision) or DynamoDB refuses (a magnitude below 1e-130).
 */
const UNSTORABLE_NUMBERS: [string, string][] = [
  ['above 2^53', '9007199254740993'],
  ['far above 2^53', '1e300'],
  ['below -2^53', '-9007199254740994'],
  ['below 1e-130 in magnitude', '1e-131'],
  ['a tiny negative', '-2.5e-200'],
];
const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'];

describe('custom_fields: numbers DynamoDB cannot store and keys that name the prototype', () => {
  it.each(UNSTORABLE_NUMBERS)('POST /contacts with a number %s: 400 naming the field, nothing stored', async (_, n) => {
    // Prepare
    const api = await freshTenant();

    // Act
    const reply = await rawJson(api, 'POST', '/api/v1/contacts', `{"name":"Ana","custom_fields":{"score":${n}}}`);
    const listed = await api.get('/api/v1/contacts');

    // Assess
    expect(errorFields(reply)).toEqual(['custom_fields.score']);
    expect(listed.body.items).toEqual([]);
  });

  it.each(RESERVED_KEYS)('POST /contacts with the key %s: 400 naming the field, nothing stored', async (key) => {
    // Prepare
    const api = await freshTenant();

    // Act
    const reply = await rawJson(api, 'POST', '/api/v1/contacts', `{"name":"Ana","custom_fields":{"${key}":"x"}}`);
    const listed = await api.get('/api/v1/contacts');

    // Assess
    expect(errorFields(reply)).toEqual([`custom_fields.${key}`]);
    expect(listed.body.items).toEqual([]);
  });

  it('keeps numbers at the edges of what is storable exactly as sent', async () => {
    // Prepare
    const api = await freshTenant();
    const fields = {
      max: 9007199254740991,
      min: -9007199254740991,
      tiny: 1e-130,
      small: -2.5e-100,
      zero: 0,
      share: 0.125,
    };

    // Act
    const created = await api.post('/api/v1/contacts', { name: 'Ana', custom_fields: fields });
    const read = await api.get(`/api/v1/contacts/${created.body.id}`);

    // Assess
    expect(created.status).toBe(201);
    expect(read.body.custom_fields).toEqual(fields);
  });

  it('PUT /contacts/:id with an unstorable number: 400, the contact unchanged', async () => {
    // Prepare
    const api = await freshTenant();
    const created = await api.post('/api/v1/contacts', { name: 'Ana', custom_fields: { score: 1 } });

    // Act
    const reply = await rawJson(
      api,
      'PUT',
      `/api/v1/contacts/${created.body.id}`,
      '{"name":"Bia","custom_fields":{"score":1e-131}}',
    );
    const read = await api.get(`/api/v1/contacts/${created.body.id}`);

    // Assess
    expect(errorFields(reply)).toEqual(['custom_fields.score']);
    expect(read.body).toEqual(created.body);
  });

  it('a batch entry with one: that entry invalid naming the field, the others written', async () => {
    // Prepare
    const api = await freshTenant();

    // Act
    const reply = await rawJson(
      api,
      'POST',
      '/api/v1/contacts/batch',
      '{"contacts":[{"name":"A","custom_fields":{"n":1e-131}},{"name":"B"},' +
        '{"name":"C","custom_fields":{"__proto__":"x"}},{"name":"D","custom_fields":{"n":1e300}}]}',
    );
    const listed = await api.get('/api/v1/contacts');

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.results.map((r: { status: string }) => r.status)).toEqual([
      'invalid',
      'created',
      'invalid',
      'invalid',
    ]);
    expect(reply.body.results[0].errors.map((e: { field: string }) => e.field)).toEqual(['custom_fields.n']);
    expect(reply.body.results[2].errors.map((e: { field: string }) => e.field)).toEqual(['custom_fields.__proto__']);
    expect(listed.body.items.map((c: { name: string }) => c.name)).toEqual(['B']);
  });

  it.each([
    ...UNSTORABLE_NUMBERS.map(([what, n]) => [`a number ${what}`, `{"score":${n}}`, 'score'] as const),
    ...RESERVED_KEYS.map((key) => [`the key ${key}`, `{"${key}":1}`, key] as const),
  ])('a dynamic list filter with %s: 400 naming the field, no list', async (_, customFields, field) => {
    // Prepare
    const api = await freshTenant();

    // Act
    const reply = await rawJson(
      api,
      'POST',
      '/api/v1/contact-lists',
      `{"name":"Fans","is_dynamic":true,"filters":{"custom_fields":${customFields}}}`,
    );
    const lists = await api.get('/api/v1/contact-lists');

    // Assess
    expect(errorFields(reply)).toEqual([`filters.custom_fields.${field}`]);
    expect(lists.body.items).toEqual([]);
  });

  it('PUT /contact-lists/:id with such a filter: 400, the list unchanged', async () => {
    // Prepare
    const api = await freshTenant();
    const list = await api.post('/api/v1/contact-lists', {
      name: 'Fans',
      is_dynamic: true,
      filters: { custom_fields: { plan: 'gold' } },
    });

    // Act
    const reply = await rawJson(
      api,
      'PUT',
      `/api/v1/contact-lists/${list.body.id}`,
      '{"filters":{"custom_fields":{"plan":1e300}}}',
    );
    const read = await api.get(`/api/v1/contact-lists/${list.body.id}`);

    // Assess
    expect(errorFields(reply)).toEqual(['filters.custom_fields.plan']);
    expect(read.body).toEqual(list.body);
  });
});

describe('POST /contacts/batch never answers 500 after writing part of the batch', () => {
  it('60 entries, one that cannot be stored: 200, that one invalid, exactly the 59 others written', async () => {
    // Prepare
    const api = await freshTenant();
    const entries = Array.from({ length: 60 }, (_, i) => `{"external_id":"crm-${i}","name":"Contact ${i}"}`);
    entries[37] = '{"external_id":"crm-37","name":"Contact 37","custom_fields":{"score":1e-200}}';

    // Act
    const reply = await rawJson(api, 'POST', '/api/v1/contacts/batch', `{"contacts":[${entries.join(',')}]}`);
    const listed = await api.get('/api/v1/contacts?limit=1000');

    // Assess
    expect(reply.status).toBe(200);
    const results = reply.body.results as { index: number; status: string; id?: string }[];
    expect(results.filter((r) => r.status === 'created')).toHaveLength(59);
    expect(results[37]).toEqual(expect.objectContaining({ index: 37, status: 'invalid' }));
    const written = results.filter((r) => r.status === 'created').map((r) => r.id);
    expect(listed.body.items.map((c: { id: string }) => c.id).sort()).toEqual(written.sort());
  });
});

describe('contacts with nothing to reach or identify them', () => {
  it.each([
    ['no field at all', {}],
    ['only tags and custom fields', { tags: ['vip'], custom_fields: { plan: 'gold' }, timezone: 'Europe/Lisbon' }],
    ['only nulls', { name: null, email: null, phone: null, external_id: null }],
  ])('POST /contacts with %s: 422 contact.unidentifiable, nothing stored', async (_, body) => {
    // Prepare
    const api = await freshTenant();

    // Act
    const reply = await api.post('/api/v1/contacts', body);
    const listed = await api.get('/api/v1/contacts');

    // Assess
    expectProblem(reply, 422, 'contact.unidentifiable');
    expect(listed.body.items).toEqual([]);
  });

  it('PUT that leaves a contact without any of them: 422, the contact unchanged', async () => {
    // Prepare
    const api = await freshTenant();
    const created = await api.post('/api/v1/contacts', { name: 'Ana', tags: ['vip'] });

    // Act
    const reply = await api.put(`/api/v1/contacts/${created.body.id}`, { tags: ['vip'] });
    const read = await api.get(`/api/v1/contacts/${created.body.id}`);

    // Assess
    expectProblem(reply, 422, 'contact.unidentifiable');
    expect(read.body).toEqual(created.body);
  });

  it('a batch entry with none of them is rejected on its own', async () => {
    // Prepare
    const api = await freshTenant();

    // Act
    const reply = await api.post('/api/v1/contacts/batch', { contacts: [{ tags: ['vip'] }, { email: 'a@b.co' }] });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.results[0]).toEqual(
      expect.objectContaining({ index: 0, status: 'rejected', code: 'contact.unidentifiable' }),
    );
    expect(reply.body.results[1]).toEqual(expect.objectContaining({ index: 1, status: 'created' }));
  });

  it.each([
    ['a name', { name: 'Ana' }],
    ['an e-mail', { email: 'ana@example.com' }],
    ['a phone', { phone: '+5511999998888' }],
    ['an external_id', { external_id: 'crm-7' }],
  ])('one with only %s is fine', async (_, body) => {
    // Prepare
    const api = await freshTenant();

    // Act
    const reply = await api.post('/api/v1/contacts', body);

    // Assess
    expect(reply.status).toBe(201);
  });
});

describe('names and other short text refuse control characters', () => {
  const CONTROLS = ['\u0000', '\n', '\r', '\t', '\u001b[31m', '\u007f', '\u0085', '\u202e'];

  it.each(CONTROLS.map((c) => [JSON.stringify(c), c]))('a contact whose name holds %s: 400', async (_, control) => {
    // Prepare
    const api = await freshTenant();

    // Act
    const reply = await api.post('/api/v1/contacts', { name: `Ana${control}Souza` });

    // Assess
    expect(errorFields(reply)).toEqual(['name']);
  });

  it('names the field of every short text that holds one, in each resource', async () => {
    // Prepare
    const api = await freshTenant();
    const bad = 'bad\u0007text';
    const list = await api.post('/api/v1/contact-lists', { name: 'Fine' });

    // Act
    const contact = await api.post('/api/v1/contacts', {
      external_id: bad,
      name: 'Ana',
      tags: [bad],
      custom_fields: { [bad]: 1, note: `line\u0000` },
    });
    const contactList = await api.post('/api/v1/contact-lists', { name: bad, description: `a\u0000b`, tags: [bad] });
    const broadcast = await api.post('/api/v1/broadcasts', {
      name: bad,
      list_id: list.body.id,
      message_template: { type: 'template', template_id: bad },
    });
    const channel = await api.post('/api/v1/channels', { name: bad, type: 'log' });

    // Assess
    expect(errorFields(contact)).toEqual([
      'custom_fields.bad\u0007text',
      'custom_fields.note',
      'external_id',
      'tags.0',
    ]);
    expect(errorFields(contactList)).toEqual(['description', 'name', 'tags.0']);
    expect(errorFields(broadcast)).toEqual(['message_template.template_id', 'name']);
    expect(errorFields(channel)).toEqual(['name']);
  });

  it('longer text keeps its line breaks and tabs', async () => {
    // Prepare
    const api = await freshTenant();

    // Act
    const list = await api.post('/api/v1/contact-lists', { name: 'Fine', description: 'line one\nline two\tend' });
    const contact = await api.post('/api/v1/contacts', { name: 'Ana', custom_fields: { address: 'Rua A, 1\nLisboa' } });

    // Assess
    expect(list.status).toBe(201);
    expect(contact.status).toBe(201);
    expect(contact.body.custom_fields.address).toBe('Rua A, 1\nLisboa');
  });
});

describe('broadcast actions', () => {
  let api: Api;
  let listId: string;

  const draft = async () => {
    const reply = await api.post('/api/v1/broadcasts', {
      name: 'Draft',
      list_id: listId,
      message_template: { type: 'text', content: 'Hi {{ contact.name | default: "there" }}' },
    });
    expect(reply.status).toBe(201);
    return reply.body as { id: string; status: string };
  };

  beforeAll(async () => {
    api = await freshTenant();
    listId = (await api.post('/api/v1/contact-lists', { name: 'Audience' })).body.id;
  });

  it('resume of a draft or a scheduled broadcast (no run): 409, nothing changed', async () => {
    // Prepare
    const created = await draft();
    const scheduled = await api.post('/api/v1/broadcasts', {
      name: 'Later',
      list_id: listId,
      message_template: { type: 'text', content: 'Hi' },
      scheduled_for: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    });

    // Act
    const resumedDraft = await api.post(`/api/v1/broadcasts/${created.id}/resume`);
    const resumedScheduled = await api.post(`/api/v1/broadcasts/${scheduled.body.id}/resume`);

    // Assess
    expectProblem(resumedDraft, 409, 'broadcast.invalid_transition');
    expectProblem(resumedScheduled, 409, 'broadcast.invalid_transition');
    expect((await api.get(`/api/v1/broadcasts/${created.id}`)).body).toEqual(created);
    expect((await api.get(`/api/v1/broadcasts/${scheduled.body.id}`)).body).toEqual(scheduled.body);
  });

  it("resume of an unknown broadcast or another tenant's: 404 broadcast.not_found", async () => {
    // Prepare
    const other = await freshTenant();
    const otherList = (await other.post('/api/v1/contact-lists', { name: 'Theirs' })).body.id;
    const theirs = (
      await other.post('/api/v1/broadcasts', {
        name: 'Theirs',
        list_id: otherList,
        message_template: { type: 'text', content: 'Hi' },
      })
    ).body;

    // Act
    const unknown = await api.post(`/api/v1/broadcasts/${randomUUID()}/resume`);
    const foreign = await api.post(`/api/v1/broadcasts/${theirs.id}/resume`);

    // Assess
    expectProblem(unknown, 404, 'broadcast.not_found');
    expectProblem(foreign, 404, 'broadcast.not_found');
    expect((await other.get(`/api/v1/broadcasts/${theirs.id}`)).body.status).toBe('draft');
  });

  it.each(['execute', 'pause', 'resume', 'cancel', 'unschedule'])(
    'POST /broadcasts/:id/%s with an unknown field: 400 naming it, nothing changed',
    async (action) => {
      // Prepare
      const created = await draft();

      // Act
      const reply = await api.post(`/api/v1/broadcasts/${created.id}/${action}`, { force: true });
      const notObject = await api.post(`/api/v1/broadcasts/${created.id}/${action}`, ['force']);

      // Assess
      expect(errorFields(reply)).toEqual(['force']);
      expect(errorFields(notObject)).toEqual(['body']);
      expect((await api.get(`/api/v1/broadcasts/${created.id}`)).body).toEqual(created);
    },
  );

  it('an action with no body or an empty object still works', async () => {
    // Prepare
    const first = await draft();
    const second = await draft();

    // Act
    const noBody = await api.post(`/api/v1/broadcasts/${first.id}/execute`);
    const emptyObject = await api.post(`/api/v1/broadcasts/${second.id}/execute`, {});
    const emptyText = await api.raw('POST', `/api/v1/broadcasts/${first.id}/pause`, '', 'application/json');

    // Assess
    expect(noBody.status).toBe(200);
    expect(emptyObject.status).toBe(200);
    expect([200, 409]).toContain(emptyText.status);
  });

  it('a template that cannot render within its limits: 422 at create and at update, nothing stored', async () => {
    // Prepare
    const huge = '{% for i in (1..100000000) %}x{% endfor %}';
    const nested = '{% for i in (1..1000) %}{% for j in (1..1000) %}{{ contact.name }}{% endfor %}{% endfor %}';
    const created = await draft();

    // Act
    const create = await api.post('/api/v1/broadcasts', {
      name: 'Loop',
      list_id: listId,
      message_template: { type: 'text', content: huge },
    });
    const update = await api.put(`/api/v1/broadcasts/${created.id}`, {
      message_template: { type: 'text', content: nested },
    });
    const variable = await api.put(`/api/v1/broadcasts/${created.id}`, {
      message_template: { type: 'template', template_id: 'promo', variables: { big: huge } },
    });

    // Assess
    expectProblem(create, 422, 'broadcast.invalid_template');
    expect(create.body.errors).toEqual([{ field: 'message_template.content', message: expect.any(String) }]);
    expectProblem(update, 422, 'broadcast.invalid_template');
    expectProblem(variable, 422, 'broadcast.invalid_template');
    expect(variable.body.errors).toEqual([{ field: 'message_template.variables.big', message: expect.any(String) }]);
    expect((await api.get(`/api/v1/broadcasts/${created.id}`)).body).toEqual(created);
  });

  it('a template whose variables a sample contact lacks is still accepted', async () => {
    // Act
    const reply = await api.post('/api/v1/broadcasts', {
      name: 'Custom',
      list_id: listId,
      message_template: {
        type: 'text',
        content: 'Your plan: {{ contact.custom.plan }} {% for i in (1..3) %}*{% endfor %}',
      },
    });

    // Assess
    expect(reply.status).toBe(201);
  });
});

describe('the whole file', () => {
  it('never got a 5xx', () => {
    expect(e2e.serverErrors).toEqual([]);
  });
});
