import { automationRoutes } from '../lib/http/automation-routes.js';
import { httpHandler } from '../lib/http/http-handler.js';

/** HTTP API Lambda for POST /api/v1/automation/events (see lib/http/routes.ts). */
export const handler = httpHandler(automationRoutes);
