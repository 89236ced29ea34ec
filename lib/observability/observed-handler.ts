import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { coldStartDone } from '../cold-start.js';
import { logger } from './logger.js';
import { metrics } from './metrics.js';
import { lambdaTracer } from './tracer.js';

/**
 * A middy handler with what every function of the service carries, outermost first:
 * - in Lambda, an X-Ray segment for the invocation, cold start annotated; its response is not captured (it carries
 *   contacts);
 * - the invocation's request id, function and cold start on every log line, and keys appended during it cleared after;
 *   the event itself is never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says: it carries channel credentials
 *   (a channel's POST body), contacts' addresses, signed unsubscribe tokens;
 * - a ColdStart metric once per execution environment;
 * - what the function reads at cold start, read before anything else runs (lib/cold-start.ts).
 *
 * Powertools' logMetrics is left out on purpose: it flushes the shared metrics after every invocation and warns when
 * there are none, which is every invocation but the sender's, and the sender writes one document per chunk
 * (publishChunkMetrics) so that each carries its own broadcast id.
 */
export function observedHandler<TEvent, TResult, TContext extends Context = Context>() {
  const handler = middy<TEvent, TResult, Error, TContext>();
  if (lambdaTracer) handler.use(captureLambdaHandler(lambdaTracer, { captureResponse: false }));
  return handler
    .use(injectLambdaContext(logger, { clearState: true, logEvent: false }))
    .use({ before: (request) => metrics.captureColdStartMetric(request.context.functionName) })
    .use({ before: () => coldStartDone() });
}
