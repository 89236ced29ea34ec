import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { logger } from '../observability/logger.js';
import { type AccessSettings, authorizeCaller } from './authorize-caller.js';
import { HttpProblem, problemResponse, toProblem } from './problem.js';
import type { Role } from './roles.js';
import { routeFor } from './routes.js';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpMiddleware = middy.MiddlewareObj<HttpEvent, APIGatewayProxyResultV2, Error, HttpContext>;

/** What the middlewares hand the route: the caller's tenant and role, and the parsed JSON body. */
export interface HttpContext extends Context {
  tenantId: string;
  role: Role;
  body: unknown;
}

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Who is calling, from the claims the JWT authorizer verified (in AWS: API Gateway; locally: the local server),
 * checked against the role the route table (lib/http/routes.ts) declares for the request's route: 401 without
 * claims, 403 for a token without a usable tenant, of another tenant than the stage's, or whose role falls short.
 * A route missing from the table is not served (404): every route served here has declared its role.
 */
export function authorizedCaller(settings: () => AccessSettings): HttpMiddleware {
  return {
    before: (request) => {
      const route = routeFor(request.event.routeKey);
      if (!route) throw new HttpProblem(404, 'route.not_found', `no route ${request.event.routeKey}`);
      if (route.public) {
        // A public route has no token to read a tenant from; serving it here would run it without one.
        throw new Error(`${request.event.routeKey} is public: serve it outside the authenticated handler stack`);
      }
      const claims = request.event.requestContext.authorizer?.jwt?.claims;
      const caller = authorizeCaller(claims, route.role, settings());
      const context = request.context as HttpContext;
      context.tenantId = caller.tenantId;
      context.role = caller.role;
    },
  };
}

/** Parses a JSON body: 415 when it is not JSON, 413 when it is too large, 400 when it is malformed. */
export function jsonBody(): HttpMiddleware {
  return {
    before: (request) => {
      const { event } = request;
      const context = request.context as HttpContext;
      context.body = undefined;
      if (event.body === undefined || event.body === '') return;
      const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
      if (Buffer.byteLength(raw) > MAX_BODY_BYTES) {
        throw new HttpProblem(413, 'request.too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
      }
      const contentType = (event.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (contentType !== 'application/json' && !contentType.endsWith('+json')) {
        throw new HttpProblem(415, 'request.unsupported_media_type', 'send the body as application/json', [], {
          'accept-post': 'application/json',
        });
      }
      try {
        context.body = JSON.parse(raw);
      } catch {
        throw new HttpProblem(400, 'request.malformed_json', 'the body is not valid JSON');
      }
    },
  };
}

/** Last in the stack: turns any error into problem+json; details of 5xx stay in the log. */
export function problemErrorHandler(): HttpMiddleware {
  return {
    onError: (request) => {
      const problem = toProblem(request.error);
      if (problem.status >= 500) {
        const keys = httpLogKeys(request.event, (request.context as Partial<HttpContext>).tenantId);
        logger.error('request failed', { error: request.error as Error, ...keys });
      }
      request.response = problemResponse(problem, request.event.rawPath);
    },
  };
}

/** What a request's log lines carry: its route, its tenant once known, and the broadcast its path names. */
export function httpLogKeys(event: HttpEvent, tenantId: string | undefined): LogAttributes {
  const broadcastId = event.routeKey.includes('/broadcasts/{id}') ? event.pathParameters?.id : undefined;
  return { routeKey: event.routeKey, tenantId, broadcastId };
}
