import { channelRoutes } from '../lib/http/channel-routes.js';
import { httpHandler } from '../lib/http/http-handler.js';

/** HTTP API Lambda for the /api/v1/channels routes (see lib/http/routes.ts). */
export const handler = httpHandler(channelRoutes);
