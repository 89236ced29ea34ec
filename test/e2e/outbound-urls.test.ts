import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedAddress } from '../../lib/adapters/channels/outbound-url-guard.js';
import { runtimeHooks, setRuntimeHooks } from '../../lib/composition-root.js';
import { type Api, type E2e, expectProblem, newTenant, startE2e, tokenFor } from './support.js';

/**
 * Issue 11, section 2: with ALLOW_PRIVATE_WEBHOOK_URLS off (as in AWS), a webhook URL that is or resolves to an
 * internal address, in any notation, is 422 channel.url_not_allowed at create and update, and refused again at send
 * time. Names resolve through the resolver below, which the test controls (the outbound URL guard's test hook).
 */
let e2e: E2e;
let acme: Api;
let sink: Server;
let sinkPort: number;
let hits = 0;

const PUBLIC = '93.184.216.34';
/** What each test name resolves to; changed by the send-time test. */
const dns = new Map<string, string[]>([
  ['hooks.example.com', [PUBLIC]],
  ['internal.example.com', ['10.0.0.5']],
  ['metadata.example.com', ['169.254.169.254']],
  ['ecs.example.com', ['169.254.170.2']],
  ['imds6.example.com', ['fd00:ec2::254']],
  ['loopback6.example.com', ['::1']],
  ['mixed.example.com', [PUBLIC, '127.0.0.1']],
  ['mapped.example.com', ['::ffff:10.1.2.3']],
  ['127.0.0.1.nip.io', ['127.0.0.1']],
  ['rebind.example.com', [PUBLIC]],
]);

beforeAll(async () => {
  process.env.ALLOW_PRIVATE_WEBHOOK_URLS = 'false';
  process.env.MAX_SEND_ATTEMPTS = '1';
  setRuntimeHooks({
    ...runtimeHooks(),
    resolveHost: async (hostname): Promise<ResolvedAddress[]> => {
      const addresses = dns.get(hostname);
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
  });
  sink = createServer((_req, res) => {
    hits++;
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sinkPort = (sink.address() as AddressInfo).port;
  e2e = await startE2e();
  acme = e2e.api(await tokenFor(newTenant()));
});

afterAll(async () => {
  await e2e?.runtime.stop();
  sink?.closeAllConnections();
  await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
});

const webhook = (url: string) => ({
  name: 'CRM hook',
  type: 'webhook',
  config: { url, secret: 'whsec-e2e-0123456789abcdef' },
});

/** Every notation of an internal address the adversarial run used, and more. */
const HOSTILE: [string, string][] = [
  ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'link-local'],
  ['http://169.254.170.2/v2/credentials', 'link-local'],
  ['http://[fd00:ec2::254]/latest/meta-data/', 'unique-local'],
  ['http://localhost/', 'names this machine'],
  ['http://LOCALHOST./', 'names this machine'],
  ['http://api.localhost:8080/', 'names this machine'],
  ['http://127.0.0.1/', 'loopback'],
  ['http://127.0.0.1./', 'loopback'],
  ['http://127.1/', 'loopback'],
  ['http://0x7f000001/', 'loopback'],
  ['http://0x7f.0x0.0x0.0x1/', 'loopback'],
  ['http://017700000001/', 'loopback'],
  ['http://0177.0.0.1/', 'loopback'],
  ['http://2130706433/', 'loopback'],
  ['http://%31%32%37.0.0.1/', 'loopback'],
  ['http://①②⑦.0.0.1/', 'loopback'],
  ['http://[::1]/', 'loopback'],
  ['http://[0:0:0:0:0:0:0:1]/', 'loopback'],
  ['http://[::ffff:127.0.0.1]/', 'loopback'],
  ['http://[::ffff:7f00:1]/', 'loopback'],
  ['http://[::127.0.0.1]/', 'IPv4-compatible'],
  ['http://[64:ff9b::169.254.169.254]/', 'link-local'],
  ['http://0.0.0.0/', 'unspecified'],
  ['http://0/', 'unspecified'],
  ['http://[::]/', 'unspecified'],
  ['http://10.0.0.1/', 'private'],
  ['https://10.255.255.254:8443/hook', 'private'],
  ['http://172.16.0.1/', 'private'],
  ['http://172.31.255.255/', 'private'],
  ['http://192.168.1.1/', 'private'],
  ['http://100.64.0.1/', 'carrier-grade NAT'],
  ['http://224.0.0.251/', 'multicast'],
  ['http://255.255.255.255/', 'broadcast'],
  ['http://[ff02::1]/', 'multicast'],
  ['http://[fe80::1]/', 'link-local'],
  ['http://[fc00::1]/', 'unique-local'],
  ['http://[fec0::1]/', 'site-local'],
  ['http://192.0.2.10/', 'reserved'],
  ['http://198.18.0.1/', 'reserved'],
  ['http://240.0.0.1/', 'reserved'],
  ['http://[2001:db8::1]/', 'reserved'],
  ['http://internal.example.com/hook', 'resolves to 10.0.0.5'],
  ['http://metadata.example.com/latest/meta-data/', 'resolves to 169.254.169.254'],
  ['http://ecs.example.com/v2/credentials', 'resolves to 169.254.170.2'],
  ['http://imds6.example.com/', 'resolves to fd00:ec2::254'],
  ['http://loopback6.example.com/', 'resolves to ::1'],
  ['https://mixed.example.com/hook', 'resolves to 127.0.0.1'],
  ['https://mapped.example.com/hook', 'resolves to ::ffff:10.1.2.3'],
  ['http://127.0.0.1.nip.io/', 'resolves to 127.0.0.1'],
  ['https://user:secret@hooks.example.com/hook', 'credentials'],
  ['https://token@hooks.example.com/hook', 'credentials'],
  ['http://169.254.169.254%2f@hooks.example.com/', 'credentials'],
];

describe('a webhook URL that points inside: 422 channel.url_not_allowed', () => {
  it.each(HOSTILE)('POST %s', async (url, why) => {
    // Act
    const reply = await acme.post('/api/v1/channels', webhook(url));

    // Assess
    expectProblem(reply, 422, 'channel.url_not_allowed');
    expect(reply.body.errors).toEqual([{ field: 'config.url', message: expect.stringContaining(why) }]);
  });

  it('creates nothing', async () => {
    // Act
    const listed = await acme.get('/api/v1/channels');

    // Assess
    expect(listed.body.items).toEqual([]);
  });

  it.each(HOSTILE.filter((_, i) => i % 4 === 0))('PUT %s, the channel unchanged', async (url, why) => {
    // Prepare
    const api = e2e.api(await tokenFor(newTenant()));
    const created = await api.post('/api/v1/channels', webhook('https://hooks.example.com/hook'));

    // Act
    const reply = await api.put(`/api/v1/channels/${created.body.id}`, webhook(url));

    // Assess
    expectProblem(reply, 422, 'channel.url_not_allowed');
    expect(reply.body.errors).toEqual([{ field: 'config.url', message: expect.stringContaining(why) }]);
    expect((await api.get(`/api/v1/channels/${created.body.id}`)).body).toEqual(created.body);
  });
});

describe('a webhook URL on the public internet', () => {
  it.each([
    'https://hooks.example.com/hook',
    'http://93.184.216.34:8080/hook',
    'https://[2606:4700:4700::1111]/hook',
    'https://unknown-yet.example.com/hook',
  ])('POST %s: 201', async (url) => {
    // Prepare
    const api = e2e.api(await tokenFor(newTenant()));

    // Act
    const reply = await api.post('/api/v1/channels', webhook(url));

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body.config.url).toBe(url);
  });
});

describe('at send time', () => {
  it('a name that now resolves to 127.0.0.1 is refused: the contact fails naming why, nothing reaches 127.0.0.1', async () => {
    // Prepare: the channel is created while the name resolves to a public address, then the name moves.
    const api = e2e.api(await tokenFor(newTenant()));
    const channel = await api.post('/api/v1/channels', webhook(`http://rebind.example.com:${sinkPort}/hook`));
    expect(channel.status).toBe(201);
    const contact = await api.post('/api/v1/contacts', { name: 'Ana', phone: '+5511999998888' });
    const list = await api.post('/api/v1/contact-lists', { name: 'One', contact_ids: [contact.body.id] });
    const broadcast = await api.post('/api/v1/broadcasts', {
      name: 'Rebind',
      list_id: list.body.id,
      channel_id: channel.body.id,
      message_template: { type: 'text', content: 'Hi {{ contact.name }}' },
    });
    dns.set('rebind.example.com', ['127.0.0.1']);

    // Act
    const executed = await api.post(`/api/v1/broadcasts/${broadcast.body.id}/execute`);
    const execution = await settledExecution(api, broadcast.body.id);

    // Assess
    expect(executed.status).toBe(200);
    expect(execution).toEqual(
      expect.objectContaining({
        status: 'failed',
        reason: 'rejected',
        error: `the URL is not allowed: rebind.example.com resolves to 127.0.0.1, not a public address (loopback)`,
      }),
    );
    expect(hits).toBe(0);
  });
});

describe('the whole file', () => {
  it('never got a 5xx', () => {
    expect(e2e.serverErrors).toEqual([]);
  });
});

/** The broadcast's one execution once it is no longer pending (a bounded wait, not a timing assertion). */
async function settledExecution(api: Api, broadcastId: string) {
  for (let attempt = 0; attempt < 300; attempt++) {
    const reply = await api.get(`/api/v1/broadcasts/${broadcastId}/executions`);
    const [execution] = reply.body.items ?? [];
    if (execution && execution.status !== 'pending' && execution.status !== 'sending') return execution;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the execution of broadcast ${broadcastId} never settled`);
}
