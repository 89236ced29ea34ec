import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { RECEIPT_METRICS } from './metric-names.js';
import { metricsDocument, publishCountsDocument } from './metrics.js';

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
  publishCountsDocument({
    [RECEIPT_METRICS.received]: counts.received,
    [RECEIPT_METRICS.moved]: counts.moved,
    [RECEIPT_METRICS.unchanged]: counts.unchanged,
    [RECEIPT_METRICS.unknown]: counts.unknown,
    [RECEIPT_METRICS.early]: counts.early,
  });
}

/** A webhook call refused (bad signature, or a verification with the wrong token), with whose channel it named. */
export function publishWebhookRejected(channelId: string, why: 'signature' | 'verify_token'): void {
  const document = metricsDocument();
  document.addMetadata('channelId', channelId);
  document.addMetadata('why', why);
  document.addMetric(RECEIPT_METRICS.webhooksRejected, MetricUnit.Count, 1);
  document.publishStoredMetrics();
}
