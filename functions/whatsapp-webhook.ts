import { receiptWebhookHandler } from '../lib/http/receipt-webhook-routes.js';

/**
 * Public HTTP API Lambda for GET and POST /api/v1/webhooks/whatsapp/{channel_id}: Meta's verification and its signed
 * status notifications (no JWT: the channel's verify token and app secret are the credentials).
 */
export const handler = receiptWebhookHandler();
