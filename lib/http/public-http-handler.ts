import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { observedHandler } from '../observability/observed-handler.js';
import { type HttpContext, type HttpEvent, problemErrorHandler } from './middlewares.js';
import { HttpProblem } from './problem.js';

/** A route of a public function: no token, no tenant, no parsed body; what it needs comes as `deps`. */
export type PublicRoute<Deps> = (
  event: HttpEvent,
  deps: Deps,
) => APIGatewayProxyStructuredResultV2 | Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The middy stack of the public HTTP functions (unsubscribe links, provider webhooks, API docs): observability and
 * the problem+json error handler, nothing that checks a caller or parses a body. `deps` is called per request, so
 * the runtime is only built when a route needs it.
 */
export function publicHttpHandler<Deps>(routes: Record<string, PublicRoute<Deps>>, deps: () => Deps) {
  return observedHandler<HttpEvent, APIGatewayProxyResultV2, HttpContext>()
    .use(problemErrorHandler())
    .handler(async (event) => {
      const route = routes[event.routeKey];
      if (!route) throw new HttpProblem(404, 'route.not_found', `no route ${event.routeKey}`);
      return route(event, deps());
    });
}
