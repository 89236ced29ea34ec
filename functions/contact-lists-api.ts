import { contactListRoutes } from '../lib/http/contact-list-routes.js';
import { httpHandler } from '../lib/http/http-handler.js';

/** HTTP API Lambda for the /api/v1/contact-lists routes (see lib/http/routes.ts). */
export const handler = httpHandler(contactListRoutes);
