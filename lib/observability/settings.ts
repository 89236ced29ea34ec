/**
 * What labels the service's logs, traces and metrics where nobody set it: locally, in tests. In AWS the CDK sets
 * POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE and STAGE on every function (infra/telemetry.ts).
 */
export const OBSERVABILITY_DEFAULTS = {
  serviceName: 'broadcast-service',
  metricsNamespace: 'BroadcastService',
  stage: 'local',
} as const;

export interface ObservabilitySettings {
  serviceName: string;
  metricsNamespace: string;
  stage: string;
}

/**
 * Read straight from the environment, not from lib/config.ts: the logger exists from the first import, before any
 * configuration is loaded (config.ts validates the same variables).
 */
export function observabilitySettings(env: NodeJS.ProcessEnv = process.env): ObservabilitySettings {
  return {
    serviceName: env.POWERTOOLS_SERVICE_NAME || OBSERVABILITY_DEFAULTS.serviceName,
    metricsNamespace: env.POWERTOOLS_METRICS_NAMESPACE || OBSERVABILITY_DEFAULTS.metricsNamespace,
    stage: env.STAGE || OBSERVABILITY_DEFAULTS.stage,
  };
}

/** Lambda sets AWS_LAMBDA_FUNCTION_NAME; the local runtime and the tests do not. */
export function runsInLambda(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
}
