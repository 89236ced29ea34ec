import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { getRuntime } from '../composition-root.js';
import { withLogKeys } from '../observability/log-scope.js';
import { observedHandler } from '../observability/observed-handler.js';
import type { UseCaseDeps } from '../use-cases/deps.js';
import {
  type HttpContext,
  type HttpEvent,
  httpLogKeys,
  jsonBody,
  problemErrorHandler,
  tenantFromClaims,
} from './middlewares.js';
import { HttpProblem } from './problem.js';

/** A route: the authenticated tenant and parsed body in, one use-case call, a response out. */
export type Route = (
  request: { event: HttpEvent; tenantId: string; body: unknown },
  deps: UseCaseDeps,
) => Promise<APIGatewayProxyResultV2>;

/**
 * The middy stack shared by every authenticated HTTP function: the service's observability (observedHandler), tenant
 * from the verified claims, JSON body, then dispatch on API Gateway's routeKey, the route's log lines carrying tenant
 * and broadcast; the problem+json error handler comes last.
 */
export function httpHandler(routes: Record<string, Route>) {
  return observedHandler<HttpEvent, APIGatewayProxyResultV2, HttpContext>()
    .use(tenantFromClaims(() => getRuntime().config.TENANT_CLAIM))
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
