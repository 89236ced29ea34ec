import { getRuntime } from '../composition-root.js';
import { logger } from '../observability/logger.js';
import { publishWebhookRejected } from '../observability/receipt-metrics.js';
import {
  acceptReceiptWebhook,
  answerWebhookVerification,
  type ReceiptWebhookDeps,
} from '../use-cases/receipt-webhooks.js';
import { type HttpEvent, MAX_BODY_BYTES } from './middlewares.js';
import { HttpProblem } from './problem.js';
import { type PublicRoute, publicHttpHandler } from './public-http-handler.js';
import { json, rawBodyOf } from './request.js';

/** A public route of a provider's webhook: no token (the provider's signature is the credential), the raw body. */
export type WebhookRoute = PublicRoute<ReceiptWebhookDeps>;

export const WHATSAPP_WEBHOOK_PATH = '/api/v1/webhooks/whatsapp/{channel_id}';

/**
 * WhatsApp's webhook, one URL per channel (the channel names the tenant, the verify token and the app secret):
 * - GET is Meta's subscription check: 200 with `hub.challenge` as plain text when `hub.verify_token` is the channel's,
 *   else 403;
 * - POST carries status notifications signed with the app secret: 401 and nothing done when the signature is missing
 *   or wrong, else the receipts are queued and Meta gets its 200 at once (it retries slow or failing endpoints).
 * An unknown id and a channel of another type are the same 404, after the same reads.
 */
export const receiptWebhookRoutes: Record<string, WebhookRoute> = {
  [`GET ${WHATSAPP_WEBHOOK_PATH}`]: async (event, deps) => {
    const channelId = channelIdOf(event);
    const outcome = await answerWebhookVerification(deps, 'whatsapp', channelId, event.queryStringParameters ?? {});
    if (outcome.kind === 'unknown_channel') throw noSuchChannel(channelId);
    if (outcome.kind === 'refused') {
      logger.warn('webhook verification refused', { tenantId: outcome.channel.tenantId, channelId });
      publishWebhookRejected(channelId, 'verify_token');
      throw new HttpProblem(403, 'webhook.verification_failed', 'hub.mode or hub.verify_token is not the expected one');
    }
    logger.info('webhook verified', { tenantId: outcome.channel.tenantId, channelId });
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
      body: outcome.challenge,
    };
  },

  [`POST ${WHATSAPP_WEBHOOK_PATH}`]: async (event, deps) => {
    const channelId = channelIdOf(event);
    const rawBody = rawBodyOf(event);
    if (rawBody.length > MAX_BODY_BYTES) {
      throw new HttpProblem(413, 'request.too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    const outcome = await acceptReceiptWebhook(deps, 'whatsapp', channelId, { rawBody, headers: event.headers ?? {} });
    switch (outcome.kind) {
      case 'unknown_channel':
        throw noSuchChannel(channelId);
      case 'bad_signature':
        logger.warn('webhook refused: bad signature', { tenantId: outcome.channel.tenantId, channelId });
        publishWebhookRejected(channelId, 'signature');
        throw new HttpProblem(
          401,
          'webhook.invalid_signature',
          'X-Hub-Signature-256 is missing or is not the HMAC-SHA256 of the body with the app secret',
        );
      case 'malformed':
        throw new HttpProblem(400, 'request.malformed_json', 'the body is not valid JSON');
      case 'accepted':
        if (outcome.rejected > 0) {
          logger.warn('webhook statuses not in the documented shape were dropped', {
            tenantId: outcome.channel.tenantId,
            channelId,
            rejected: outcome.rejected,
          });
        }
        return json(200, { received: outcome.receipts });
    }
  },
};

/** The webhook function: the public middy stack (no tenant, no JSON parsing; problem+json on errors). */
export function receiptWebhookHandler(
  routes: Record<string, WebhookRoute> = receiptWebhookRoutes,
  deps: () => ReceiptWebhookDeps = runtimeDeps,
) {
  return publicHttpHandler(routes, deps);
}

function runtimeDeps(): ReceiptWebhookDeps {
  const { deps } = getRuntime();
  return { channels: deps.channels, receiptWebhooks: deps.receiptWebhooks, receiptQueue: deps.receiptQueue };
}

function channelIdOf(event: HttpEvent): string {
  return event.pathParameters?.channel_id ?? '';
}

function noSuchChannel(channelId: string): HttpProblem {
  // The same words for an unknown id and another type's channel: the answer tells nothing apart.
  return new HttpProblem(404, 'channel.not_found', `no WhatsApp channel ${channelId.slice(0, 64)}`);
}
