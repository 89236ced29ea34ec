import { beforeEach } from '@jest/globals';
import type { Route } from '../../../lib/http/http-handler.js';
import type { HttpEvent } from '../../../lib/http/middlewares.js';
import { envForFile } from '../../support/env.js';
import { jsonOutputOfEachTest } from './json-output.js';
import { aLambdaContext } from './lambda-context.js';

// The level these lines are logged at, whatever the run's environment says (the integration project's global set-up
// lowers it to WARN for every worker): the handler stack goes back to the environment's level at each invocation.
envForFile({ POWERTOOLS_LOG_LEVEL: 'INFO' });
const { httpHandler } = await import('../../../lib/http/http-handler.js');
const { logger } = await import('../../../lib/observability/logger.js');

const stdout = jsonOutputOfEachTest();

beforeEach(() => {
  logger.setLogLevel('INFO');
});

const linesSaying = (message: string) => stdout.lines().filter((line) => line.message === message);

function aRequest(routeKey: string, pathParameters: Record<string, string> = {}): HttpEvent {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {},
    pathParameters,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'example.com',
      domainPrefix: 'example',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'api-req',
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: { tenant_id: 'acme', exp: '1718722804' }, scopes: [] },
      },
    },
  };
}

describe('the HTTP stack', () => {
  it("puts the request's tenant and the broadcast its path names on the route's log lines", async () => {
    // Prepare
    const route: Route = async () => {
      logger.info('route ran');
      return { statusCode: 204 };
    };
    const handler = httpHandler({ 'POST /api/v1/broadcasts/{id}/execute': route, 'GET /api/v1/contacts/{id}': route });

    // Act
    await handler(aRequest('POST /api/v1/broadcasts/{id}/execute', { id: 'b-1' }), aLambdaContext('req-1') as never);
    await handler(aRequest('GET /api/v1/contacts/{id}', { id: 'c-1' }), aLambdaContext('req-2') as never);

    // Assess
    const [broadcastLine, contactLine] = linesSaying('route ran');
    expect(broadcastLine).toMatchObject({
      function_request_id: 'req-1',
      tenantId: 'acme',
      broadcastId: 'b-1',
      routeKey: 'POST /api/v1/broadcasts/{id}/execute',
    });
    expect(contactLine).toMatchObject({ function_request_id: 'req-2', tenantId: 'acme' });
    expect(contactLine).not.toHaveProperty('broadcastId');
  });

  it('puts them on the error line of a 5xx too', async () => {
    // Prepare
    const handler = httpHandler({
      'GET /api/v1/broadcasts/{id}': async () => {
        throw new Error('the table is gone');
      },
    });

    // Act
    const response = await handler(
      aRequest('GET /api/v1/broadcasts/{id}', { id: 'b-9' }),
      aLambdaContext('r') as never,
    );

    // Assess
    expect(response).toMatchObject({ statusCode: 500 });
    expect(linesSaying('request failed')).toEqual([
      expect.objectContaining({ tenantId: 'acme', broadcastId: 'b-9', routeKey: 'GET /api/v1/broadcasts/{id}' }),
    ]);
  });
});
