import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HttpFunctionName, ROUTES } from '../../../lib/http/routes.js';

const MATCHERS = ROUTES.map((route) => ({
  method: route.method,
  fn: route.fn,
  pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+')}$`),
}));

/** The Lambda function API Gateway would invoke for a request, or undefined when no route of the service takes it. */
export function httpFunctionOf(method: string | undefined, url: string | undefined): HttpFunctionName | undefined {
  const path = new URL(url ?? '/', 'http://localhost').pathname;
  return MATCHERS.find((m) => m.method === method && m.pattern.test(path))?.fn;
}

/**
 * Times every request a route of the service answers in this process (Node's `http.server.request.start` and
 * `http.server.response.finish` diagnostics channels), from its arrival to its last byte sent: what API Gateway
 * would bill as one request and Lambda as one invocation of the route's function. The local API's own routes
 * (`/local/events`, which stands for EventBridge) and the local SQS server's requests match no route and are left out.
 * The measure includes reading the body and the local JWT check, so it is a little above the handler's own time.
 */
export function timeHttpFunctions(onInvocation: (fn: HttpFunctionName, ms: number, busyMs: number) => void): void {
  const began = new WeakMap<ServerResponse, { fn: HttpFunctionName; at: number }>();
  // Per function: calls in flight, and since when at least one was (see InvocationDurations.busyMs).
  const busy = new Map<HttpFunctionName, { inFlight: number; since: number }>();
  subscribe('http.server.request.start', (message) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const fn = httpFunctionOf(request.method, request.url);
    if (!fn) return;
    const at = performance.now();
    began.set(response, { fn, at });
    const b = busy.get(fn) ?? { inFlight: 0, since: at };
    if (b.inFlight === 0) b.since = at;
    b.inFlight++;
    busy.set(fn, b);
  });
  subscribe('http.server.response.finish', (message) => {
    const { response } = message as { response: ServerResponse };
    const start = began.get(response);
    if (!start) return;
    began.delete(response);
    const now = performance.now();
    const b = busy.get(start.fn) as { inFlight: number; since: number };
    b.inFlight--;
    // The busy stretch so far, charged to the call that ends it (or to the last one of an overlap).
    const busyMs = now - b.since;
    b.since = now;
    onInvocation(start.fn, now - start.at, busyMs);
  });
}
