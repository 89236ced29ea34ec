import type { z } from 'zod';
import { DEFAULT_SMS_ORIGINATION_TYPE, DEFAULT_WHATSAPP_API_VERSION } from '../domain/channel.js';
import {
  type ChannelFields,
  createChannel,
  deleteChannel,
  getChannel,
  listChannels,
  updateChannel,
} from '../use-cases/channel-commands.js';
import { channelPaceView } from '../use-cases/channel-pace-view.js';
import type { Route } from './http-handler.js';
import { paging } from './page-cursor.js';
import { presentChannel } from './presenters.js';
import { json, noContent, pathId, queryOf, requireBody } from './request.js';
import { createChannelBody, pageQuery, updateChannelBody } from './schemas.js';

export const channelRoutes: Record<string, Route> = {
  'POST /api/v1/channels': async ({ tenantId, body }, deps) => {
    const input = requireBody(createChannelBody, body);
    const channel = await createChannel(deps, tenantId, { ...toFields(input), type: input.type });
    return json(201, presentChannel(channel));
  },

  'GET /api/v1/channels': async ({ event, tenantId }, deps) => {
    const query = queryOf(event, pageQuery);
    const page = paging(event, tenantId, query);
    const channels = await listChannels(deps, tenantId, page.request);
    // One read per capped channel of the page, none for the others.
    const paces = new Map(
      await Promise.all(channels.items.map(async (c) => [c.id, await channelPaceView(deps, c)] as const)),
    );
    return json(
      200,
      page.body(channels, (channel) => presentChannel(channel, paces.get(channel.id))),
    );
  },

  'GET /api/v1/channels/{id}': async ({ event, tenantId }, deps) => {
    const channel = await getChannel(deps, tenantId, pathId(event));
    return json(200, presentChannel(channel, await channelPaceView(deps, channel)));
  },

  'PUT /api/v1/channels/{id}': async ({ event, tenantId, body }, deps) => {
    const id = pathId(event);
    const input = requireBody(updateChannelBody, body);
    const channel = await updateChannel(deps, tenantId, id, { ...toFields(input), type: input.type });
    return json(200, presentChannel(channel, await channelPaceView(deps, channel)));
  },

  'DELETE /api/v1/channels/{id}': async ({ event, tenantId }, deps) => {
    await deleteChannel(deps, tenantId, pathId(event));
    return noContent();
  },
};

function toFields(input: z.output<typeof createChannelBody> | z.output<typeof updateChannelBody>): ChannelFields {
  return {
    name: input.name,
    config: configOf(input),
    ...(input.required_address !== undefined ? { requiredAddress: input.required_address } : {}),
    ...(input.is_default !== undefined ? { isDefault: input.is_default } : {}),
    ...(input.max_messages_per_second !== undefined ? { maxMessagesPerSecond: input.max_messages_per_second } : {}),
  };
}

/** The stored configuration, in the domain's names; a credential left out (PUT) is kept by the use case. */
function configOf(input: z.output<typeof createChannelBody> | z.output<typeof updateChannelBody>) {
  const present = (entries: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
  switch (input.type) {
    case 'log':
      return {};
    case 'webhook':
      return present({ url: input.config.url, secret: input.config.secret });
    case 'whatsapp':
      return present({
        phoneNumberId: input.config.phone_number_id,
        accessToken: input.config.access_token,
        appSecret: input.config.app_secret,
        verifyToken: input.config.verify_token,
        apiVersion: input.config.api_version ?? DEFAULT_WHATSAPP_API_VERSION,
      });
    case 'sms':
      return present({
        originationIdentity: input.config.origination_identity,
        messageType: input.config.message_type,
        configurationSetName: input.config.configuration_set_name,
        maxPricePerMessage: input.config.max_price_per_message,
        originationType: input.config.origination_type ?? DEFAULT_SMS_ORIGINATION_TYPE,
      });
    case 'email_ses':
      return present({
        fromAddress: input.config.from_address,
        fromName: input.config.from_name,
        replyTo: input.config.reply_to,
        configurationSetName: input.config.configuration_set_name,
      });
  }
}
