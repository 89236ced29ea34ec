import { z } from 'zod';
import { withoutCredentials } from '../domain/input-rules.js';
import { type BroadcastPreview, previewBroadcast } from '../use-cases/preview-broadcast.js';
import type { Route } from './http-handler.js';
import { json, pathId, requireBody } from './request.js';
import { id } from './schemas.js';

/** POST /api/v1/broadcasts/{id}/preview body. */
export const previewBody = z.strictObject({ contact_id: id });

/** POST /api/v1/broadcasts/{id}/preview: renders the message for one contact, sends nothing. */
export const previewRoute: Route = async ({ event, tenantId, body }, deps) => {
  const broadcastId = pathId(event);
  const { contact_id } = requireBody(previewBody, body);
  const preview = await previewBroadcast(deps, tenantId, broadcastId, contact_id);
  return json(200, presentPreview(preview));
};

export function presentPreview(p: BroadcastPreview) {
  const t = p.template;
  return {
    broadcast_id: p.broadcastId,
    contact_id: p.contactId,
    message: p.message
      ? {
          type: t.type,
          content: p.message.content ?? null,
          template_id: t.templateId ?? null,
          variables: p.message.variables ?? {},
          media_url: t.mediaUrl === undefined ? null : withoutCredentials(t.mediaUrl),
        }
      : null,
    missing: p.missing ?? null,
    reason: p.reason ?? null,
    skip_reason: p.optedOut ? 'opted_out' : p.missing ? 'missing_variable' : null,
  };
}
