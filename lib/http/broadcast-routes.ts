import type { z } from 'zod';
import type { Broadcast } from '../domain/broadcast.js';
import type { MessageTemplate } from '../domain/message-template.js';
import {
  type BroadcastFields,
  createBroadcast,
  deleteBroadcast,
  getBroadcast,
  scheduleBroadcast,
  unscheduleBroadcast,
  updateBroadcast,
} from '../use-cases/broadcast-commands.js';
import {
  getBroadcastStats,
  getBroadcastTimeline,
  listBroadcastExecutions,
  listBroadcasts,
} from '../use-cases/broadcast-queries.js';
import type { UseCaseDeps } from '../use-cases/deps.js';
import { preflightBroadcast } from '../use-cases/preflight-broadcast.js';
import { cancelBroadcast, pauseBroadcast, resumeBroadcast, startBroadcast } from '../use-cases/run-lifecycle.js';
import type { Route } from './http-handler.js';
import { paging } from './page-cursor.js';
import { presentBroadcast, presentExecution, presentPreflight, presentStats, presentTimeline } from './presenters.js';
import { previewRoute } from './preview-route.js';
import { json, noContent, parseWith, pathId, queryOf, requireBody } from './request.js';
import {
  actionBody,
  broadcastListQuery,
  createBroadcastBody,
  executionListQuery,
  type messageTemplate,
  scheduleBody,
  updateBroadcastBody,
} from './schemas.js';
import { testSendRoute, testSendsRoute } from './test-send-routes.js';

type StatusCommand = (deps: UseCaseDeps, tenantId: string, id: string) => Promise<Broadcast>;

const statusRoute =
  (command: StatusCommand): Route =>
  async ({ event, tenantId, body }, deps) => {
    const id = pathId(event);
    // No body, an empty one or `{}`; anything else is refused as on every other route, before anything changes.
    if (body !== undefined) parseWith(actionBody, body);
    return json(200, presentBroadcast(await command(deps, tenantId, id)));
  };

export const broadcastRoutes: Record<string, Route> = {
  'POST /api/v1/broadcasts': async ({ tenantId, body }, deps) => {
    const input = requireBody(createBroadcastBody, body);
    const broadcast = await createBroadcast(deps, tenantId, {
      ...toFields(input),
      ...(input.scheduled_for ? { scheduledFor: input.scheduled_for } : {}),
    } as BroadcastFields & { scheduledFor?: string });
    return json(201, presentBroadcast(broadcast));
  },

  'GET /api/v1/broadcasts': async ({ event, tenantId }, deps) => {
    const query = queryOf(event, broadcastListQuery);
    const page = paging(event, tenantId, query);
    return json(200, page.body(await listBroadcasts(deps, tenantId, page.request, query.status), presentBroadcast));
  },

  'GET /api/v1/broadcasts/{id}': async ({ event, tenantId }, deps) =>
    json(200, presentBroadcast(await getBroadcast(deps, tenantId, pathId(event)))),

  'PUT /api/v1/broadcasts/{id}': async ({ event, tenantId, body }, deps) => {
    const id = pathId(event);
    const input = requireBody(updateBroadcastBody, body);
    return json(200, presentBroadcast(await updateBroadcast(deps, tenantId, id, toFields(input))));
  },

  'DELETE /api/v1/broadcasts/{id}': async ({ event, tenantId }, deps) => {
    await deleteBroadcast(deps, tenantId, pathId(event));
    return noContent();
  },

  'POST /api/v1/broadcasts/{id}/schedule': async ({ event, tenantId, body }, deps) => {
    const id = pathId(event);
    const { scheduled_for } = requireBody(scheduleBody, body);
    return json(200, presentBroadcast(await scheduleBroadcast(deps, tenantId, id, scheduled_for)));
  },

  'POST /api/v1/broadcasts/{id}/unschedule': statusRoute(unscheduleBroadcast),
  'POST /api/v1/broadcasts/{id}/cancel': statusRoute(cancelBroadcast),
  'POST /api/v1/broadcasts/{id}/execute': statusRoute(startBroadcast),
  'POST /api/v1/broadcasts/{id}/pause': statusRoute((deps, tenantId, id) => pauseBroadcast(deps, tenantId, id)),
  'POST /api/v1/broadcasts/{id}/resume': statusRoute(resumeBroadcast),
  'POST /api/v1/broadcasts/{id}/preview': previewRoute,
  'POST /api/v1/broadcasts/{id}/test-send': testSendRoute,
  'GET /api/v1/broadcasts/{id}/test-sends': testSendsRoute,

  'GET /api/v1/broadcasts/{id}/stats': async ({ event, tenantId }, deps) =>
    json(200, presentStats(await getBroadcastStats(deps, tenantId, pathId(event)))),

  'POST /api/v1/broadcasts/{id}/preflight': async ({ event, tenantId, body }, deps) => {
    const id = pathId(event);
    if (body !== undefined) parseWith(actionBody, body);
    return json(200, presentPreflight(await preflightBroadcast(deps, tenantId, id)));
  },

  'GET /api/v1/broadcasts/{id}/timeline': async ({ event, tenantId }, deps) => {
    const id = pathId(event);
    return json(200, presentTimeline(id, await getBroadcastTimeline(deps, tenantId, id)));
  },

  'GET /api/v1/broadcasts/{id}/executions': async ({ event, tenantId }, deps) => {
    const id = pathId(event);
    const query = queryOf(event, executionListQuery);
    const page = paging(event, tenantId, query);
    const executions = await listBroadcastExecutions(deps, tenantId, id, page.request, query.status);
    return json(200, page.body(executions, presentExecution));
  },
};

/** The fields present in a create or update body, camelCased; absent ones stay absent. */
function toFields(input: {
  name?: string | undefined;
  list_id?: string | undefined;
  channel_id?: string | undefined;
  message_template?: z.output<typeof messageTemplate> | undefined;
  rate_limit?: number | undefined;
  timezone?: string | undefined;
}): Partial<BroadcastFields> {
  const fields: Partial<BroadcastFields> = {};
  if (input.name !== undefined) fields.name = input.name;
  if (input.list_id !== undefined) fields.listId = input.list_id;
  if (input.channel_id !== undefined) fields.channelId = input.channel_id;
  if (input.message_template !== undefined) fields.messageTemplate = toTemplate(input.message_template);
  if (input.rate_limit !== undefined) fields.rateLimit = input.rate_limit;
  if (input.timezone !== undefined) fields.timezone = input.timezone;
  return fields;
}

function toTemplate(t: z.output<typeof messageTemplate>): MessageTemplate {
  return {
    type: t.type,
    ...(t.content !== undefined ? { content: t.content } : {}),
    ...(t.template_id !== undefined ? { templateId: t.template_id } : {}),
    ...(t.variables !== undefined ? { variables: t.variables } : {}),
    ...(t.media_url !== undefined ? { mediaUrl: t.media_url } : {}),
    ...(t.language !== undefined ? { language: t.language } : {}),
    ...(t.subject !== undefined ? { subject: t.subject } : {}),
    ...(t.html !== undefined ? { html: t.html } : {}),
  };
}
