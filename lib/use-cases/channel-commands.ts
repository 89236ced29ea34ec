import { isFinished } from '../domain/broadcast.js';
import { type Channel, type ChannelType, type RequiredAddress, SECRET_CONFIG_KEYS } from '../domain/channel.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import { assertChannelRateWithinCap } from '../domain/rate-cap.js';
import type { BroadcastRepository } from '../ports/broadcast-repository.js';
import type { ChannelRepository } from '../ports/channel-repository.js';
import type { OutboundUrlPolicy } from '../ports/outbound-url-policy.js';
import type { Page, PageRequest } from '../ports/pagination.js';
import type { Clock, IdGenerator } from '../ports/runtime.js';
import { type DeliverySettings, nowIso } from './deps.js';

/**
 * What the channel use cases depend on. Kept apart from UseCaseDeps until the composition root builds
 * the channel repository; each use case picks the few it needs, as elsewhere.
 */
export interface ChannelUseCaseDeps {
  channels: ChannelRepository;
  broadcasts: BroadcastRepository;
  clock: Clock;
  ids: IdGenerator;
  delivery: Pick<DeliverySettings, 'maxRatePerMinute'>;
  outboundUrls: OutboundUrlPolicy;
}

export interface ChannelFields {
  name: string;
  /** `{}` for log; `{url, secret}` for webhook (on update the secret may be left out to keep it). */
  config: Record<string, unknown>;
  /** Unset: the type's default on create, unchanged on update. */
  requiredAddress?: RequiredAddress;
  /** Unset: false on create, unchanged on update (a default is never dropped by omission). */
  isDefault?: boolean;
  /** Unset: the type's default on create, unchanged on update; `null` on update removes the channel's own cap. */
  maxMessagesPerSecond?: number | null;
}

/** A webhook needs somewhere to deliver to; a log line does not; WhatsApp and SMS need a phone number, e-mail an address. */
export const DEFAULT_REQUIRED_ADDRESS: Readonly<Record<ChannelType, RequiredAddress>> = {
  log: 'none',
  webhook: 'any',
  whatsapp: 'phone',
  sms: 'phone',
  email_ses: 'email',
};

export async function getChannel(
  deps: Pick<ChannelUseCaseDeps, 'channels'>,
  tenantId: string,
  id: string,
): Promise<Channel> {
  const channel = await deps.channels.findById(tenantId, id);
  if (!channel) throw new NotFoundError('channel', id);
  return channel;
}

export function listChannels(
  deps: Pick<ChannelUseCaseDeps, 'channels'>,
  tenantId: string,
  page: PageRequest,
): Promise<Page<Channel>> {
  return deps.channels.list(tenantId, page);
}

/** With `isDefault` the tenant's previous default stops being one, atomically. */
export async function createChannel(
  deps: Pick<ChannelUseCaseDeps, 'channels' | 'clock' | 'ids' | 'delivery' | 'outboundUrls'>,
  tenantId: string,
  fields: ChannelFields & { type: ChannelType },
): Promise<Channel> {
  assertCapWithinStage(deps, fields.maxMessagesPerSecond);
  await assertUrlAllowed(deps, fields.type, fields.config);
  const now = nowIso(deps);
  const channel: Channel = {
    id: deps.ids.newId(),
    tenantId,
    name: fields.name,
    type: fields.type,
    config: fields.config,
    requiredAddress: fields.requiredAddress ?? DEFAULT_REQUIRED_ADDRESS[fields.type],
    isDefault: fields.isDefault ?? false,
    ...(typeof fields.maxMessagesPerSecond === 'number' ? { maxMessagesPerSecond: fields.maxMessagesPerSecond } : {}),
    createdAt: now,
    updatedAt: now,
  };
  await deps.channels.create(channel);
  return channel;
}

/** PUT: name and config are replaced; the type is fixed at creation (a different one is a 422). */
export async function updateChannel(
  deps: Pick<ChannelUseCaseDeps, 'channels' | 'clock' | 'delivery' | 'outboundUrls'>,
  tenantId: string,
  id: string,
  fields: ChannelFields & { type?: ChannelType },
): Promise<Channel> {
  assertCapWithinStage(deps, fields.maxMessagesPerSecond);
  const existing = await getChannel(deps, tenantId, id);
  if (fields.type !== undefined && fields.type !== existing.type) {
    throw new UnprocessableError(
      'channel.type_immutable',
      `channel ${id} is a ${existing.type} channel and stays one; create a ${fields.type} channel instead`,
      [{ field: 'type', message: `must be ${existing.type}` }],
    );
  }
  await assertUrlAllowed(deps, existing.type, fields.config);
  const config = { ...fields.config };
  for (const key of SECRET_CONFIG_KEYS[existing.type]) {
    if (config[key] === undefined && existing.config[key] !== undefined) config[key] = existing.config[key];
  }
  const { maxMessagesPerSecond: _previousCap, ...unchanged } = existing;
  const cap = fields.maxMessagesPerSecond === undefined ? existing.maxMessagesPerSecond : fields.maxMessagesPerSecond;
  const channel: Channel = {
    ...unchanged,
    name: fields.name,
    config,
    requiredAddress: fields.requiredAddress ?? existing.requiredAddress,
    isDefault: fields.isDefault ?? existing.isDefault,
    ...(typeof cap === 'number' ? { maxMessagesPerSecond: cap } : {}),
    updatedAt: nowIso(deps),
  };
  await deps.channels.update(channel);
  return channel;
}

/**
 * A channel that a broadcast which has not finished (draft, scheduled, running, paused) names cannot be
 * deleted (409 `channel.in_use`): it would silently lose its way out. Broadcasts are few per tenant and
 * deletes rare, so this walks the tenant's broadcasts rather than keeping an index of channel users. A
 * broadcast created with this channel_id after the check finds no channel at execute: a 422 then.
 */
export async function deleteChannel(
  deps: Pick<ChannelUseCaseDeps, 'channels' | 'broadcasts'>,
  tenantId: string,
  id: string,
): Promise<void> {
  const channel = await getChannel(deps, tenantId, id);
  const users: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.broadcasts.list(tenantId, { limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const b of page.items) {
      if (b.channelId === id && !isFinished(b.status)) users.push(`${b.id} (${b.status})`);
    }
    cursor = page.nextCursor;
  } while (cursor);
  if (users.length > 0) {
    throw new ConflictError(
      'channel.in_use',
      `the channel is used by broadcasts that have not finished: ${users.slice(0, 20).join(', ')}` +
        (users.length > 20 ? ` and ${users.length - 20} more` : ''),
    );
  }
  await deps.channels.delete(channel);
}

/**
 * A webhook's URL may not point inside (loopback, private, link-local, metadata services...), carry credentials, or
 * be plain http in AWS: 422 `channel.url_not_allowed`, naming why. The sender checks again at every send.
 */
async function assertUrlAllowed(
  deps: Pick<ChannelUseCaseDeps, 'outboundUrls'>,
  type: ChannelType,
  config: Record<string, unknown>,
): Promise<void> {
  if (type !== 'webhook' || typeof config.url !== 'string') return;
  const refusal = await deps.outboundUrls.refusal(config.url);
  if (refusal === undefined) return;
  throw new UnprocessableError('channel.url_not_allowed', `the webhook URL is not allowed: ${refusal}`, [
    { field: 'config.url', message: refusal },
  ]);
}

/** A channel may not be set to send faster than the stage was sized for (MAX_RATE_PER_MINUTE). */
function assertCapWithinStage(deps: Pick<ChannelUseCaseDeps, 'delivery'>, perSecond: number | null | undefined): void {
  if (typeof perSecond === 'number') assertChannelRateWithinCap(perSecond, deps.delivery.maxRatePerMinute);
}
