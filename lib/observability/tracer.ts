import type { Tracer } from '@aws-lambda-powertools/tracer';
import { observabilitySettings } from './settings.js';

/** What the service asks of its tracer: each SDK client captured where it is created. */
export interface ServiceTracer {
  captureAWSv3Client<T>(client: T): T;
}

/**
 * X-Ray, in Lambda only (AWS_EXECUTION_ENV, Powertools' own test for it). Creating it there also traces outbound
 * HTTP: its HTTPS capture, on by default, patches the node:http and node:https modules (the webhook channel calls them
 * through the module objects, so it sees the patch) and subscribes to undici's diagnostics channel, which Node's fetch
 * uses.
 *
 * Outside Lambda (locally, in tests) Powertools would turn tracing off by itself, but importing it still installs the
 * X-Ray SDK's context tracking (cls-hooked), async hooks that track every promise of the process: about a tenth of the
 * local runtime's CPU under load. There the module is not loaded at all.
 */
export const lambdaTracer: Tracer | undefined = process.env.AWS_EXECUTION_ENV
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName: observabilitySettings().serviceName })
  : undefined;

export const tracer: ServiceTracer = lambdaTracer ?? { captureAWSv3Client: (client) => client };
