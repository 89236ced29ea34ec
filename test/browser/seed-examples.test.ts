/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import {
  callApi,
  launchBrowser,
  type StartedService,
  screenshot,
  screenshotOf,
  startService,
  unlabelledControls,
} from './support.js';

// The product spec's three worked examples (an immediate promotion, a scheduled newsletter, a cart recovery on custom
// fields), done in the dashboard as a new operator would, then the API reference at /docs. Only the contacts come
// from the API: a CRM pushes them; everything else is clicked and typed.

let service: StartedService;
let browser: Browser;
let page: Page;
/** The page's API calls that answered 5xx: a 5xx is a bug, whatever the page showed. */
const serverErrors: string[] = [];

const WAIT = { timeout: 30_000 };
/** How far ahead the scheduled examples are set: enough to type and submit the schedule, short for the run. */
const SCHEDULE_AHEAD_MS = 10_000;

const PIPELINE = randomUUID();
const CUSTOMER_STATUS = randomUUID();
const TODAY = new Date().toISOString().slice(0, 10);
const YESTERDAY = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

/** What a CRM would have pushed for the three examples, with the contacts each example must leave out or skip. */
const CONTACTS = [
  // Black Friday: four who get it, one without a name (its template variable `name` is missing), one opted out.
  ...['Ana', 'Bruno', 'Carla', 'Davi'].map((name) => ({
    name: `${name} Customer`,
    tags: ['customer', 'active'],
    pipeline_id: PIPELINE,
    status_id: CUSTOMER_STATUS,
  })),
  { tags: ['customer', 'active'], pipeline_id: PIPELINE, status_id: CUSTOMER_STATUS },
  {
    name: 'Olga Optedout',
    tags: ['customer', 'active'],
    pipeline_id: PIPELINE,
    status_id: CUSTOMER_STATUS,
    opted_out: true,
  },
  // Not active customers: another status, or not tagged active.
  { name: 'Lea Lead', tags: ['customer', 'active'], pipeline_id: PIPELINE, status_id: randomUUID() },
  { name: 'Fabio Former', tags: ['customer'], pipeline_id: PIPELINE, status_id: CUSTOMER_STATUS },
  // Newsletter subscribers.
  ...['Nina', 'Nuno', 'Noa', 'Nils', 'Nadia'].map((name) => ({ name: `${name} Reader`, tags: ['newsletter'] })),
  // Carts abandoned today: three who get the reminder, one without a name ({{name}} is missing).
  ...['Caio', 'Clara', 'Cris'].map((name) => ({
    name: `${name} Shopper`,
    custom_fields: { cart_status: 'abandoned', abandoned_date: TODAY },
  })),
  { custom_fields: { cart_status: 'abandoned', abandoned_date: TODAY } },
  // Not today's abandoned carts: yesterday's, and one paid today.
  { name: 'Yara Yesterday', custom_fields: { cart_status: 'abandoned', abandoned_date: YESTERDAY } },
  { name: 'Paulo Paid', custom_fields: { cart_status: 'paid', abandoned_date: TODAY } },
];

beforeAll(async () => {
  [service, browser] = await Promise.all([startService(), launchBrowser()]);
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('response', (response) => {
    if (response.status() >= 500) serverErrors.push(`${response.request().method()} ${response.url()}`);
  });
  let phone = 100;
  for (const contact of CONTACTS) {
    await callApi(service, 'POST', '/api/v1/contacts', { ...contact, phone: `+5511988880${phone++}` });
  }
  await page.goto(service.dashboardLink);
  await page.getByRole('heading', { name: 'Broadcasts' }).waitFor(WAIT);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

afterEach(() => {
  expect(serverErrors).toEqual([]);
});

interface ListInput {
  name: string;
  tags?: string;
  pipelineId?: string;
  statusId?: string;
  customFields?: string;
}

/** Contact lists → New list → the filters typed in, waiting for the editor's match count → Create list. */
async function createDynamicList(list: ListInput, expectedMatches: number): Promise<void> {
  await page.getByRole('link', { name: 'Contact lists' }).click();
  await page.getByRole('link', { name: 'New list' }).click();
  await page.getByLabel('Name', { exact: true }).fill(list.name);
  if (list.tags) await page.getByLabel(/^Tags/).fill(list.tags);
  if (list.pipelineId) await page.getByLabel('Pipeline id').fill(list.pipelineId);
  if (list.statusId) await page.getByLabel('Status id').fill(list.statusId);
  if (list.customFields) await page.getByLabel(/^Custom fields/).fill(list.customFields);
  await page.getByTestId('match-count').getByText(`${expectedMatches} contacts match now`).waitFor(WAIT);
  expect(await unlabelledControls(page)).toEqual([]);
  await page.getByRole('button', { name: 'Create list' }).click();
  await page.locator('tr', { has: page.getByRole('link', { name: list.name, exact: true }) }).waitFor(WAIT);
}

interface BroadcastInput {
  name: string;
  list: string;
  type: 'text' | 'template';
  content?: string;
  templateId?: string;
  variables?: string;
  rateLimit?: string;
}

/** Broadcasts → New broadcast → the form filled in → Create draft; ends on the new draft's page. */
async function createDraft(broadcast: BroadcastInput): Promise<void> {
  await page.getByRole('link', { name: 'Broadcasts', exact: true }).click();
  await page.getByRole('link', { name: 'New broadcast' }).click();
  await page.getByLabel('Name', { exact: true }).fill(broadcast.name);
  await page.getByLabel('Contact list').selectOption({ label: `${broadcast.list} (dynamic)` });
  await page.getByLabel(/^Type/).selectOption(broadcast.type);
  await page.getByLabel(/^Content/).fill(broadcast.content ?? '');
  if (broadcast.templateId) await page.getByLabel('Template id').fill(broadcast.templateId);
  if (broadcast.variables) await page.getByLabel(/^Variables/).fill(broadcast.variables);
  if (broadcast.rateLimit) await page.getByLabel(/^Rate limit/).fill(broadcast.rateLimit);
  expect(await unlabelledControls(page)).toEqual([]);
  await page.getByRole('button', { name: 'Create draft' }).click();
  await page.getByRole('heading', { name: broadcast.name }).waitFor(WAIT);
  await statusBadge().getByText('draft', { exact: true }).waitFor(WAIT);
}

/** Schedule… → a time SCHEDULE_AHEAD_MS ahead, to the second, typed in the browser's own clock → Schedule. */
async function scheduleShortlyAhead(): Promise<void> {
  await page.getByRole('button', { name: 'Schedule…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Schedule' });
  const localTime = await page.evaluate((aheadMs) => {
    const at = new Date(Date.now() + aheadMs);
    const two = (n: number) => String(n).padStart(2, '0');
    return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
  }, SCHEDULE_AHEAD_MS);
  await dialog.getByLabel(/^Start at/).fill(localTime);
  await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
  await statusBadge().getByText('scheduled', { exact: true }).waitFor(WAIT);
}

const statusBadge = () => page.locator('.page-head .badge');

/** The broadcast page's progress bar reads 100 % and its badge `completed`. */
async function waitUntilComplete(name: string): Promise<void> {
  await page
    .getByRole('progressbar', { name: `Progress of ${name}` })
    .and(page.locator('[aria-valuenow="100"]'))
    .waitFor(WAIT);
  await statusBadge().getByText('completed', { exact: true }).waitFor(WAIT);
}

/** The broadcast page's counter (Audience, Sent, Skipped…) as shown. */
async function counter(label: string): Promise<string | null> {
  return page
    .locator('.cards dt')
    .filter({ hasText: new RegExp(`^${label}$`) })
    .locator('xpath=following-sibling::dd[1]')
    .textContent();
}

describe("the product spec's worked examples, in the dashboard", () => {
  it('Black Friday Promotion: an active-customers list, a template broadcast executed through the preflight', async () => {
    // Prepare
    await createDynamicList(
      { name: 'Active Customers', tags: 'customer, active', pipelineId: PIPELINE, statusId: CUSTOMER_STATUS },
      6,
    );
    await createDraft({
      name: 'Black Friday Promotion',
      list: 'Active Customers',
      type: 'template',
      templateId: 'promo_bf',
      variables: 'name=contact.name\ndiscount=50',
      rateLimit: '100',
    });

    // Act
    await page.getByRole('button', { name: 'Execute…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Execute this broadcast?' });
    const preflight = dialog.getByTestId('preflight');
    await preflight.waitFor(WAIT);
    const facts = Object.fromEntries(
      await preflight
        .locator('dt')
        .evaluateAll((terms) => terms.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])),
    );
    await screenshot(page, 'seed-black-friday-preflight');
    await dialog.getByRole('button', { name: 'Confirm and execute' }).click();
    await waitUntilComplete('Black Friday Promotion');

    // Assess
    expect(facts.Audience).toBe('6');
    expect(facts['Would send']).toBe('4');
    expect(facts['Would skip']).toBe('1 opted out, 0 suppressed, 0 without an address, 1 missing a variable');
    expect(facts.Rate).toMatch(/^100 \/ min, limited by the broadcast's rate limit$/);
    expect([await counter('Sent'), await counter('Skipped')]).toEqual(['4', '2']);
    const reasons = page.getByTestId('reasons');
    await reasons.getByRole('row', { name: 'skipped missing_variable 1' }).waitFor(WAIT);
    await reasons.getByRole('row', { name: 'skipped opted_out 1' }).waitFor(WAIT);
    await screenshot(page, 'seed-black-friday');
  });

  it('Weekly Newsletter: scheduled a few seconds ahead with the picker, starts by itself and completes', async () => {
    // Prepare
    await createDynamicList({ name: 'Newsletter Subscribers', tags: 'newsletter' }, 5);
    await createDraft({
      name: 'Weekly Newsletter',
      list: 'Newsletter Subscribers',
      type: 'template',
      templateId: 'newsletter_weekly',
      rateLimit: '200',
    });

    // Act
    await scheduleShortlyAhead();
    const whileScheduled = await page.getByTestId('live-status').textContent();
    await screenshot(page, 'seed-newsletter-scheduled');
    await waitUntilComplete('Weekly Newsletter');

    // Assess
    expect(whileScheduled).toBe('Live: refreshing every 1.5 s');
    expect([await counter('Audience'), await counter('Sent')]).toEqual(['5', '5']);
    expect(await counter('Started')).not.toBe('—');
    await page.getByText('No contact failed or was skipped.').waitFor(WAIT);
    await page.getByText('Not moving: not refreshing').waitFor(WAIT);
    await screenshot(page, 'seed-newsletter');
  });

  it('Cart Recovery 2h: a custom-fields list of carts abandoned today, a scheduled text, its per-minute chart', async () => {
    // Prepare
    await createDynamicList(
      { name: 'Abandoned Carts Today', customFields: 'cart_status=abandoned\nabandoned_date=today' },
      4,
    );
    await createDraft({
      name: 'Cart Recovery 2h',
      list: 'Abandoned Carts Today',
      type: 'text',
      content: 'Hi {{name}}! Your cart is waiting. Complete now and get 10% OFF!',
    });

    // Act
    await scheduleShortlyAhead();
    await waitUntilComplete('Cart Recovery 2h');
    await page.getByText('Per-minute figures as a table').click();

    // Assess
    const buckets = await page
      .locator('figure.chart figcaption tbody tr')
      .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].slice(1).map((td) => td.textContent)));
    const sentInBuckets = buckets.reduce((sum, [sent]) => sum + Number(sent), 0);
    expect(buckets.length).toBeGreaterThan(0);
    expect(sentInBuckets).toBe(3);
    expect([await counter('Audience'), await counter('Sent'), await counter('Skipped')]).toEqual(['4', '3', '1']);
    await page.getByTestId('reasons').getByRole('row', { name: 'skipped missing_variable 1' }).waitFor(WAIT);
    await screenshot(page, 'seed-cart-recovery');
  });
});

describe('the API reference at /docs', () => {
  const cspErrors: string[] = [];
  const otherHosts: string[] = [];

  beforeAll(() => {
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspErrors.push(message.text());
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol !== 'data:' && url.origin !== service.baseUrl) otherHosts.push(request.url());
    });
  });

  it('lists every route of the OpenAPI document, loading nothing from another host', async () => {
    // Prepare
    const openapi = page.waitForResponse((response) => response.url().endsWith('/api/v1/openapi.json'));

    // Act
    await page.goto(`${service.baseUrl}/docs`);
    const document = (await (await openapi).json()) as { paths: Record<string, Record<string, unknown>> };
    await page.locator('.swagger-ui .opblock').first().waitFor(WAIT);
    const listed = await page
      .locator('.swagger-ui .opblock-summary')
      .evaluateAll((summaries) =>
        summaries.map(
          (s) =>
            `${s.querySelector('.opblock-summary-method')?.textContent} ${s.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
        ),
      );
    await screenshot(page, 'docs');

    // Assess
    const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => methods.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.length).toBeGreaterThan(20);
    expect([...listed].sort()).toEqual([...documented].sort());
    expect(cspErrors).toEqual([]);
    expect(otherHosts).toEqual([]);
  });

  it('authorizes with the development token and runs "Try it out" on GET /api/v1/broadcasts', async () => {
    // Prepare
    await page.locator('.swagger-ui .auth-wrapper .btn.authorize').click();
    const modal = page.locator('.swagger-ui .modal-ux');
    await modal.locator('input').first().fill(service.token);
    await modal.getByRole('button', { name: 'Apply credentials' }).click();
    await modal.getByRole('button', { name: 'Remove authorization' }).waitFor(WAIT);
    await modal.getByRole('button', { name: 'Close' }).click();
    const operation = page.locator('.opblock-get', {
      has: page.locator('.opblock-summary-path[data-path="/api/v1/broadcasts"]'),
    });
    await operation.locator('.opblock-summary').click();

    // Act
    const tryItOut = operation.getByRole('button', { name: 'Try it out' });
    if (await tryItOut.isVisible()) await tryItOut.click();
    const answered = page.waitForResponse(
      (response) => new URL(response.url()).pathname === '/api/v1/broadcasts' && response.request().method() === 'GET',
    );
    await operation.getByRole('button', { name: 'Execute' }).click();
    const response = await answered;
    const shownStatus = operation.locator('.live-responses-table tr.response .response-col_status').first();
    await shownStatus.waitFor(WAIT);
    await screenshotOf(operation, 'docs-try-it');

    // Assess
    expect(response.request().headers().authorization).toBe(`Bearer ${service.token}`);
    expect((await shownStatus.textContent())?.trim()).toBe('200');
    const body =
      (await operation
        .locator('.live-responses-table tr.response .response-col_description pre')
        .first()
        .textContent()) ?? '';
    expect(body).toContain('Cart Recovery 2h');
    expect(cspErrors).toEqual([]);
    expect(otherHosts).toEqual([]);
  });
});
