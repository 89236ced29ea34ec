import { Tracer } from '@aws-lambda-powertools/tracer';
import { envForFile } from '../../support/env.js';

// In Lambda (AWS_EXECUTION_ENV is set by its runtime). Tracing switched off, so that nothing is patched here.
envForFile({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x', POWERTOOLS_TRACE_ENABLED: 'false' });
const { lambdaTracer, tracer } = await import('../../../lib/observability/tracer.js');

describe('in Lambda', () => {
  it("is Powertools' Tracer, which captures the SDK clients and each invocation", () => {
    expect(lambdaTracer).toBeInstanceOf(Tracer);
    expect(tracer).toBe(lambdaTracer);
  });
});
