import middy from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { getRuntime } from '../composition-root.js';
import type { UseCaseDeps } from '../use-cases/deps.js';
import { type HttpContext, type HttpEvent, jsonBody, problemErrorHandler, tenantFromClaims } from './middlewares.js';
import { HttpProblem } from './problem.js';

/** A route: the authenticated tenant and parsed body in, one use-case call, a response out. */
export type Route = (
  request: { event: HttpEvent; tenantId: string; body: unknown },
  deps: UseCaseDeps,
) => Promise<APIGatewayProxyResultV2>;

/**
 * The middy stack shared by every authenticated HTTP function: tenant from the verified claims,
 * JSON body, then dispatch on API Gateway's routeKey; the problem+json error handler comes last.
 */
export function httpHandler(routes: Record<string, Route>) {
  return middy<HttpEvent, APIGatewayProxyResultV2, Error, HttpContext>()
    .use(tenantFromClaims(() => getRuntime().config.TENANT_CLAIM))
    .use(jsonBody())
    .use(problemErrorHandler())
    .handler(async (event, context) => {
      const route = routes[event.routeKey];
      if (!route) throw new HttpProblem(404, 'route.not_found', `no route ${event.routeKey}`);
      return route({ event, tenantId: context.tenantId, body: context.body }, getRuntime().deps);
    });
}
