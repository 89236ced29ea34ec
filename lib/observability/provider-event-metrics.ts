import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { PROVIDER_EVENT_METRICS } from './metric-names.js';
import { metricsDocument } from './metrics.js';
import { publishReceiptMetrics, type ReceiptCounts } from './receipt-metrics.js';

/** What one batch of provider events did (see lib/use-cases/apply-provider-events.ts ProviderEventsReport). */
export interface ProviderEventCounts {
  received: number;
  ignored: number;
  unknown: number;
  suppressed: number;
  optedOut: number;
  receipts: ReceiptCounts;
}

/** One EMF document per batch for the events, and the receipts' own document for the delivery statuses they moved. */
export function publishProviderEventMetrics(counts: ProviderEventCounts): void {
  const document = metricsDocument();
  document.addMetric(PROVIDER_EVENT_METRICS.received, MetricUnit.Count, counts.received);
  document.addMetric(PROVIDER_EVENT_METRICS.ignored, MetricUnit.Count, counts.ignored);
  document.addMetric(PROVIDER_EVENT_METRICS.unknown, MetricUnit.Count, counts.unknown);
  document.addMetric(PROVIDER_EVENT_METRICS.suppressed, MetricUnit.Count, counts.suppressed);
  document.addMetric(PROVIDER_EVENT_METRICS.optedOut, MetricUnit.Count, counts.optedOut);
  document.publishStoredMetrics();
  if (counts.receipts.received > 0) publishReceiptMetrics(counts.receipts);
}
