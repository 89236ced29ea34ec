import { classifyAddress } from '../../../lib/adapters/channels/address-class.js';
import {
  type HostResolver,
  OutboundUrlGuard,
  OutboundUrlRefusedError,
  UnresolvedHostError,
} from '../../../lib/adapters/channels/outbound-url-guard.js';
import { pinnedLookup } from '../../../lib/adapters/channels/pinned-lookup.js';
import { buildDeps } from '../../../lib/composition-root.js';
import { loadConfig } from '../../../lib/config.js';
import { rejectionOf } from '../../support/builders.js';

const PUBLIC = '93.184.216.34';
const answering =
  (table: Record<string, string[]>): HostResolver =>
  async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
const strict = (resolve: HostResolver = answering({})) =>
  new OutboundUrlGuard({ allowPrivate: false, requireHttps: false, resolve });

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local'],
    ['169.254.170.2', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['198.51.100.1', 'reserved'],
    ['203.0.113.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00:ec2::254', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback (IPv4-mapped 127.0.0.1)'],
    ['::ffff:a9fe:a9fe', 'link-local (IPv4-mapped 169.254.169.254)'],
    ['::7f00:1', 'IPv4-compatible'],
    ['::ffff:0:7f00:1', 'IPv4-translated'],
    ['64:ff9b::a9fe:a9fe', 'link-local (NAT64 169.254.169.254)'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['2002:7f00:1::1', '6to4 tunnel'],
    ['2001::1', 'Teredo tunnel'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'discard-only'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'not an IP address'],
  ])('refuses %s (%s)', (address, range) => {
    expect(classifyAddress(address)).toEqual({ allowed: false, range });
  });

  it.each([
    PUBLIC,
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('allows the public address %s', (address) => {
    expect(classifyAddress(address)).toEqual({ allowed: true });
  });
});

describe('OutboundUrlGuard.refusal (create and update)', () => {
  it.each([
    ['http://0x7f000001/', '127.0.0.1 is not a public address (loopback)'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1 is not a public address (loopback (IPv4-mapped 127.0.0.1))'],
    ['http://localhost:3000/', 'localhost names this machine'],
    ['http://inside.example.com/', 'inside.example.com resolves to 10.0.0.5, not a public address (private)'],
    ['https://u:p@hooks.example.com/', 'credentials in the URL (user:password@) are not allowed'],
    ['ftp://hooks.example.com/', 'only http and https URLs are allowed'],
    ['https://hooks.example.com/a b', 'it contains spaces or control characters'],
    ['https://hooks.example.com/\t', 'it contains spaces or control characters'],
    ['not a url', 'it contains spaces or control characters'],
    ['hooks.example.com/hook', 'it is not a URL'],
  ])('%s: %s', async (url, reason) => {
    // Prepare
    const guard = strict(answering({ 'inside.example.com': ['10.0.0.5'], 'hooks.example.com': [PUBLIC] }));

    // Act
    const refusal = await guard.refusal(url);

    // Assess
    expect(refusal).toBe(reason);
  });

  it('lets a public URL through, and one whose name does not resolve (the send-time check decides)', async () => {
    // Prepare
    const guard = strict(answering({ 'hooks.example.com': [PUBLIC, '2606:4700:4700::1111'] }));

    // Act
    const refusals = await Promise.all([
      guard.refusal('https://hooks.example.com/hook'),
      guard.refusal('https://not-yet.example.com/hook'),
    ]);

    // Assess
    expect(refusals).toEqual([undefined, undefined]);
  });

  it('does not wait for a resolver that never answers', async () => {
    // Prepare
    const guard = new OutboundUrlGuard({
      allowPrivate: false,
      requireHttps: false,
      resolve: () => new Promise(() => undefined),
      resolveTimeoutMs: 50,
    });

    // Act
    const refusal = await guard.refusal('https://slow.example.com/hook');

    // Assess
    expect(refusal).toBeUndefined();
  });

  it('with requireHttps (AWS) refuses plain http', async () => {
    // Prepare
    const guard = new OutboundUrlGuard({ allowPrivate: false, requireHttps: true, resolve: answering({}) });

    // Act
    const refusal = await guard.refusal(`http://${PUBLIC}/hook`);

    // Assess
    expect(refusal).toBe('only https URLs are allowed here');
  });

  it('with allowPrivate lets internal addresses through, never credentials', async () => {
    // Prepare
    const guard = new OutboundUrlGuard({ allowPrivate: true, requireHttps: false });

    // Act
    const refusals = await Promise.all([
      guard.refusal('http://127.0.0.1:4000/hook'),
      guard.refusal('http://user:pass@127.0.0.1:4000/hook'),
    ]);

    // Assess
    expect(refusals).toEqual([undefined, 'credentials in the URL (user:password@) are not allowed']);
  });
});

describe('OutboundUrlGuard.vet (each send)', () => {
  it('answers the addresses it checked, for the connection to use', async () => {
    // Prepare
    const guard = strict(answering({ 'hooks.example.com': [PUBLIC, '2606:4700:4700::1111'] }));

    // Act
    const target = await guard.vet('https://hooks.example.com/hook');

    // Assess
    expect(target.url.href).toBe('https://hooks.example.com/hook');
    expect(target.addresses).toEqual([
      { address: PUBLIC, family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ]);
  });

  it('refuses a name with any internal address, and says a name that does not resolve is unresolved', async () => {
    // Prepare
    const guard = strict(answering({ 'mixed.example.com': [PUBLIC, '169.254.169.254'] }));

    // Act
    const refused = await rejectionOf(guard.vet('https://mixed.example.com/'));
    const unresolved = await rejectionOf(guard.vet('https://nowhere.example.com/'));

    // Assess
    expect(refused).toBeInstanceOf(OutboundUrlRefusedError);
    expect(unresolved).toBeInstanceOf(UnresolvedHostError);
    expect((unresolved as UnresolvedHostError).code).toBe('ENOTFOUND');
  });
});

describe('pinnedLookup', () => {
  const lookup = pinnedLookup([
    { address: PUBLIC, family: 4 },
    { address: '2606:4700:4700::1111', family: 6 },
  ]);
  const ask = (options: { all?: boolean; family?: number }) =>
    new Promise<unknown[]>((resolve) => lookup('evil.example.com', options, (...args: unknown[]) => resolve(args)));

  it('answers only the checked addresses, whatever name it is asked', async () => {
    expect(await ask({ all: true })).toEqual([
      null,
      [
        { address: PUBLIC, family: 4 },
        { address: '2606:4700:4700::1111', family: 6 },
      ],
    ]);
    expect(await ask({})).toEqual([null, PUBLIC, 4]);
    expect(await ask({ family: 6 })).toEqual([null, '2606:4700:4700::1111', 6]);
  });

  it('fails rather than invent an address of a family it was not given', async () => {
    // Prepare
    const v4only = pinnedLookup([{ address: PUBLIC, family: 4 }]);

    // Act
    const [error] = await new Promise<unknown[]>((resolve) =>
      v4only('x', { family: 6 }, (...args: unknown[]) => resolve(args)),
    );

    // Assess
    expect(error).toEqual(expect.objectContaining({ code: 'ENOTFOUND' }));
  });
});

describe("the stage's policy (ALLOW_PRIVATE_WEBHOOK_URLS)", () => {
  const policyOf = (env: Record<string, string>) =>
    buildDeps(loadConfig({ TABLE_NAME: 'policy-test', ...env })).outboundUrls;

  it('locally, by default: internal addresses and plain http are allowed (npm start, tests)', async () => {
    expect(await policyOf({}).refusal('http://127.0.0.1:4000/hook')).toBeUndefined();
  });

  it('in AWS, by default: internal addresses and plain http are refused', async () => {
    // Prepare
    const policy = policyOf({ AWS_LAMBDA_FUNCTION_NAME: 'channels-api' });

    // Act
    const refusals = await Promise.all([
      policy.refusal('https://10.0.0.1/hook'),
      policy.refusal(`http://${PUBLIC}/hook`),
      policy.refusal(`https://${PUBLIC}/hook`),
    ]);

    // Assess
    expect(refusals).toEqual([
      '10.0.0.1 is not a public address (private)',
      'only https URLs are allowed here',
      undefined,
    ]);
  });

  it('set to false locally, refuses internal addresses; set to true in AWS, still https only', async () => {
    // Act
    const local = await policyOf({ ALLOW_PRIVATE_WEBHOOK_URLS: 'false' }).refusal('http://[::1]/');
    const aws = policyOf({ AWS_LAMBDA_FUNCTION_NAME: 'channels-api', ALLOW_PRIVATE_WEBHOOK_URLS: 'true' });

    // Assess
    expect(local).toBe('::1 is not a public address (loopback)');
    expect(await aws.refusal('https://10.0.0.1/hook')).toBeUndefined();
    expect(await aws.refusal('http://10.0.0.1/hook')).toBe('only https URLs are allowed here');
  });
});
