import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { RECEIPT_METRICS } from './metric-names.js';
import { metricsDocument } from './metrics.js';

/** What one batch of receipts did (see lib/use-cases/apply-receipts.ts ReceiptsReport). */
export interface ReceiptCounts {
  received: number;
  moved: number;
  unchanged: number;
  unknown: number;
  early: number;
}

/** One EMF document per batch of queued receipts: tenants and broadcasts are many, so they are not dimensions. */
export function publishReceiptMetrics(counts: ReceiptCounts): void {
  const document = metricsDocument();
  document.addMetric(RECEIPT_METRICS.received, MetricUnit.Count, counts.received);
  document.addMetric(RECEIPT_METRICS.moved, MetricUnit.Count, counts.moved);
  document.addMetric(RECEIPT_METRICS.unchanged, MetricUnit.Count, counts.unchanged);
  document.addMetric(RECEIPT_METRICS.unknown, MetricUnit.Count, counts.unknown);
  document.addMetric(RECEIPT_METRICS.early, MetricUnit.Count, counts.early);
  document.publishStoredMetrics();
}

/** A webhook call refused (bad signature, or a verification with the wrong token), with whose channel it named. */
export function publishWebhookRejected(channelId: string, why: 'signature' | 'verify_token'): void {
  const document = metricsDocument();
  document.addMetadata('channelId', channelId);
  document.addMetadata('why', why);
  document.addMetric(RECEIPT_METRICS.webhooksRejected, MetricUnit.Count, 1);
  document.publishStoredMetrics();
}
