import type { z } from 'zod';
import {
  type ChannelFields,
  createChannel,
  deleteChannel,
  getChannel,
  listChannels,
  updateChannel,
} from '../use-cases/channel-commands.js';
import { pageOf } from './contact-list-routes.js';
import type { Route } from './http-handler.js';
import { presentChannel } from './presenters.js';
import { json, noContent, pageBody, pathId, queryOf, requireBody } from './request.js';
import { createChannelBody, pageQuery, updateChannelBody } from './schemas.js';

export const channelRoutes: Record<string, Route> = {
  'POST /api/v1/channels': async ({ tenantId, body }, deps) => {
    const input = requireBody(createChannelBody, body);
    const channel = await createChannel(deps, tenantId, { ...toFields(input), type: input.type });
    return json(201, presentChannel(channel));
  },

  'GET /api/v1/channels': async ({ event, tenantId }, deps) => {
    const query = queryOf(event, pageQuery);
    const page = await listChannels(deps, tenantId, pageOf(query));
    return json(200, pageBody(page, presentChannel));
  },

  'GET /api/v1/channels/{id}': async ({ event, tenantId }, deps) =>
    json(200, presentChannel(await getChannel(deps, tenantId, pathId(event)))),

  'PUT /api/v1/channels/{id}': async ({ event, tenantId, body }, deps) => {
    const id = pathId(event);
    const input = requireBody(updateChannelBody, body);
    const channel = await updateChannel(deps, tenantId, id, { ...toFields(input), type: input.type });
    return json(200, presentChannel(channel));
  },

  'DELETE /api/v1/channels/{id}': async ({ event, tenantId }, deps) => {
    await deleteChannel(deps, tenantId, pathId(event));
    return noContent();
  },
};

function toFields(input: z.output<typeof createChannelBody> | z.output<typeof updateChannelBody>): ChannelFields {
  const config: Record<string, unknown> = {};
  if (input.type === 'webhook') {
    config.url = input.config.url;
    if (input.config.secret !== undefined) config.secret = input.config.secret;
  }
  return {
    name: input.name,
    config,
    ...(input.required_address !== undefined ? { requiredAddress: input.required_address } : {}),
    ...(input.is_default !== undefined ? { isDefault: input.is_default } : {}),
  };
}
