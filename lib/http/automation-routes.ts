import { getRuntime } from '../composition-root.js';
import { TRIGGER_BROADCAST, triggerBroadcast } from '../use-cases/trigger-broadcast.js';
import type { Route } from './http-handler.js';
import { HttpProblem } from './problem.js';
import { json, requireBody } from './request.js';
import { automationEventBody } from './schemas.js';

/**
 * POST /api/v1/automation/events: an automation event sent over HTTP (locally, where there is no EventBridge bus;
 * in AWS it works the same), applied as the EventBridge rule's target applies it. The token's tenant must be the
 * event's: `detail.tenant_id` of another tenant is a 403, whatever broadcast it names.
 */
export const automationRoutes: Record<string, Route> = {
  'POST /api/v1/automation/events': async ({ tenantId, body }, deps) => {
    const event = requireBody(automationEventBody, body);
    if (event.detail.tenant_id !== tenantId) {
      throw new HttpProblem(403, 'automation.tenant_mismatch', "detail.tenant_id is not the token's tenant");
    }
    const source = getRuntime().config.AUTOMATION_SOURCE;
    if (event.source !== source || event['detail-type'] !== TRIGGER_BROADCAST) {
      throw new HttpProblem(
        422,
        'automation.unsupported_event',
        `only "${TRIGGER_BROADCAST}" events from source "${source}" are accepted`,
        [
          ...(event.source === source ? [] : [{ field: 'source', message: `must be "${source}"` }]),
          ...(event['detail-type'] === TRIGGER_BROADCAST
            ? []
            : [{ field: 'detail-type', message: `must be "${TRIGGER_BROADCAST}"` }]),
        ],
      );
    }
    const outcome = await triggerBroadcast(deps, {
      tenantId,
      broadcastId: event.detail.broadcast_id,
      overrideSchedule: event.detail.override_schedule,
      ...(event.detail.contact_ids ? { contactIds: event.detail.contact_ids } : {}),
      ...(event.id ? { eventId: event.id } : {}),
    });
    return json(202, {
      result: outcome.result,
      broadcast_id: outcome.broadcastId,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    });
  },
};
