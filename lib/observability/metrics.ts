import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger } from './logger.js';
import { STAGE_DIMENSION } from './metric-names.js';
import { observabilitySettings, runsInLambda } from './settings.js';

// Outside Lambda nothing collects EMF, and its blobs would bury the local log: Powertools' own switch turns metrics
// off there unless it was set explicitly (a test that asserts the EMF sets it to false).
if (!runsInLambda()) process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const { metricsNamespace, serviceName, stage } = observabilitySettings();
const options = {
  namespace: metricsNamespace,
  serviceName,
  defaultDimensions: { [STAGE_DIMENSION]: stage },
  logger,
};

/** The process's metrics: namespace from POWERTOOLS_METRICS_NAMESPACE, dimensions `service` and `stage`. */
export const metrics = new Metrics(options);

/**
 * Metrics of their own, written as one EMF document by publishStoredMetrics(): for a unit of work (a chunk) whose
 * metadata must not mix with that of the work handled beside it in the same invocation.
 */
export function metricsDocument(): Metrics {
  return new Metrics(options);
}

/** One EMF document of counts (metric name → count) for a batch of work, with no dimension beyond the defaults. */
export function publishCountsDocument(counts: Readonly<Record<string, number>>): void {
  const document = metricsDocument();
  for (const [name, count] of Object.entries(counts)) document.addMetric(name, MetricUnit.Count, count);
  document.publishStoredMetrics();
}
