import { contactRoutes } from '../lib/http/contact-routes.js';
import { httpHandler } from '../lib/http/http-handler.js';

/** HTTP API Lambda for the /api/v1/contacts routes (see lib/http/routes.ts). */
export const handler = httpHandler(contactRoutes);
