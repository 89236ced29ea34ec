import { z } from 'zod';
import { type BroadcastPreview, previewBroadcast } from '../use-cases/preview-broadcast.js';
import type { Route } from './http-handler.js';
import { presentedTemplate } from './presenters.js';
import { json, pathId, requireBody } from './request.js';
import type { previewResource } from './response-schemas.js';
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

export function presentPreview(p: BroadcastPreview): z.input<typeof previewResource> {
  return {
    broadcast_id: p.broadcastId,
    contact_id: p.contactId,
    // What the contact would get: the rendered content, variables, subject and HTML part; the rest as the template
    // has it.
    message: p.message
      ? presentedTemplate({
          ...p.template,
          content: p.message.content,
          variables: p.message.variables,
          subject: p.message.subject,
          html: p.message.html,
        })
      : null,
    missing: p.missing ?? null,
    reason: p.reason ?? null,
    skip_reason: p.optedOut ? 'opted_out' : p.missing ? 'missing_variable' : null,
    // On an sms channel, the parts the text takes (GSM-7: 160 alone, 153 each once split; UCS-2: 70, 67).
    sms_parts: p.sms?.parts ?? null,
    sms_encoding: p.sms?.encoding ?? null,
  };
}
