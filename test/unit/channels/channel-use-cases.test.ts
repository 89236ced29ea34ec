import { randomUUID } from 'node:crypto';
import { DefaultChannelSenderFactory } from '../../../lib/adapters/channels/channel-sender-factory.js';
import { LogChannel, stageLogChannel } from '../../../lib/adapters/channels/log-channel.js';
import { OutboundUrlGuard } from '../../../lib/adapters/channels/outbound-url-guard.js';
import { WebhookChannel } from '../../../lib/adapters/channels/webhook-channel.js';
import type { Broadcast } from '../../../lib/domain/broadcast.js';
import type { Channel } from '../../../lib/domain/channel.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../../lib/domain/errors.js';
import type { BroadcastRepository } from '../../../lib/ports/broadcast-repository.js';
import type { ChannelRepository } from '../../../lib/ports/channel-repository.js';
import type { Page, PageRequest } from '../../../lib/ports/pagination.js';
import { createChannel, deleteChannel, getChannel, updateChannel } from '../../../lib/use-cases/channel-commands.js';
import { resolveChannel } from '../../../lib/use-cases/resolve-channel.js';
import { aBroadcast, rejectionOf } from '../../support/builders.js';

const SECRET = 'whsec-0123456789abcdef';

/** Channels in memory, keeping the one-default rule the way the DynamoDB repository does. */
class InMemoryChannels implements ChannelRepository {
  readonly items = new Map<string, Channel>();
  private key = (tenantId: string, id: string) => `${tenantId}/${id}`;
  private undefaultOthers(channel: Channel) {
    if (!channel.isDefault) return;
    for (const other of this.items.values()) {
      if (other.tenantId === channel.tenantId && other.id !== channel.id && other.isDefault) {
        this.items.set(this.key(other.tenantId, other.id), { ...other, isDefault: false });
      }
    }
  }
  async create(channel: Channel) {
    this.undefaultOthers(channel);
    this.items.set(this.key(channel.tenantId, channel.id), channel);
  }
  async findById(tenantId: string, id: string) {
    return this.items.get(this.key(tenantId, id));
  }
  async findByIdInAnyTenant(id: string) {
    return [...this.items.values()].find((c) => c.id === id);
  }
  async list(tenantId: string, _page: PageRequest): Promise<Page<Channel>> {
    return { items: [...this.items.values()].filter((c) => c.tenantId === tenantId) };
  }
  async findDefault(tenantId: string) {
    return [...this.items.values()].find((c) => c.tenantId === tenantId && c.isDefault);
  }
  async update(channel: Channel) {
    if (!this.items.has(this.key(channel.tenantId, channel.id))) throw new NotFoundError('channel', channel.id);
    this.undefaultOthers(channel);
    this.items.set(this.key(channel.tenantId, channel.id), channel);
  }
  async delete(channel: Channel) {
    this.items.delete(this.key(channel.tenantId, channel.id));
  }
  /** Kept in clear here: sealing is the DynamoDB repository's (test/integration/channel-credentials.test.ts). */
  async openCredentials(channel: Channel) {
    return channel;
  }
}

function broadcastsOf(items: Broadcast[]): BroadcastRepository {
  return {
    list: async (tenantId: string, page: PageRequest) => {
      const mine = items.filter((b) => b.tenantId === tenantId);
      const start = Number(page.cursor ?? 0);
      const slice = mine.slice(start, start + page.limit);
      const next = start + page.limit;
      return next < mine.length ? { items: slice, nextCursor: String(next) } : { items: slice };
    },
  } as unknown as BroadcastRepository;
}

const clock = { now: () => new Date('2025-01-15T12:00:00.000Z') };
const ids = { newId: () => randomUUID() };

function deps(broadcasts: Broadcast[] = [], allowPrivate = true) {
  return {
    channels: new InMemoryChannels(),
    broadcasts: broadcastsOf(broadcasts),
    clock,
    ids,
    delivery: { maxRatePerMinute: 60_000 },
    outboundUrls: new OutboundUrlGuard({ allowPrivate, requireHttps: false }),
  };
}

const webhook = (url = 'https://hooks.example.com/a', secret: string | undefined = SECRET) => ({
  name: 'Hooks',
  type: 'webhook' as const,
  config: secret === undefined ? { url } : { url, secret },
});

describe('channel use cases', () => {
  it('creates a channel with its type default for required_address and not as default', async () => {
    // Prepare
    const d = deps();

    // Act
    const hook = await createChannel(d, 'acme', webhook());
    const log = await createChannel(d, 'acme', { name: 'Log', type: 'log', config: {} });

    // Assess
    expect(hook).toEqual(
      expect.objectContaining({ tenantId: 'acme', requiredAddress: 'any', isDefault: false, type: 'webhook' }),
    );
    expect(log.requiredAddress).toBe('none');
    expect(await d.channels.findById('acme', hook.id)).toEqual(hook);
  });

  it('keeps the stored secret when a PUT leaves it out, and replaces it when given', async () => {
    // Prepare
    const d = deps();
    const created = await createChannel(d, 'acme', webhook());

    // Act
    const kept = await updateChannel(d, 'acme', created.id, { ...webhook('https://hooks.example.com/b', undefined) });
    const replaced = await updateChannel(
      d,
      'acme',
      created.id,
      webhook('https://hooks.example.com/b', 'another-secret-0123'),
    );

    // Assess
    expect(kept.config).toEqual({ url: 'https://hooks.example.com/b', secret: SECRET });
    expect(replaced.config).toEqual({ url: 'https://hooks.example.com/b', secret: 'another-secret-0123' });
  });

  it('keeps is_default and required_address when a PUT leaves them out', async () => {
    // Prepare
    const d = deps();
    const created = await createChannel(d, 'acme', { ...webhook(), isDefault: true, requiredAddress: 'phone' });

    // Act
    const updated = await updateChannel(d, 'acme', created.id, {
      name: 'Renamed',
      config: { url: 'https://x.example' },
    });

    // Assess
    expect(updated).toEqual(expect.objectContaining({ name: 'Renamed', isDefault: true, requiredAddress: 'phone' }));
  });

  it('refuses to change the type: 422 channel.type_immutable', async () => {
    // Prepare
    const d = deps();
    const created = await createChannel(d, 'acme', webhook());

    // Act
    const error = await rejectionOf(updateChannel(d, 'acme', created.id, { name: 'x', type: 'log', config: {} }));

    // Assess
    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toEqual(expect.objectContaining({ code: 'channel.type_immutable' }));
  });

  it('refuses a webhook URL that points inside at create: 422 channel.url_not_allowed naming why, nothing stored', async () => {
    // Prepare
    const d = deps([], false);

    // Act
    const error = await rejectionOf(createChannel(d, 'acme', webhook('http://169.254.169.254/latest/meta-data/')));

    // Assess
    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toEqual(
      expect.objectContaining({
        code: 'channel.url_not_allowed',
        errors: [{ field: 'config.url', message: '169.254.169.254 is not a public address (link-local)' }],
      }),
    );
    expect(d.channels.items.size).toBe(0);
  });

  it('refuses such a URL at update too, keeping the channel as it was', async () => {
    // Prepare
    const d = deps([], false);
    const created = await createChannel(d, 'acme', webhook('https://8.8.8.8/hook'));

    // Act
    const error = await rejectionOf(updateChannel(d, 'acme', created.id, webhook('http://[::1]:8080/')));

    // Assess
    expect(error).toEqual(expect.objectContaining({ code: 'channel.url_not_allowed' }));
    expect(d.channels.items.get(`acme/${created.id}`)).toEqual(created);
  });

  it("answers 404 for another tenant's channel", async () => {
    // Prepare
    const d = deps();
    const created = await createChannel(d, 'acme', webhook());

    // Act
    const error = await rejectionOf(getChannel(d, 'globex', created.id));

    // Assess
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toEqual(expect.objectContaining({ code: 'channel.not_found' }));
  });

  it('refuses to delete a channel that an unfinished broadcast uses, found across pages', async () => {
    // Prepare
    const channelId = randomUUID();
    const others = Array.from({ length: 1500 }, () => aBroadcast('acme', { status: 'completed', channelId }));
    const user = aBroadcast('acme', { status: 'scheduled', channelId });
    const d = deps([...others, user]);
    const channel = await createChannel({ ...d, ids: { newId: () => channelId } }, 'acme', webhook());

    // Act
    const error = await rejectionOf(deleteChannel(d, 'acme', channel.id));

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toEqual(
      expect.objectContaining({ code: 'channel.in_use', message: expect.stringContaining(user.id) }),
    );
    expect(await d.channels.findById('acme', channel.id)).toBeDefined();
  });

  it('deletes a channel that only finished broadcasts used', async () => {
    // Prepare
    const channelId = randomUUID();
    const d = deps(
      ['completed', 'cancelled', 'failed'].map((status) =>
        aBroadcast('acme', { status, channelId } as Partial<Broadcast>),
      ),
    );
    const channel = await createChannel({ ...d, ids: { newId: () => channelId } }, 'acme', webhook());

    // Act
    await deleteChannel(d, 'acme', channel.id);

    // Assess
    expect(await d.channels.findById('acme', channel.id)).toBeUndefined();
  });
});

describe('resolveChannel', () => {
  it("uses the broadcast's channel_id first", async () => {
    // Prepare
    const d = deps();
    const own = await createChannel(d, 'acme', webhook());
    await createChannel(d, 'acme', { name: 'Default', type: 'log', config: {}, isDefault: true });

    // Act
    const channel = await resolveChannel(d, 'acme', aBroadcast('acme', { channelId: own.id }));

    // Assess
    expect(channel.id).toBe(own.id);
  });

  it('answers 422 broadcast.unknown_channel when channel_id names no channel of the tenant, never a fall-back', async () => {
    // Prepare
    const d = deps();
    const globexChannel = await createChannel(d, 'globex', webhook());
    await createChannel(d, 'acme', { name: 'Default', type: 'log', config: {}, isDefault: true });

    // Act
    const error = await rejectionOf(resolveChannel(d, 'acme', aBroadcast('acme', { channelId: globexChannel.id })));

    // Assess
    expect(error).toEqual(expect.objectContaining({ code: 'broadcast.unknown_channel' }));
  });

  it("falls back to the tenant's default, then to the stage's default channel", async () => {
    // Prepare
    const d = deps();
    const stage = stageLogChannel();
    const broadcast = aBroadcast('acme');

    // Act
    const fromStage = await resolveChannel({ ...d, defaultChannel: stage }, 'acme', broadcast);
    const tenantDefault = await createChannel(d, 'acme', { ...webhook(), isDefault: true });
    const fromTenant = await resolveChannel({ ...d, defaultChannel: stage }, 'acme', broadcast);

    // Assess
    expect(fromStage).toEqual({ ...stage, tenantId: 'acme' });
    expect(fromTenant.id).toBe(tenantDefault.id);
  });

  it('answers 422 broadcast.no_channel when there is no channel anywhere', async () => {
    // Act
    const error = await rejectionOf(resolveChannel(deps(), 'acme', aBroadcast('acme')));

    // Assess
    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toEqual(
      expect.objectContaining({
        code: 'broadcast.no_channel',
        errors: [expect.objectContaining({ field: 'channel_id' })],
      }),
    );
  });
});

describe('DefaultChannelSenderFactory', () => {
  const channel = (type: Channel['type'], config: Record<string, unknown>): Channel => ({
    id: randomUUID(),
    tenantId: 'acme',
    name: 'c',
    type,
    config,
    requiredAddress: 'none',
    isDefault: false,
    createdAt: '2025-01-15T12:00:00.000Z',
    updatedAt: '2025-01-15T12:00:00.000Z',
  });

  it('builds the adapter of each channel type', () => {
    // Prepare
    const factory = new DefaultChannelSenderFactory({ log: { write: () => undefined } });

    // Act
    const log = factory.senderFor(channel('log', {}));
    const hook = factory.senderFor(channel('webhook', { url: 'https://hooks.example.com', secret: SECRET }));

    // Assess
    expect(log).toBeInstanceOf(LogChannel);
    expect(hook).toBeInstanceOf(WebhookChannel);
    expect(hook.honoursIdempotencyKey).toBe(true);
  });

  it('refuses a webhook channel without url and secret, without showing the config', () => {
    // Prepare
    const factory = new DefaultChannelSenderFactory();

    // Act
    const build = () => factory.senderFor(channel('webhook', { url: 'https://hooks.example.com', secret: 42 }));

    // Assess
    expect(build).toThrow(/has no valid url and secret/);
  });
});
