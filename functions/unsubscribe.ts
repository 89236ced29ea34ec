import { unsubscribeHandler } from '../lib/http/unsubscribe-routes.js';

/** Public HTTP API Lambda for GET and POST /unsubscribe/{token} (no JWT: the signed token is the credential). */
export const handler = unsubscribeHandler();
