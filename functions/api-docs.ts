import { docsHandler } from '../lib/http/docs-routes.js';

/** Public HTTP API Lambda for GET /api/v1/openapi.json, GET /docs and its assets (no JWT). */
export const handler = docsHandler();
