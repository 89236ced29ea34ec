import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { STAGE_DIMENSION } from '../lib/observability/metric-names.js';
import { OBSERVABILITY_DEFAULTS } from '../lib/observability/settings.js';
import type { DeploymentTarget } from './deployment-target.js';

/** How a tenant stage labels its logs, traces and metrics: the service's name and namespace, its own stage. */
export interface Telemetry {
  readonly serviceName: string;
  readonly metricsNamespace: string;
  /** `<tenant>-<stage>`: tenant stages may share an account, and their metrics must not add up. */
  readonly stage: string;
}

export function telemetryOf(target: Pick<DeploymentTarget, 'tenant' | 'stage'>): Telemetry {
  return {
    serviceName: OBSERVABILITY_DEFAULTS.serviceName,
    metricsNamespace: OBSERVABILITY_DEFAULTS.metricsNamespace,
    stage: `${target.tenant}-${target.stage}`,
  };
}

/** What every function is given, for lib/observability (and lib/config.ts) to read. */
export function telemetryEnvironment(telemetry: Telemetry): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: telemetry.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: telemetry.metricsNamespace,
    STAGE: telemetry.stage,
  };
}

/**
 * One of the service's own (EMF) metrics, with exactly the dimensions lib/observability/metrics.ts writes: Powertools'
 * `service` and the stage. CloudWatch matches all dimensions or none, so any other set would read an empty metric.
 */
export function serviceMetric(telemetry: Telemetry, metricName: string, options: MetricOptions = {}): Metric {
  return new Metric({
    namespace: telemetry.metricsNamespace,
    metricName,
    dimensionsMap: { service: telemetry.serviceName, [STAGE_DIMENSION]: telemetry.stage },
    ...options,
  });
}
