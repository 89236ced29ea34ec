import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { observedHandler } from '../lib/observability/observed-handler.js';

/** GET /health: public liveness probe; touches no dependency so it answers even when DynamoDB does not. */
export const handler = observedHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().handler(async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ status: 'ok' }),
}));
