import { broadcastRoutes } from '../lib/http/broadcast-routes.js';
import { httpHandler } from '../lib/http/http-handler.js';

/** HTTP API Lambda for the /api/v1/broadcasts routes (see lib/http/routes.ts). */
export const handler = httpHandler(broadcastRoutes);
