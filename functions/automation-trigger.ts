import { getRuntime } from '../lib/composition-root.js';
import { NotFoundError, UnprocessableError } from '../lib/domain/errors.js';
import { automationEventEnvelope } from '../lib/http/schemas.js';
import { withLogKeys } from '../lib/observability/log-scope.js';
import { logger } from '../lib/observability/logger.js';
import { observedHandler } from '../lib/observability/observed-handler.js';
import { TRIGGER_BROADCAST, type TriggerOutcome, triggerBroadcast } from '../lib/use-cases/trigger-broadcast.js';

/** Content the function will never be able to apply, however often it is retried. */
export class InvalidAutomationEvent extends Error {
  constructor(
    message: string,
    readonly details: unknown,
  ) {
    super(message);
    this.name = 'InvalidAutomationEvent';
  }
}

/**
 * The target of the stage's automation rule: `trigger_broadcast` events (`detail: {tenant_id, broadcast_id,
 * override_schedule?, contact_ids?}`) applied by lib/use-cases/trigger-broadcast.ts; the event's `id` makes a
 * redelivery a no-op.
 *
 * - Applied, left scheduled or ignored (a running/finished broadcast, a duplicate): logged, returns normally.
 * - Invalid content (bad shape, unknown broadcast or tenant, a tenant other than the stage's TENANT_ID, its list or
 *   channel gone): logged and thrown as InvalidAutomationEvent. EventBridge invokes asynchronously, so Lambda retries
 *   it twice (bounded, never forever) and then puts it on the automation DLQ with the error
 *   (infra/constructs/automation-events.ts), where it is alarmed on and can be inspected.
 * - Anything else (throttling, an outage) is thrown too: the same two retries, then the DLQ.
 */
export const handler = observedHandler<unknown, TriggerOutcome>().handler(async (event: unknown) => {
  const parsed = automationEventEnvelope.safeParse(event);
  const eventId = (event as { id?: unknown } | null)?.id;
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    logger.error('invalid automation event', { eventId, issues });
    throw new InvalidAutomationEvent('invalid automation event', issues);
  }
  const { id, detail } = parsed.data;
  if (parsed.data['detail-type'] !== TRIGGER_BROADCAST) {
    logger.error('unsupported automation event', { eventId: id, detailType: parsed.data['detail-type'] });
    throw new InvalidAutomationEvent(`unsupported detail-type ${parsed.data['detail-type']}`, {});
  }
  const context = { eventId: id, tenantId: detail.tenant_id, broadcastId: detail.broadcast_id };
  // The stage serves one tenant (TENANT_ID): an event for another one is refused as a token of another tenant is,
  // whoever managed to put it on this stage's bus.
  const stageTenant = getRuntime().config.TENANT_ID;
  if (stageTenant !== undefined && detail.tenant_id !== stageTenant) {
    logger.error('automation event for another tenant than the stage', { ...context, stageTenant });
    throw new InvalidAutomationEvent("detail.tenant_id is not this stage's tenant", { code: 'auth.tenant_mismatch' });
  }
  try {
    const outcome = await withLogKeys(context, () =>
      triggerBroadcast(getRuntime().deps, {
        tenantId: detail.tenant_id,
        broadcastId: detail.broadcast_id,
        overrideSchedule: detail.override_schedule,
        ...(detail.contact_ids ? { contactIds: detail.contact_ids } : {}),
        eventId: id,
      }),
    );
    logger.info('trigger_broadcast applied', { ...context, ...outcome });
    return outcome;
  } catch (error) {
    // An unknown tenant is an unknown broadcast: tenants have no registry, their data is keyed by tenant.
    if (error instanceof NotFoundError || error instanceof UnprocessableError) {
      logger.error('automation event cannot be applied', { ...context, code: error.code, reason: error.message });
      throw new InvalidAutomationEvent(error.message, { code: error.code });
    }
    throw error;
  }
});
