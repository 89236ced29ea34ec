import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpBilledMs } from '../../bench/support/child-usage.js';
import { httpFunctionOf, timeHttpFunctions } from '../../bench/support/http-timings.js';

/**
 * How the bench bills the HTTP API: which requests are calls of a route's function (one API Gateway request and one
 * Lambda invocation each), and the busy time of calls served side by side in one process.
 */

describe('httpFunctionOf', () => {
  it("names the route's function, and nothing for what API Gateway would not take", () => {
    // Prepare
    const webhook = '/api/v1/webhooks/whatsapp/0b9c2f3e-5a41-4a7c-9a55-1f0e2d3c4b5a?x=1';

    // Act
    const named = {
      webhookPost: httpFunctionOf('POST', webhook),
      webhookVerify: httpFunctionOf('GET', webhook),
      execute: httpFunctionOf('POST', '/api/v1/broadcasts/abc/execute'),
      localEvents: httpFunctionOf('POST', '/local/events'),
      sqs: httpFunctionOf('POST', '/'),
      wrongMethod: httpFunctionOf('DELETE', webhook),
    };

    // Assess
    expect(named).toEqual({
      webhookPost: 'whatsapp-webhook',
      webhookVerify: 'whatsapp-webhook',
      execute: 'broadcasts-api',
      localEvents: undefined,
      sqs: undefined,
      wrongMethod: undefined,
    });
  });
});

describe('httpBilledMs', () => {
  it('shares the busy time out among the calls, rounded up per call, never above their own wall times', () => {
    // Prepare
    const overlapping = { count: 4, totalMs: 400, billedMs: 402, maxMs: 120, busyMs: 130 };
    const oneByOne = { count: 2, totalMs: 20, billedMs: 21, maxMs: 11, busyMs: 30 };
    const unmeasured = { count: 3, totalMs: 30, billedMs: 31, maxMs: 11 };

    // Act
    const billed = [overlapping, oneByOne, unmeasured].map(httpBilledMs);

    // Assess
    expect(billed).toEqual([132, 21, 31]);
  });
});

describe('timeHttpFunctions', () => {
  let server: Server;
  let base: string;
  const calls: { fn: string; ms: number; busyMs: number }[] = [];
  let release: (() => void)[] = [];

  beforeAll(async () => {
    timeHttpFunctions((fn, ms, busyMs) => calls.push({ fn, ms, busyMs }));
    server = createServer((req, res) => {
      if (req.url?.startsWith('/api/v1/webhooks/')) release.push(() => res.end('ok'));
      else res.end('not a route');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('times each call of a route once, and counts the overlap of calls in flight together once', async () => {
    // Prepare
    const url = `${base}/api/v1/webhooks/whatsapp/0b9c2f3e-5a41-4a7c-9a55-1f0e2d3c4b5a`;
    const first = fetch(url, { method: 'POST', body: '{}' });
    const second = fetch(url, { method: 'POST', body: '{}' });
    while (release.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));

    // Act
    for (const answer of release) answer();
    release = [];
    await Promise.all([(await first).text(), (await second).text()]);
    await (await fetch(`${base}/local/events`, { method: 'POST', body: '{}' })).text();

    // Assess
    expect(calls.map((c) => c.fn)).toEqual(['whatsapp-webhook', 'whatsapp-webhook']);
    const wall = calls.reduce((sum, c) => sum + c.ms, 0);
    const busy = calls.reduce((sum, c) => sum + c.busyMs, 0);
    const longest = Math.max(...calls.map((c) => c.ms));
    expect(busy).toBeLessThan(wall);
    expect(busy).toBeGreaterThanOrEqual(longest);
  });
});
