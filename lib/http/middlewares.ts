import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { logger } from '../observability/logger.js';
import { HttpProblem, problemResponse, toProblem } from './problem.js';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpMiddleware = middy.MiddlewareObj<HttpEvent, APIGatewayProxyResultV2, Error, HttpContext>;

/** What the middlewares hand the route: the caller's tenant and the parsed JSON body. */
export interface HttpContext extends Context {
  tenantId: string;
  body: unknown;
}

export const MAX_BODY_BYTES = 1024 * 1024;

/** Tenant ids become part of every DynamoDB key, so they are held to a safe alphabet. */
const TENANT_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Reads the tenant from the claims the JWT authorizer verified (in AWS: API Gateway; locally: the
 * local server). No claims at all means the request never passed an authorizer: 401. A token without
 * a usable tenant claim: 403.
 */
export function tenantFromClaims(claimName: () => string): HttpMiddleware {
  return {
    before: (request) => {
      const claims = request.event.requestContext.authorizer?.jwt?.claims;
      if (!claims) throw new HttpProblem(401, 'auth.unauthorized', 'a valid bearer token is required');
      const tenant = claims[claimName()];
      if (typeof tenant !== 'string' || !TENANT_ID.test(tenant)) {
        throw new HttpProblem(403, 'auth.forbidden', `the token carries no valid "${claimName()}" claim`);
      }
      (request.context as HttpContext).tenantId = tenant;
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
