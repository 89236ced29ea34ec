import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

/** GET /health: public liveness probe; touches no dependency so it answers even when DynamoDB does not. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().handler(async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ status: 'ok' }),
}));
