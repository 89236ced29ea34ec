import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { envForFile } from '../../support/env.js';
import { jsonOutputOfEachTest } from './json-output.js';
import { aLambdaContext } from './lambda-context.js';

// Locally and in tests: no AWS_LAMBDA_FUNCTION_NAME, no AWS_EXECUTION_ENV, no metrics switch set. An on-demand
// initialization type makes the first invocation a cold start, which would write a ColdStart metric if metrics were on.
envForFile({ POWERTOOLS_METRICS_DISABLED: undefined, AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' });
const { metrics } = await import('../../../lib/observability/metrics.js');
const { observedHandler } = await import('../../../lib/observability/observed-handler.js');
const { lambdaTracer, tracer } = await import('../../../lib/observability/tracer.js');

const stdout = jsonOutputOfEachTest();

describe('outside Lambda', () => {
  it("writes no EMF: Powertools' own switch turns the metrics off", async () => {
    // Prepare
    const handler = observedHandler<unknown, string>().handler(async () => {
      metrics.addMetric('Probe', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      return 'done';
    });

    // Act
    const result = await handler({}, aLambdaContext('req-1'));

    // Assess
    expect(result).toBe('done');
    expect(process.env.POWERTOOLS_METRICS_DISABLED).toBe('true');
    expect(stdout.lines().filter((line) => '_aws' in line)).toEqual([]);
  });

  it('traces nothing, so it needs no X-Ray daemon, and loads no X-Ray SDK: its async hooks would track every promise', () => {
    const client = { send: async () => 'sent' };
    expect(lambdaTracer).toBeUndefined();
    expect(tracer.captureAWSv3Client(client)).toBe(client);
    // cls-hooked, the X-Ray SDK's context tracking, registers its namespaces on `process` when it loads.
    expect((process as { namespaces?: unknown }).namespaces).toBeUndefined();
  });
});
