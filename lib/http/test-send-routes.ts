import { z } from 'zod';
import { withoutCredentials } from '../domain/input-rules.js';
import type { TestSend } from '../domain/test-send.js';
import { sendTestMessage } from '../use-cases/test-send.js';
import { listTestSends } from '../use-cases/test-send-history.js';
import type { Route } from './http-handler.js';
import { paging } from './page-cursor.js';
import { json, pathId, queryOf, requireBody } from './request.js';
import type { testSendResource } from './response-schemas.js';
import { id, pageQuery } from './schemas.js';

/** POST /api/v1/broadcasts/{id}/test-send body. */
export const testSendBody = z.strictObject({ contact_id: id });

/**
 * POST /api/v1/broadcasts/{id}/test-send: one real message to one contact, now (see sendTestMessage). 201 with the
 * recorded test send whatever the channel answered: `status` says whether it was sent.
 */
export const testSendRoute: Route = async ({ event, tenantId, body }, deps) => {
  const broadcastId = pathId(event);
  const { contact_id } = requireBody(testSendBody, body);
  return json(201, presentTestSend(await sendTestMessage(deps, tenantId, broadcastId, contact_id)));
};

/** GET /api/v1/broadcasts/{id}/test-sends: the broadcast's test-send history, newest first. */
export const testSendsRoute: Route = async ({ event, tenantId }, deps) => {
  const broadcastId = pathId(event);
  const page = paging(event, tenantId, queryOf(event, pageQuery));
  return json(200, page.body(await listTestSends(deps, tenantId, broadcastId, page.request), presentTestSend));
};

export function presentTestSend(t: TestSend): z.input<typeof testSendResource> {
  return {
    id: t.id,
    broadcast_id: t.broadcastId,
    contact_id: t.contactId,
    channel_id: t.channelId,
    status: t.status,
    message_id: t.messageId ?? null,
    error: t.error ?? null,
    failure: t.failure ?? null,
    sms_parts: t.smsParts ?? null,
    message: {
      type: t.message.type,
      content: t.message.content ?? null,
      template_id: t.message.templateId ?? null,
      variables: t.message.variables ?? {},
      media_url: t.message.mediaUrl === undefined ? null : withoutCredentials(t.message.mediaUrl),
      subject: t.message.subject ?? null,
      html: t.message.html ?? null,
      truncated: t.message.truncated === true,
    },
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}
