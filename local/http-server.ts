import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { MAX_BODY_BYTES } from '../lib/http/middlewares.js';
import { HttpProblem, problemResponse } from '../lib/http/problem.js';
import { type HttpFunctionName, ROUTES, type RouteDefinition, routeKey } from '../lib/http/routes.js';
import type { DashboardAssets } from './dashboard-assets.js';
import { LOCAL_EVENTS_PATH, type LocalEventTargets, serveLocalEvent } from './local-events.js';
import { type LocalJwtTrust, verifyLocalToken } from './local-jwt.js';

type LambdaHandler = (event: never, context: never, options: never) => Promise<APIGatewayProxyResultV2>;

const loaded = new Map<HttpFunctionName, Promise<LambdaHandler>>();

/** The same Lambda entry points API Gateway invokes in AWS: functions/<fn>.ts, loaded on first use. */
function lambdaHandler(fn: HttpFunctionName): Promise<LambdaHandler> {
  let handler = loaded.get(fn);
  if (!handler) {
    handler = import(`../functions/${fn}.js`).then((module: { handler: LambdaHandler }) => module.handler);
    loaded.set(fn, handler);
  }
  return handler;
}

export interface LocalApiOptions {
  port: number;
  host?: string;
  /** The tokens the stand-in for API Gateway's JWT authorizer accepts. */
  jwt: LocalJwtTrust;
  /** Where `POST /local/events`, the stand-in for the stage's EventBridge rules, delivers; unset: no such route. */
  events?: LocalEventTargets;
  /** The operator dashboard at `/` (local/dashboard-assets.ts); unset: no such pages. */
  dashboard?: DashboardAssets;
}

interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  params: string[];
}

const COMPILED: CompiledRoute[] = ROUTES.map((route) => {
  const params: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), params };
});

/**
 * Stands in for API Gateway (HTTP API, payload v2): matches the route, runs the JWT authorizer with
 * HS256 and LOCAL_JWT_SECRET (issuer, audience and expiry required), and invokes the route's Lambda handler with the event API Gateway would send.
 */
export function startLocalApi(options: LocalApiOptions): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    serve(req, res, options).catch((error) => {
      process.stderr.write(`local api: ${(error as Error).stack}\n`);
      send(res, problemResponse(new HttpProblem(500, 'internal', 'an internal error occurred')));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({ server, url: `http://${options.host ?? '127.0.0.1'}:${port}` });
    });
  });
}

async function serve(req: IncomingMessage, res: ServerResponse, options: LocalApiOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = (req.method ?? 'GET').toUpperCase();
  if (url.pathname === LOCAL_EVENTS_PATH && options.events) return serveEvents(req, res, method, options.events);
  if (options.dashboard?.handles(method, url.pathname)) return options.dashboard.serve(url.pathname, res);
  const matches = COMPILED.map((c) => ({ c, m: c.pattern.exec(url.pathname) })).filter((x) => x.m);
  const match = matches.find((x) => x.c.route.method === method);
  if (!match?.m) {
    const status = matches.length > 0 ? 405 : 404;
    const detail =
      status === 405 ? `${method} is not allowed on ${url.pathname}` : `no route ${method} ${url.pathname}`;
    return send(res, problemResponse(new HttpProblem(status, 'route.not_found', detail)));
  }
  const body = await readBody(req);
  if (body === 'too_large') {
    return send(
      res,
      problemResponse(new HttpProblem(413, 'request.too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`)),
    );
  }
  const { route } = match.c;
  let claims: Record<string, string> | undefined;
  if (!route.public) {
    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    claims = token ? await verifyLocalToken(token, options.jwt) : undefined;
    if (!claims) {
      const problem = new HttpProblem(401, 'auth.unauthorized', 'a valid bearer token is required', [], {
        'www-authenticate': 'Bearer',
      });
      return send(res, problemResponse(problem));
    }
  }
  const pathParameters = Object.fromEntries(
    match.c.params.map((name, i) => [name, decodePathSegment(match.m?.[i + 1] ?? '')]),
  );
  const event = toEvent(req, url, route, pathParameters, body, claims);
  const invocation = { signal: new AbortController().signal };
  const handler = await lambdaHandler(route.fn);
  const result = await handler(event as never, lambdaContext(route.fn) as never, invocation as never);
  send(res, typeof result === 'string' ? { statusCode: 200, body: result } : result);
}

/** The local runtime's own route, outside the deployed route table (local/local-events.ts). */
async function serveEvents(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  targets: LocalEventTargets,
): Promise<void> {
  if (method !== 'POST') {
    return send(
      res,
      problemResponse(new HttpProblem(405, 'route.not_found', `${method} is not allowed on ${LOCAL_EVENTS_PATH}`)),
    );
  }
  const body = await readBody(req);
  if (body === 'too_large') {
    return send(
      res,
      problemResponse(new HttpProblem(413, 'request.too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`)),
    );
  }
  send(res, await serveLocalEvent(body, targets));
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  route: RouteDefinition,
  pathParameters: Record<string, string>,
  body: string,
  claims: Record<string, string> | undefined,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    ...(body !== '' ? { body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: claims
        ? { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } }
        : (undefined as never),
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: routeKey(route),
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

/** A malformed escape stays as it is and then fails the route's own validation (400), never a 500. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function readBody(req: IncomingMessage): Promise<string | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Keep draining without buffering, then answer 413 once the client has finished sending.
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too_large' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
  // As API Gateway does: a body the function marked base64-encoded goes out as its bytes.
  res.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : (result.body ?? ''));
}

function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
