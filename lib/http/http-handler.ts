import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { getRuntime } from '../composition-root.js';
import type { Config } from '../config.js';
import { withLogKeys } from '../observability/log-scope.js';
import { observedHandler } from '../observability/observed-handler.js';
import type { UseCaseDeps } from '../use-cases/deps.js';
import type { AccessSettings } from './authorize-caller.js';
import {
  authorizedCaller,
  type HttpContext,
  type HttpEvent,
  httpLogKeys,
  jsonBody,
  problemErrorHandler,
} from './middlewares.js';
import { HttpProblem } from './problem.js';

/** The configuration the authorization of every request reads (lib/config.ts). */
export function accessSettings(config: Config): AccessSettings {
  return {
    tenantClaim: config.TENANT_CLAIM,
    roleClaim: config.ROLE_CLAIM,
    tenantId: config.TENANT_ID,
    requireRoles: config.REQUIRE_ROLES,
  };
}

/** A route: the authenticated tenant and parsed body in, one use-case call, a response out. */
export type Route = (
  request: { event: HttpEvent; tenantId: string; body: unknown },
  deps: UseCaseDeps,
) => Promise<APIGatewayProxyResultV2>;

/**
 * The middy stack shared by every authenticated HTTP function: the service's observability (observedHandler), the
 * caller from the verified claims (tenant pinned to the stage's, role checked against the route's), JSON body, then
 * dispatch on API Gateway's routeKey, the route's log lines carrying tenant and broadcast; the problem+json error
 * handler comes last.
 */
export function httpHandler(routes: Record<string, Route>) {
  return observedHandler<HttpEvent, APIGatewayProxyResultV2, HttpContext>()
    .use(authorizedCaller(() => accessSettings(getRuntime().config)))
    .use(jsonBody())
    .use(problemErrorHandler())
    .handler(async (event, context) => {
      const route = routes[event.routeKey];
      if (!route) throw new HttpProblem(404, 'route.not_found', `no route ${event.routeKey}`);
      return withLogKeys(httpLogKeys(event, context.tenantId), () =>
        route({ event, tenantId: context.tenantId, body: context.body }, getRuntime().deps),
      );
    });
}
